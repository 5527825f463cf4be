// Generic operations: pointwise, matmul, shape manipulation and reductions. Each returns a fresh tensor and
// leaves its inputs alone; autograd records every op unless grad mode is off.
#include "internal.h"

#include <ATen/CPUGeneratorImpl.h>

using pj::get;

namespace
{
std::vector<int64_t> reduce_dims(const int64_t* dims, int ndim)
{
    auto ref = pj::dims(dims, ndim, "dims");
    return std::vector<int64_t>(ref.begin(), ref.end());
}

std::vector<at::Tensor> tensor_list(const pj_tensor* const* xs, int count, const char* op)
{
    if (count <= 0 || xs == nullptr)
    {
        throw pj::argument_error(std::string(op) + ": needs at least one tensor");
    }
    std::vector<at::Tensor> parts;
    parts.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; i++)
    {
        parts.push_back(get(xs[i], "xs[i]"));
    }
    return parts;
}
} // namespace

#define PJ_UNARY(name, expr)                                                                                           \
    int pj_tensor_##name(const pj_tensor* a, pj_tensor** out)                                                          \
    {                                                                                                                  \
        PJ_RETURN(out, [&] {                                                                                           \
            const auto& x = get(a, "a");                                                                               \
            return expr;                                                                                               \
        }())                                                                                                           \
    }

extern "C"
{

int pj_tensor_add(const pj_tensor* a, const pj_tensor* b, double alpha, pj_tensor** out)
{
    PJ_RETURN(out, at::add(get(a, "a"), get(b, "b"), alpha))
}

int pj_bench_add_loop(const pj_tensor* a, const pj_tensor* b, int64_t iters, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        if (iters < 1)
        {
            throw pj::argument_error("pj_bench_add_loop: iters must be >= 1, got " + std::to_string(iters));
        }
        const auto& x = get(a, "a");
        const auto& y = get(b, "b");
        at::Tensor sum;
        for (int64_t i = 0; i < iters; i++)
        {
            sum = at::add(x, y);
        }
        return sum;
    }())
}

int pj_tensor_sub(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::sub(get(a, "a"), get(b, "b")))
}

int pj_tensor_mul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::mul(get(a, "a"), get(b, "b")))
}

int pj_tensor_div(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::div(get(a, "a"), get(b, "b")))
}

int pj_tensor_add_scalar(const pj_tensor* a, double value, pj_tensor** out)
{
    PJ_RETURN(out, at::add(get(a, "a"), value))
}

int pj_tensor_mul_scalar(const pj_tensor* a, double value, pj_tensor** out)
{
    PJ_RETURN(out, at::mul(get(a, "a"), value))
}

int pj_tensor_pow_scalar(const pj_tensor* a, double exponent,
                         pj_tensor** out){PJ_RETURN(out, at::pow(get(a, "a"), exponent))}

PJ_UNARY(neg, at::neg(x)) PJ_UNARY(exp, at::exp(x)) PJ_UNARY(log, at::log(x)) PJ_UNARY(sqrt, at::sqrt(x))
    PJ_UNARY(rsqrt, at::rsqrt(x)) PJ_UNARY(tanh, at::tanh(x)) PJ_UNARY(sigmoid, at::sigmoid(x))
        PJ_UNARY(cos, at::cos(x)) PJ_UNARY(sin, at::sin(x)) PJ_UNARY(abs, at::abs(x))
            PJ_UNARY(logical_not, at::logical_not(x))

                int pj_tensor_clamp(const pj_tensor* a, double min, double max, pj_tensor** out)
{
    PJ_RETURN(out, at::clamp(get(a, "a"), min, max))
}

int pj_tensor_eq(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::eq(get(a, "a"), get(b, "b")))
}

int pj_tensor_lt(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::lt(get(a, "a"), get(b, "b")))
}

int pj_tensor_gt(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::gt(get(a, "a"), get(b, "b")))
}

int pj_tensor_masked_fill(const pj_tensor* a, const pj_tensor* mask, double value, pj_tensor** out)
{
    PJ_RETURN(out, get(a, "a").masked_fill(get(mask, "mask"), value))
}

