// Library state, tensor lifetime, creation, queries, autograd, in-place updates and serialisation.
#include "internal.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/version.h>

#include <fstream>
#include <iterator>
#include <mutex>

namespace pj
{
namespace
{
thread_local std::string t_error;
std::atomic<int64_t> s_live{0};

at::TensorOptions options(int dtype)
{
    return at::TensorOptions().dtype(scalar_type(dtype)).device(at::kCPU);
}

// Random draws happen in float32 and are cast, so a seed gives the same numbers for every dtype.
at::Tensor random(const int64_t* shape, int ndim, int dtype, uint64_t seed, bool normal)
{
    auto size = dims(shape, ndim, "shape");
    auto generator = at::detail::createCPUGenerator(seed);
    auto f32 = at::TensorOptions().dtype(at::kFloat);
    auto values = normal ? at::randn(size, generator, f32) : at::rand(size, generator, f32);
    return values.to(scalar_type(dtype));
}
} // namespace

void set_error(const char* message)
{
    t_error = message == nullptr ? "" : message;
}

std::atomic<int64_t>& live_counter()
{
    return s_live;
}

at::ScalarType scalar_type(int dtype)
{
    switch (dtype)
    {
    case PJ_F32: return at::kFloat;
    case PJ_BF16: return at::kBFloat16;
    case PJ_I64: return at::kLong;
    case PJ_F64: return at::kDouble;
    case PJ_BOOL: return at::kBool;
    case PJ_I32: return at::kInt;
    case PJ_F16: return at::kHalf;
    case PJ_U8: return at::kByte;
    default: throw argument_error("unknown dtype code " + std::to_string(dtype));
    }
}

int dtype_code(at::ScalarType type)
{
    switch (type)
    {
    case at::kFloat: return PJ_F32;
    case at::kBFloat16: return PJ_BF16;
    case at::kLong: return PJ_I64;
    case at::kDouble: return PJ_F64;
    case at::kBool: return PJ_BOOL;
    case at::kInt: return PJ_I32;
    case at::kHalf: return PJ_F16;
    case at::kByte: return PJ_U8;
    default: throw argument_error(std::string("dtype not exposed by pjtorch: ") + c10::toString(type));
    }
}
} // namespace pj

using pj::get;
using pj::get_mut;
using pj::out_ptr;

extern "C"
{

const char* pj_last_error(void)
{
    return pj::t_error.c_str();
}

int pj_version(int* abi, int* torch_major, int* torch_minor)
{
    PJ_GUARD(*out_ptr(abi, "abi") = 1; *out_ptr(torch_major, "torch_major") = TORCH_VERSION_MAJOR;
             *out_ptr(torch_minor, "torch_minor") = TORCH_VERSION_MINOR)
}

int pj_live_tensors(int64_t* count)
{
    PJ_GUARD(*out_ptr(count, "count") = pj::s_live.load())
}

int pj_manual_seed(uint64_t seed)
{
    PJ_GUARD({
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_current_seed(seed);
    })
}

int pj_cuda_is_available(int* available)
{
    PJ_GUARD(*out_ptr(available, "available") = at::hasCUDA() ? 1 : 0)
}

int pj_grad_mode_get(int* enabled)
{
    PJ_GUARD(*out_ptr(enabled, "enabled") = at::GradMode::is_enabled() ? 1 : 0)
}

int pj_grad_mode_set(int enabled, int* previous)
{
    PJ_GUARD(*out_ptr(previous, "previous") = at::GradMode::is_enabled() ? 1 : 0;
             at::GradMode::set_enabled(enabled != 0))
}

int pj_set_num_threads(int n)
{
    PJ_GUARD(if (n < 1) throw pj::argument_error("num_threads must be >= 1"); at::set_num_threads(n))
}

int pj_tensor_free(pj_tensor* t)
{
    PJ_GUARD(if (t != nullptr) {
        delete t;
        pj::s_live.fetch_sub(1, std::memory_order_relaxed);
    })
}

int pj_tensor_from_data(const void* data, int dtype, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        auto size = pj::dims(shape, ndim, "shape");
        auto result = at::empty(size, pj::options(dtype));
        if (result.numel() > 0)
        {
            if (data == nullptr)
            {
                throw pj::argument_error("null data pointer");
            }
            std::memcpy(result.data_ptr(), data, result.numel() * result.element_size());
        }
        return result;
    }())
}

