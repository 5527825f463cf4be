// Shared plumbing for the shim's translation units: the handle type, error capture and argument helpers.
#pragma once

#include "pjtorch.h"

#include <ATen/ATen.h>

#include <atomic>
#include <exception>
#include <string>
#include <vector>

struct pj_tensor
{
    at::Tensor value;
};

namespace pj
{
void set_error(const char* message);
std::atomic<int64_t>& live_counter();

// Wraps a result in a fresh handle; the caller owns it.
inline pj_tensor* wrap(at::Tensor value)
{
    auto* handle = new pj_tensor{std::move(value)};
    live_counter().fetch_add(1, std::memory_order_relaxed);
    return handle;
}

struct argument_error : std::exception
{
    explicit argument_error(std::string message) : text(std::move(message)) {}
    const char* what() const noexcept override { return text.c_str(); }
    std::string text;
};

inline const at::Tensor& get(const pj_tensor* t, const char* name)
{
    if (t == nullptr)
    {
        throw argument_error(std::string("null tensor handle: ") + name);
    }
    return t->value;
}

inline at::Tensor& get_mut(pj_tensor* t, const char* name)
{
    if (t == nullptr)
    {
        throw argument_error(std::string("null tensor handle: ") + name);
    }
    return t->value;
}

inline c10::optional<at::Tensor> optional(const pj_tensor* t)
{
    return t == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(t->value);
}

template <typename T> T* out_ptr(T* p, const char* name)
{
    if (p == nullptr)
    {
        throw argument_error(std::string("null out-parameter: ") + name);
    }
    return p;
}

inline at::IntArrayRef dims(const int64_t* values, int count, const char* name)
{
    if (count < 0 || (count > 0 && values == nullptr))
    {
        throw argument_error(std::string("bad array argument: ") + name);
    }
    return at::IntArrayRef(values, static_cast<size_t>(count));
}

at::ScalarType scalar_type(int dtype);
int dtype_code(at::ScalarType type);
} // namespace pj

// Every entry point runs its body inside PJ_GUARD, which maps every exception to a status and a thread-local message.
#define PJ_GUARD(...)                                                                                                  \
    try                                                                                                                \
    {                                                                                                                  \
        __VA_ARGS__;                                                                                                   \
        return PJ_OK;                                                                                                  \
    }                                                                                                                  \
    catch (const pj::argument_error& e)                                                                                \
    {                                                                                                                  \
        pj::set_error(e.what());                                                                                       \
        return PJ_ERR_ARGUMENT;                                                                                        \
    }                                                                                                                  \
    catch (const c10::Error& e)                                                                                        \
    {                                                                                                                  \
        pj::set_error(e.what_without_backtrace());                                                                     \
        return PJ_ERR_TORCH;                                                                                           \
    }                                                                                                                  \
    catch (const std::exception& e)                                                                                    \
    {                                                                                                                  \
        pj::set_error(e.what());                                                                                       \
        return PJ_ERR_TORCH;                                                                                           \
    }                                                                                                                  \
    catch (...)                                                                                                        \
    {                                                                                                                  \
        pj::set_error("unknown C++ exception");                                                                        \
        return PJ_ERR_UNKNOWN;                                                                                         \
    }

// `*out = wrap(expr)`: the out-parameter is checked before the expression runs, so nothing leaks.
#define PJ_RETURN(out, ...)                                                                                            \
    PJ_GUARD(auto** pj_out_ = pj::out_ptr(out, "out"); *pj_out_ = nullptr; *pj_out_ = pj::wrap(__VA_ARGS__))
