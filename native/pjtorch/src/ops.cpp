// Operations: pointwise, nn building blocks, shape manipulation and reductions. Each returns a fresh tensor and
// leaves its inputs alone; autograd records every op unless grad mode is off.
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

std::vector<int64_t> reduce_dims(const int64_t* dims, int ndim)
{
    auto ref = pj::dims(dims, ndim, "dims");
    return std::vector<int64_t>(ref.begin(), ref.end());
}
} // namespace

#define PJ_UNARY(name, expr)                                                                                           \
    int pj_##name(const pj_tensor* a, pj_tensor** out)                                                                 \
    {                                                                                                                  \
        PJ_RETURN(out, [&] {                                                                                           \
            const auto& x = get(a, "a");                                                                               \
            return expr;                                                                                               \
        }())                                                                                                           \
    }

extern "C" {

int pj_add(const pj_tensor* a, const pj_tensor* b, double alpha, pj_tensor** out)
{
    PJ_RETURN(out, at::add(get(a, "a"), get(b, "b"), alpha))
}

int pj_sub(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::sub(get(a, "a"), get(b, "b")))
}

int pj_mul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::mul(get(a, "a"), get(b, "b")))
}

int pj_div(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::div(get(a, "a"), get(b, "b")))
}

int pj_add_scalar(const pj_tensor* a, double value, pj_tensor** out)
{
    PJ_RETURN(out, at::add(get(a, "a"), value))
}

int pj_mul_scalar(const pj_tensor* a, double value, pj_tensor** out)
{
    PJ_RETURN(out, at::mul(get(a, "a"), value))
}

int pj_pow_scalar(const pj_tensor* a, double exponent, pj_tensor** out)
{
    PJ_RETURN(out, at::pow(get(a, "a"), exponent))
}

PJ_UNARY(neg, at::neg(x))
PJ_UNARY(exp, at::exp(x))
PJ_UNARY(log, at::log(x))
PJ_UNARY(sqrt, at::sqrt(x))
PJ_UNARY(rsqrt, at::rsqrt(x))
PJ_UNARY(tanh, at::tanh(x))
PJ_UNARY(sigmoid, at::sigmoid(x))
PJ_UNARY(relu, at::relu(x))
PJ_UNARY(silu, at::silu(x))

int pj_gelu(const pj_tensor* a, int tanh_approximation, pj_tensor** out)
{
    PJ_RETURN(out, at::gelu(get(a, "a"), tanh_approximation != 0 ? "tanh" : "none"))
}

int pj_dropout(const pj_tensor* a, double p, int train, pj_tensor** out)
{
    PJ_RETURN(out, at::dropout(get(a, "a"), p, train != 0))
}

int pj_masked_fill(const pj_tensor* a, const pj_tensor* mask, double value, pj_tensor** out)
{
    PJ_RETURN(out, get(a, "a").masked_fill(get(mask, "mask"), value))
}

int pj_where(const pj_tensor* cond, const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::where(get(cond, "cond"), get(a, "a"), get(b, "b")))
}

int pj_matmul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out)
{
    PJ_RETURN(out, at::matmul(get(a, "a"), get(b, "b")))
}

int pj_linear(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, pj_tensor** out)
{
    PJ_RETURN(out, at::linear(get(x, "x"), get(weight, "weight"), optional(bias)))
}

int pj_embedding(const pj_tensor* weight, const pj_tensor* indices, pj_tensor** out)
{
    PJ_RETURN(out, at::embedding(get(weight, "weight"), get(indices, "indices")))
}

int pj_rms_norm(const pj_tensor* x, const pj_tensor* weight, double eps, pj_tensor** out)
{
    PJ_RETURN(out, rms_norm(get(x, "x"), optional(weight), eps))
}

int pj_layer_norm(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, double eps, pj_tensor** out)
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

int pj_rotary(const pj_tensor* x, const pj_tensor* cos, const pj_tensor* sin, int interleaved, pj_tensor** out)
{
    PJ_RETURN(out, rotary(get(x, "x"), get(cos, "cos"), get(sin, "sin"), interleaved != 0))
}

int pj_sdpa(const pj_tensor* q, const pj_tensor* k, const pj_tensor* v, const pj_tensor* mask, int causal,
            double scale, pj_tensor** out)
{
    PJ_RETURN(out, sdpa(get(q, "q"), get(k, "k"), get(v, "v"), optional(mask), causal != 0, scale))
}

int pj_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::softmax(get(x, "x"), dim))
}

int pj_log_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, at::log_softmax(get(x, "x"), dim))
}

int pj_conv2d(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias, int64_t stride_h, int64_t stride_w,
              int64_t pad_h, int64_t pad_w, pj_tensor** out)
{
    PJ_RETURN(out, at::conv2d(get(x, "x"), get(weight, "weight"), optional(bias), {stride_h, stride_w},
                              {pad_h, pad_w}))
}

int pj_reshape(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").reshape(pj::dims(shape, ndim, "shape")))
}

int pj_view(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").view(pj::dims(shape, ndim, "shape")))
}

int pj_transpose(const pj_tensor* x, int64_t dim0, int64_t dim1, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").transpose(dim0, dim1))
}

int pj_permute(const pj_tensor* x, const int64_t* dims, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").permute(pj::dims(dims, ndim, "dims")))
}

int pj_unsqueeze(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").unsqueeze(dim))
}

int pj_squeeze(const pj_tensor* x, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").squeeze(dim))
}

int pj_expand(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").expand(pj::dims(shape, ndim, "shape")))
}

int pj_cat(const pj_tensor* const* xs, int count, int64_t dim, pj_tensor** out)
{
    PJ_RETURN(out, [&] {
        if (count <= 0 || xs == nullptr)
        {
            throw pj::argument_error("cat: needs at least one tensor");
        }
        std::vector<at::Tensor> parts;
        parts.reserve(static_cast<size_t>(count));
        for (int i = 0; i < count; i++)
        {
            parts.push_back(get(xs[i], "xs[i]"));
        }
        return at::cat(parts, dim);
    }())
}

int pj_narrow(const pj_tensor* x, int64_t dim, int64_t start, int64_t length, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").narrow(dim, start, length))
}

int pj_slice(const pj_tensor* x, int64_t dim, int64_t start, int64_t end, int64_t step, pj_tensor** out)
{
    PJ_RETURN(out, get(x, "x").slice(dim, start, end, step))
}

int pj_gather(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out)
{
    PJ_RETURN(out, at::gather(get(x, "x"), dim, get(index, "index")))
}

int pj_index_select(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out)
{
    PJ_RETURN(out, at::index_select(get(x, "x"), dim, get(index, "index")))
}

int pj_sum(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, ndim == 0 ? at::sum(get(x, "x")) : at::sum(get(x, "x"), reduce_dims(dims, ndim), keepdim != 0))
}

int pj_mean(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, ndim == 0 ? at::mean(get(x, "x")) : at::mean(get(x, "x"), reduce_dims(dims, ndim), keepdim != 0))
}

int pj_max(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** values, pj_tensor** indices)
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

int pj_argmax(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** out)
{
    PJ_RETURN(out, at::argmax(get(x, "x"), dim, keepdim != 0))
}

} // extern "C"