int pj_tensor_empty(const int64_t* shape, int ndim, int dtype, pj_tensor** out)
{
    PJ_RETURN(out, at::empty(pj::dims(shape, ndim, "shape"), pj::options(dtype)))
}

int pj_tensor_zeros(const int64_t* shape, int ndim, int dtype, pj_tensor** out)
{
    PJ_RETURN(out, at::zeros(pj::dims(shape, ndim, "shape"), pj::options(dtype)))
}

int pj_tensor_ones(const int64_t* shape, int ndim, int dtype, pj_tensor** out)
{
    PJ_RETURN(out, at::ones(pj::dims(shape, ndim, "shape"), pj::options(dtype)))
}

int pj_tensor_full(const int64_t* shape, int ndim, int dtype, double value, pj_tensor** out)
{
    PJ_RETURN(out, at::full(pj::dims(shape, ndim, "shape"), value, pj::options(dtype)))
}

int pj_tensor_randn(const int64_t* shape, int ndim, int dtype, uint64_t seed, pj_tensor** out)
{
    PJ_RETURN(out, pj::random(shape, ndim, dtype, seed, true))
}

int pj_tensor_rand(const int64_t* shape, int ndim, int dtype, uint64_t seed, pj_tensor** out)
{
    PJ_RETURN(out, pj::random(shape, ndim, dtype, seed, false))
}

int pj_tensor_arange(double start, double end, double step, int dtype, pj_tensor** out)
{
    PJ_RETURN(out, at::arange(start, end, step, pj::options(dtype)))
}

int pj_tensor_dim(const pj_tensor* t, int* ndim)
{
    PJ_GUARD(*out_ptr(ndim, "ndim") = static_cast<int>(get(t, "t").dim()))
}

int pj_tensor_shape(const pj_tensor* t, int64_t* shape, int capacity)
{
    PJ_GUARD({
        const auto& x = get(t, "t");
        if (capacity < x.dim() || (x.dim() > 0 && shape == nullptr))
        {
            throw pj::argument_error("shape buffer too small");
        }
        for (int64_t i = 0; i < x.dim(); i++)
        {
            shape[i] = x.size(i);
        }
    })
}

int pj_tensor_strides(const pj_tensor* t, int64_t* strides, int capacity)
{
    PJ_GUARD({
        const auto& x = get(t, "t");
        if (capacity < x.dim() || (x.dim() > 0 && strides == nullptr))
        {
            throw pj::argument_error("strides buffer too small");
        }
        for (int64_t i = 0; i < x.dim(); i++)
        {
            strides[i] = x.stride(i);
        }
    })
}

int pj_tensor_numel(const pj_tensor* t, int64_t* numel)
{
    PJ_GUARD(*out_ptr(numel, "numel") = get(t, "t").numel())
}

int pj_tensor_dtype(const pj_tensor* t, int* dtype)
{
    PJ_GUARD(*out_ptr(dtype, "dtype") = pj::dtype_code(get(t, "t").scalar_type()))
}

int pj_tensor_device(const pj_tensor* t, int* device_type, int* device_index)
{
    PJ_GUARD({
        auto device = get(t, "t").device();
        *out_ptr(device_type, "device_type") = device.is_cuda() ? PJ_CUDA : PJ_CPU;
        *out_ptr(device_index, "device_index") = device.index();
    })
}

int pj_tensor_is_contiguous(const pj_tensor* t, int* contiguous)
{
    PJ_GUARD(*out_ptr(contiguous, "contiguous") = get(t, "t").is_contiguous() ? 1 : 0)
}

int pj_tensor_data_ptr(const pj_tensor* t, void** data)
{
    PJ_GUARD(*out_ptr(data, "data") = get(t, "t").data_ptr())
}

int pj_tensor_copy_to_host(const pj_tensor* t, void* dst, int64_t nbytes)
{
    PJ_GUARD({
        auto x = get(t, "t").detach().to(at::kCPU).contiguous();
        auto size = static_cast<int64_t>(x.numel() * x.element_size());
        if (nbytes != size)
        {
            throw pj::argument_error("copy_to_host: buffer holds " + std::to_string(nbytes) + " bytes, tensor needs " +
                                     std::to_string(size));
        }
        if (size > 0)
        {
            std::memcpy(out_ptr(dst, "dst"), x.data_ptr(), static_cast<size_t>(size));
        }
    })
}

