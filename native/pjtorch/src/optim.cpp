// libtorch's own optimizer and gradient clipping: torch::optim::AdamW behind an opaque handle, and
// torch::nn::utils::clip_grad_norm_. libtorch skips parameters without a .grad silently; here that is an argument error
// naming the parameter, so a missed backward never goes unnoticed.
#include "internal.h"

// clip_grad.h does not include what it uses (torch::Tensor, torch::stack); types.h first.
#include <torch/types.h>

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include <cmath>
#include <memory>

struct pj_optim
{
    std::unique_ptr<torch::optim::Optimizer> optimizer;
};

namespace
{
std::atomic<int64_t> s_live_optimizers{0};

// The parameters as a list; the tensors are shared with the caller's handles (same storage, same .grad).
std::vector<at::Tensor> parameter_list(const pj_tensor* const* params, int64_t count, const char* op)
{
    if (count <= 0 || params == nullptr)
    {
        throw pj::argument_error(std::string(op) + ": needs at least one parameter");
    }
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; i++)
    {
        list.push_back(pj::get(params[i], "params[i]"));
    }
    return list;
}

std::string param_name(size_t i)
{
    return "params[" + std::to_string(i) + "]";
}

// What torch.optim checks when it builds a parameter group, plus the float dtype AdamW's state needs.
void check_optimizable(const std::vector<at::Tensor>& params, const char* op)
{
    for (size_t i = 0; i < params.size(); i++)
    {
        const auto& p = params[i];
        if (!p.defined() || !p.is_floating_point())
        {
            throw pj::argument_error(std::string(op) + ": " + param_name(i) + " must be a floating-point tensor");
        }
        if (!p.is_leaf() || !p.requires_grad())
        {
            throw pj::argument_error(std::string(op) + ": " + param_name(i) +
                                     " must be a leaf tensor with requires_grad set (detach it and set RequiresGrad)");
        }
    }
}

void check_grads(const std::vector<at::Tensor>& params, const char* op)
{
    for (size_t i = 0; i < params.size(); i++)
    {
        if (!params[i].grad().defined())
        {
            throw pj::argument_error(std::string(op) + ": " + param_name(i) +
                                     " has no .grad; run backward before stepping (libtorch would skip it silently)");
        }
    }
}

torch::optim::Optimizer& get(pj_optim* o)
{
    if (o == nullptr || !o->optimizer)
    {
        throw pj::argument_error("null optimizer handle");
    }
    return *o->optimizer;
}
} // namespace

extern "C"
{

int pj_live_optimizers(int64_t* count)
{
    PJ_GUARD(*pj::out_ptr(count, "count") = s_live_optimizers.load())
}

int pj_optim_adamw_new(const pj_tensor* const* params, int64_t count, double lr, double beta1, double beta2, double eps,
                       double weight_decay, pj_optim** out)
{
    PJ_GUARD({
        auto** result = pj::out_ptr(out, "out");
        *result = nullptr;
        auto list = parameter_list(params, count, "adamw");
        check_optimizable(list, "adamw");
        // torch::optim::AdamWOptions checks lr, eps, betas and weight_decay itself (c10::Error on a bad value).
        auto options = torch::optim::AdamWOptions(lr).betas({beta1, beta2}).eps(eps).weight_decay(weight_decay);
        auto handle = std::make_unique<pj_optim>();
        handle->optimizer = std::make_unique<torch::optim::AdamW>(std::move(list), options);
        *result = handle.release();
        s_live_optimizers.fetch_add(1, std::memory_order_relaxed);
    })
}

int pj_optim_step(pj_optim* o)
{
    PJ_GUARD({
        auto& optimizer = get(o);
        for (const auto& group : optimizer.param_groups())
        {
            check_grads(group.params(), "step");
        }
        optimizer.step();
    })
}

int pj_optim_zero_grad(pj_optim* o)
{
    PJ_GUARD(get(o).zero_grad())
}

int pj_optim_free(pj_optim* o)
{
    PJ_GUARD({
        if (o != nullptr)
        {
            delete o;
            s_live_optimizers.fetch_sub(1, std::memory_order_relaxed);
        }
    })
}

int pj_clip_grad_norm(const pj_tensor* const* params, int64_t count, double max_norm, double* total_norm)
{
    PJ_GUARD({
        auto* result = pj::out_ptr(total_norm, "total_norm");
        auto list = parameter_list(params, count, "clip_grad_norm");
        check_grads(list, "clip_grad_norm");
        if (!(max_norm > 0) || !std::isfinite(max_norm))
        {
            throw pj::argument_error("clip_grad_norm: max_norm must be finite and positive, got " +
                                     std::to_string(max_norm));
        }
        // error_if_nonfinite: a NaN/Inf norm throws before any grad is scaled (DESIGN.md, "Numbers").
        *result = torch::nn::utils::clip_grad_norm_(list, max_norm, 2.0, true);
    })
}

} // extern "C"
