// Neural-network building blocks: linear, embedding, norms, rotary embedding, attention, softmax, conv2d.
#include "internal.h"

#include <cmath>
#include <limits>

using pj::get;
using pj::optional;

namespace
{
// Softmax and normalisation statistics run in float32 (float64 stays float64), as HF Qwen2 does for bf16.
at::ScalarType compute_type(const at::Tensor& x)
{
    return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// RMSNorm (Zhang & Sennrich 2019; HF Qwen2RMSNorm): y = w * (x / sqrt(mean(x^2, -1) + eps)).
at::Tensor rms_norm(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps)
{
    auto h = x.to(compute_type(x));
    auto variance = h.pow(2).mean(-1, true);
    auto y = (h * at::rsqrt(variance + eps)).to(x.scalar_type());
    return weight.has_value() ? *weight * y : y;
}

// Rotary position embedding (Su et al. 2021). cos/sin hold the full head dim and broadcast against x.
// Half-split (HF rotate_half, Qwen2/Llama): rot(x) = cat(-x[d/2:], x[:d/2]).
// Interleaved (GPT-J / original RoFormer): rot(x)[2i] = -x[2i+1], rot(x)[2i+1] = x[2i].
at::Tensor rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, bool interleaved)
{
    auto d = x.size(-1);
    if (d % 2 != 0)
    {
        throw pj::argument_error("rotary: head dim must be even, got " + std::to_string(d));
    }
    at::Tensor rotated;
    if (interleaved)
    {
        auto even = x.slice(-1, 0, d, 2);
        auto odd = x.slice(-1, 1, d, 2);
        rotated = at::stack({-odd, even}, -1).flatten(-2);
    }
    else
    {
        auto first = x.narrow(-1, 0, d / 2);
        auto second = x.narrow(-1, d / 2, d / 2);
        rotated = at::cat({-second, first}, -1);
    }
    return x * cos + rotated * sin;
}

// softmax(q k^T * scale + mask) v. Grouped-query attention: k/v with fewer heads (dim -3) are repeated to match q.
// Causal: query i (of L) sees key j (of S) iff j <= i + S - L, i.e. the last query sees every key, which equals
// PyTorch's is_causal when L == S and is what a KV cache needs. A bool mask keeps True positions; any other mask is
// added to the scores (0 keeps, -inf drops).
at::Tensor sdpa(at::Tensor q, at::Tensor k, at::Tensor v, const c10::optional<at::Tensor>& mask, bool causal,
                double scale)
{
    if (q.dim() < 2 || k.dim() != q.dim() || v.dim() != q.dim())
    {
        throw pj::argument_error("sdpa: q, k, v must have the same rank >= 2");
    }
    if (q.dim() >= 3 && k.size(-3) != q.size(-3))
    {
        auto heads = q.size(-3);
        auto kv_heads = k.size(-3);
        if (kv_heads <= 0 || heads % kv_heads != 0 || v.size(-3) != kv_heads)
        {
            throw pj::argument_error("sdpa: " + std::to_string(heads) + " query heads are not a multiple of " +
                                     std::to_string(kv_heads) + " key/value heads");
        }
        k = k.repeat_interleave(heads / kv_heads, -3);
        v = v.repeat_interleave(heads / kv_heads, -3);
    }
    auto s = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    auto scores = (at::matmul(q, k.transpose(-2, -1)) * s).to(compute_type(q));
    auto inf = std::numeric_limits<double>::infinity();
    if (causal)
    {
        auto l = q.size(-2);
        auto n = k.size(-2);
        auto keep = at::ones({l, n}, scores.options().dtype(at::kBool)).tril(n - l);
        scores = scores.masked_fill(keep.logical_not(), -inf);
    }
    if (mask.has_value())
    {
        scores = mask->scalar_type() == at::kBool ? scores.masked_fill(mask->logical_not(), -inf)
                                                  : scores + mask->to(scores.scalar_type());
    }
    auto weights = at::softmax(scores, -1).to(v.scalar_type());
    return at::matmul(weights, v);
}

} // namespace

extern "C"
{

int pj_nn_relu(const pj_tensor* a, pj_tensor** out)
{
    PJ_RETURN(out, at::relu(get(a, "a")))
}

int pj_nn_silu(const pj_tensor* a, pj_tensor** out)
{
    PJ_RETURN(out, at::silu(get(a, "a")))
}

int pj_nn_gelu(const pj_tensor* a, int tanh_approximation, pj_tensor** out)
{
    PJ_RETURN(out, at::gelu(get(a, "a"), tanh_approximation != 0 ? "tanh" : "none"))
}

int pj_nn_dropout(const pj_tensor* a, double p, int train, pj_tensor** out)
{
    PJ_RETURN(out, at::dropout(get(a, "a"), p, train != 0))
}

int pj_nn_linear(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, pj_tensor** out)
{
    PJ_RETURN(out, at::linear(get(x, "x"), get(weight, "weight"), optional(bias)))
}

int pj_nn_embedding(const pj_tensor* weight, const pj_tensor* indices, pj_tensor** out)
{
    PJ_RETURN(out, at::embedding(get(weight, "weight"), get(indices, "indices")))
}

int pj_nn_rms_norm(const pj_tensor* x, const pj_tensor* weight, double eps, pj_tensor** out)
{
    PJ_RETURN(out, rms_norm(get(x, "x"), optional(weight), eps))
}

int pj_nn_layer_norm(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, double eps, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        const auto& input = get(x, "x");
        if (input.dim() == 0)
        {
            throw pj::argument_error("layer_norm: input must have at least one dimension");
        }
        return at::layer_norm(input, {input.size(-1)}, optional(weight), optional(bias), eps);
    }())
}

int pj_nn_rotary(const pj_tensor* x, const pj_tensor* cos, const pj_tensor* sin, int interleaved, pj_tensor** out)
{
    PJ_RETURN(out, rotary(get(x, "x"), get(cos, "cos"), get(sin, "sin"), interleaved != 0))
}

int pj_nn_sdpa(const pj_tensor* q, const pj_tensor* k, const pj_tensor* v, const pj_tensor* mask, int causal,
               double scale, pj_tensor** out)
{
    PJ_RETURN(out, sdpa(get(q, "q"), get(k, "k"), get(v, "v"), optional(mask), causal != 0, scale))
}

int pj_nn_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::softmax(get(x, "x"), dim))
}

int pj_nn_log_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::log_softmax(get(x, "x"), dim))
}

int pj_nn_conv2d(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, int64_t stride_h, int64_t stride_w,
                 int64_t pad_h, int64_t pad_w, pj_tensor** out)
{
    PJ_RETURN(out, at::conv2d(get(x, "x"), get(weight, "weight"), optional(bias), {stride_h, stride_w}, {pad_h, pad_w}))
}

} // extern "C"