int pj_tensor_where(const pj_tensor* cond, const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::where(get(cond, "cond"), get(a, "a"), get(b, "b")))
}

int pj_tensor_matmul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::matmul(get(a, "a"), get(b, "b")))
}

int pj_tensor_reshape(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").reshape(pj::dims(shape, ndim, "shape")))
}

int pj_tensor_view(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").view(pj::dims(shape, ndim, "shape")))
}

int pj_tensor_transpose(const pj_tensor* x, int64_t dim0, int64_t dim1, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").transpose(dim0, dim1))
}

int pj_tensor_permute(const pj_tensor* x, const int64_t* dims, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").permute(pj::dims(dims, ndim, "dims")))
}

int pj_tensor_unsqueeze(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").unsqueeze(dim))
}

int pj_tensor_squeeze(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").squeeze(dim))
}

int pj_tensor_expand(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").expand(pj::dims(shape, ndim, "shape")))
}

int pj_tensor_cat(const pj_tensor* const* xs, int count, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::cat(tensor_list(xs, count, "cat"), dim))
}

int pj_tensor_stack(const pj_tensor* const* xs, int count, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::stack(tensor_list(xs, count, "stack"), dim))
}

int pj_tensor_tril(const pj_tensor* x, int64_t diagonal, pj_tensor** out)
{
    PJ_RETURN(out, at::tril(get(x, "x"), diagonal))
}

int pj_tensor_triu(const pj_tensor* x, int64_t diagonal, pj_tensor** out)
{
    PJ_RETURN(out, at::triu(get(x, "x"), diagonal))
}

int pj_tensor_narrow(const pj_tensor* x, int64_t dim, int64_t start, int64_t length, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").narrow(dim, start, length))
}

int pj_tensor_slice(const pj_tensor* x, int64_t dim, int64_t start, int64_t end, int64_t step, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").slice(dim, start, end, step))
}

int pj_tensor_gather(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out)
{
    PJ_RETURN(out, at::gather(get(x, "x"), dim, get(index, "index")))
}

int pj_tensor_index_select(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out)
{
    PJ_RETURN(out, at::index_select(get(x, "x"), dim, get(index, "index")))
}

int pj_tensor_sum(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, ndim == 0 ? at::sum(get(x, "x")) : at::sum(get(x, "x"), reduce_dims(dims, ndim), keepdim != 0))
}

int pj_tensor_mean(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, ndim == 0 ? at::mean(get(x, "x")) : at::mean(get(x, "x"), reduce_dims(dims, ndim), keepdim != 0))
}

int pj_tensor_max(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** values, pj_tensor** indices)
{
    PJ_GUARD({
        auto** v = pj::out_ptr(values, "values");
        auto** i = pj::out_ptr(indices, "indices");
        *v = nullptr;
        *i = nullptr;
        auto result = at::max(get(x, "x"), dim, keepdim != 0);
        *v = pj::wrap(std::get<0>(result));
        *i = pj::wrap(std::get<1>(result));
    })
}

int pj_tensor_argmax(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, at::argmax(get(x, "x"), dim, keepdim != 0))
}

int pj_tensor_cumsum(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::cumsum(get(x, "x"), dim))
}

int pj_tensor_topk(const pj_tensor* x, int64_t k, int64_t dim, int largest, pj_tensor** values, pj_tensor** indices)
{
    PJ_GUARD({
        auto** v = pj::out_ptr(values, "values");
        auto** i = pj::out_ptr(indices, "indices");
        *v = nullptr;
        *i = nullptr;
        auto result = at::topk(get(x, "x"), k, dim, largest != 0, true);
        *v = pj::wrap(std::get<0>(result));
        *i = pj::wrap(std::get<1>(result));
    })
}

int pj_tensor_multinomial(const pj_tensor* probs, int64_t samples, int replacement, uint64_t seed, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        const auto& p = get(probs, "probs");
        if (!p.device().is_cpu())
        {
            return at::multinomial(p, samples, replacement != 0);
        }
        auto generator = at::detail::createCPUGenerator(seed);
        return at::multinomial(p, samples, replacement != 0, generator);
    }())
}

} // extern "C"