int pj_tensor_item(const pj_tensor* t, double* value)
{
    PJ_GUARD(*out_ptr(value, "value") = get(t, "t").item<double>())
}

int pj_tensor_requires_grad(const pj_tensor* t, int* requires_grad)
{
    PJ_GUARD(*out_ptr(requires_grad, "requires_grad") = get(t, "t").requires_grad() ? 1 : 0)
}

int pj_tensor_set_requires_grad(pj_tensor* t, int requires_grad)
{
    PJ_GUARD({
        auto& x = get_mut(t, "t");
        // Python's rule (the C++ API does not check it): only leaves change the flag.
        if (!x.is_leaf())
        {
            throw pj::argument_error("you can only change requires_grad flags of leaf variables; use detach()");
        }
        x.set_requires_grad(requires_grad != 0);
    })
}

int pj_tensor_backward(const pj_tensor* t, const pj_tensor* grad, int retain_graph)
{
    PJ_GUARD(get(t, "t").backward(grad == nullptr ? at::Tensor() : grad->value, c10::optional<bool>(retain_graph != 0)))
}

int pj_tensor_grad(const pj_tensor* t, pj_tensor** out)
{
    PJ_GUARD({
        auto** result = out_ptr(out, "out");
        *result = nullptr;
        const auto& grad = get(t, "t").grad();
        if (grad.defined())
        {
            *result = pj::wrap(grad);
        }
    })
}

int pj_tensor_zero_grad(pj_tensor* t)
{
    PJ_GUARD(get_mut(t, "t").mutable_grad().reset())
}

int pj_tensor_detach(const pj_tensor* t, pj_tensor** out)
{
    PJ_RETURN(out, get(t, "t").detach())
}

int pj_tensor_clone(const pj_tensor* t, pj_tensor** out)
{
    PJ_RETURN(out, get(t, "t").clone())
}

int pj_tensor_to_dtype(const pj_tensor* t, int dtype, pj_tensor** out)
{
    PJ_RETURN(out, get(t, "t").to(pj::scalar_type(dtype)))
}

int pj_tensor_to_device(const pj_tensor* t, int device_type, int device_index, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        if (device_type != PJ_CPU && device_type != PJ_CUDA)
        {
            throw pj::argument_error("unknown device type " + std::to_string(device_type));
        }
        auto type = device_type == PJ_CUDA ? at::kCUDA : at::kCPU;
        return get(t, "t").to(at::Device(type, static_cast<c10::DeviceIndex>(device_index)));
    }())
}

int pj_tensor_contiguous(const pj_tensor* t, pj_tensor** out)
{
    PJ_RETURN(out, get(t, "t").contiguous())
}

int pj_tensor_copy_(pj_tensor* dst, const pj_tensor* src)
{
    PJ_GUARD(at::NoGradGuard guard; get_mut(dst, "dst").copy_(get(src, "src")))
}

int pj_tensor_add_(pj_tensor* dst, const pj_tensor* src, double alpha)
{
    PJ_GUARD(at::NoGradGuard guard; get_mut(dst, "dst").add_(get(src, "src"), alpha))
}

int pj_tensor_mul_scalar_(pj_tensor* dst, double value)
{
    PJ_GUARD(at::NoGradGuard guard; get_mut(dst, "dst").mul_(value))
}

int pj_tensor_fill_(pj_tensor* dst, double value)
{
    PJ_GUARD(at::NoGradGuard guard; get_mut(dst, "dst").fill_(value))
}

int pj_tensor_zero_(pj_tensor* dst)
{
    PJ_GUARD(at::NoGradGuard guard; get_mut(dst, "dst").zero_())
}

int pj_tensor_save(const pj_tensor* t, const char* path)
{
    PJ_GUARD({
        auto bytes = torch::jit::pickle_save(get(t, "t").detach().to(at::kCPU));
        std::ofstream file(out_ptr(path, "path"), std::ios::binary);
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!file)
        {
            throw pj::argument_error(std::string("cannot write ") + path);
        }
    })
}

int pj_tensor_load(const char* path, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        std::ifstream file(out_ptr(path, "path"), std::ios::binary);
        if (!file)
        {
            throw pj::argument_error(std::string("cannot open ") + path);
        }
        std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        auto value = torch::jit::pickle_load(bytes);
        if (!value.isTensor())
        {
            throw pj::argument_error(std::string(path) + " does not hold a single tensor");
        }
        return value.toTensor();
    }())
}

} // extern "C"
