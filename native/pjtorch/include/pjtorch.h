/* pjtorch: a flat C ABI over libtorch for PerceptionJudge.
 *
 * Rules (DESIGN.md, "Native code"):
 *  - every function returns int status: PJ_OK (0) or an error code; the message is in pj_last_error()
 *    (thread-local, valid until the next failing call on the same thread);
 *  - no C++ exception ever crosses this boundary;
 *  - pj_tensor is an opaque, heap-allocated at::Tensor; each one returned through an out-parameter is owned by
 *    the caller and released with pj_tensor_free;
 *  - ops never consume or free their inputs; they return fresh tensors;
 *  - pj_optim is an opaque libtorch optimizer, owned by the caller and released with pj_optim_free.
 */
#ifndef PJTORCH_H
#define PJTORCH_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define PJ_API __declspec(dllexport)
#else
#define PJ_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C"
{
#endif

typedef struct pj_tensor pj_tensor;
typedef struct pj_optim pj_optim;

/* Status codes. */
enum
{
    PJ_OK = 0,
    PJ_ERR_TORCH = 1,
    PJ_ERR_ARGUMENT = 2,
    PJ_ERR_UNKNOWN = 3
};

/* Element types (stable numbering; the C# DType enum mirrors it). */
enum
{
    PJ_F32 = 0,
    PJ_BF16 = 1,
    PJ_I64 = 2,
    PJ_F64 = 3,
    PJ_BOOL = 4,
    PJ_I32 = 5,
    PJ_F16 = 6,
    PJ_U8 = 7
};

/* Device types. */
enum
{
    PJ_CPU = 0,
    PJ_CUDA = 1
};

/* ---- library ---- */
PJ_API const char* pj_last_error(void);
PJ_API int pj_version(int* abi, int* torch_major, int* torch_minor);
PJ_API int pj_live_tensors(int64_t* count);
PJ_API int pj_manual_seed(uint64_t seed);
PJ_API int pj_cuda_is_available(int* available);
PJ_API int pj_grad_mode_get(int* enabled);
PJ_API int pj_grad_mode_set(int enabled, int* previous);
PJ_API int pj_set_num_threads(int n);

/* ---- lifetime and creation ---- */
PJ_API int pj_tensor_free(pj_tensor* t);
PJ_API int pj_tensor_from_data(const void* data, int dtype, const int64_t* shape, int ndim, pj_tensor** out);
PJ_API int pj_tensor_empty(const int64_t* shape, int ndim, int dtype, pj_tensor** out);
PJ_API int pj_tensor_zeros(const int64_t* shape, int ndim, int dtype, pj_tensor** out);
PJ_API int pj_tensor_ones(const int64_t* shape, int ndim, int dtype, pj_tensor** out);
PJ_API int pj_tensor_full(const int64_t* shape, int ndim, int dtype, double value, pj_tensor** out);
PJ_API int pj_tensor_randn(const int64_t* shape, int ndim, int dtype, uint64_t seed, pj_tensor** out);
PJ_API int pj_tensor_rand(const int64_t* shape, int ndim, int dtype, uint64_t seed, pj_tensor** out);
PJ_API int pj_tensor_arange(double start, double end, double step, int dtype, pj_tensor** out);

/* ---- queries ---- */
PJ_API int pj_tensor_dim(const pj_tensor* t, int* ndim);
PJ_API int pj_tensor_shape(const pj_tensor* t, int64_t* shape, int capacity);
PJ_API int pj_tensor_strides(const pj_tensor* t, int64_t* strides, int capacity);
PJ_API int pj_tensor_numel(const pj_tensor* t, int64_t* numel);
PJ_API int pj_tensor_dtype(const pj_tensor* t, int* dtype);
PJ_API int pj_tensor_device(const pj_tensor* t, int* device_type, int* device_index);
PJ_API int pj_tensor_is_contiguous(const pj_tensor* t, int* contiguous);
PJ_API int pj_tensor_data_ptr(const pj_tensor* t, void** data);
PJ_API int pj_tensor_copy_to_host(const pj_tensor* t, void* dst, int64_t nbytes);
PJ_API int pj_tensor_item(const pj_tensor* t, double* value);

/* ---- autograd ---- */
PJ_API int pj_tensor_requires_grad(const pj_tensor* t, int* requires_grad);
PJ_API int pj_tensor_set_requires_grad(pj_tensor* t, int requires_grad);
PJ_API int pj_tensor_backward(const pj_tensor* t, const pj_tensor* grad, int retain_graph);
PJ_API int pj_tensor_grad(const pj_tensor* t, pj_tensor** out); /* *out = NULL when no grad */
PJ_API int pj_tensor_zero_grad(pj_tensor* t);                   /* drops the .grad tensor */
PJ_API int pj_tensor_detach(const pj_tensor* t, pj_tensor** out);
PJ_API int pj_tensor_clone(const pj_tensor* t, pj_tensor** out);
PJ_API int pj_tensor_to_dtype(const pj_tensor* t, int dtype, pj_tensor** out);
PJ_API int pj_tensor_to_device(const pj_tensor* t, int device_type, int device_index, pj_tensor** out);
PJ_API int pj_tensor_contiguous(const pj_tensor* t, pj_tensor** out);

/* ---- in-place (run under no_grad inside the shim) ---- */
PJ_API int pj_tensor_copy_(pj_tensor* dst, const pj_tensor* src);
PJ_API int pj_tensor_add_(pj_tensor* dst, const pj_tensor* src, double alpha);
PJ_API int pj_tensor_mul_scalar_(pj_tensor* dst, double value);
PJ_API int pj_tensor_fill_(pj_tensor* dst, double value);
PJ_API int pj_tensor_zero_(pj_tensor* dst);

/* ---- serialisation (torch.save-compatible pickle archive of one tensor) ---- */
PJ_API int pj_tensor_save(const pj_tensor* t, const char* path);
PJ_API int pj_tensor_load(const char* path, pj_tensor** out);

/* ---- pointwise ---- */
PJ_API int pj_tensor_add(const pj_tensor* a, const pj_tensor* b, double alpha, pj_tensor** out); /* a + alpha*b */
/* Benchmark only: iters (>= 1) times at::add(a, b), each result dropped, the last one returned. The same work as
   iters calls of pj_tensor_add without the C ABI, the handle and the caller's side (shim overhead per op). */
PJ_API int pj_bench_add_loop(const pj_tensor* a, const pj_tensor* b, int64_t iters, pj_tensor** out);
PJ_API int pj_tensor_sub(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_tensor_mul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_tensor_div(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_tensor_add_scalar(const pj_tensor* a, double value, pj_tensor** out);
PJ_API int pj_tensor_mul_scalar(const pj_tensor* a, double value, pj_tensor** out);
PJ_API int pj_tensor_pow_scalar(const pj_tensor* a, double exponent, pj_tensor** out);
PJ_API int pj_tensor_neg(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_exp(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_log(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_sqrt(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_rsqrt(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_tanh(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_sigmoid(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_nn_relu(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_nn_silu(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_cos(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_sin(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_abs(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_logical_not(const pj_tensor* a, pj_tensor** out);
PJ_API int pj_tensor_clamp(const pj_tensor* a, double min, double max, pj_tensor** out); /* +-inf: unbounded */
PJ_API int pj_tensor_eq(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);        /* bool results */
PJ_API int pj_tensor_lt(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_tensor_gt(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_nn_gelu(const pj_tensor* a, int tanh_approximation, pj_tensor** out);
PJ_API int pj_nn_dropout(const pj_tensor* a, double p, int train, pj_tensor** out);
PJ_API int pj_tensor_masked_fill(const pj_tensor* a, const pj_tensor* mask, double value, pj_tensor** out);
PJ_API int pj_tensor_where(const pj_tensor* cond, const pj_tensor* a, const pj_tensor* b, pj_tensor** out);

/* ---- linear algebra and nn ---- */
PJ_API int pj_tensor_matmul(const pj_tensor* a, const pj_tensor* b, pj_tensor** out);
PJ_API int pj_nn_linear(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias /* nullable */,
                        pj_tensor** out);
PJ_API int pj_nn_embedding(const pj_tensor* weight, const pj_tensor* indices, pj_tensor** out);
PJ_API int pj_nn_rms_norm(const pj_tensor* x, const pj_tensor* weight /* nullable */, double eps, pj_tensor** out);
PJ_API int pj_nn_layer_norm(const pj_tensor* x, const pj_tensor* weight /* nullable */,
                            const pj_tensor* bias /* nullable */, double eps, pj_tensor** out);
PJ_API int pj_nn_rotary(const pj_tensor* x, const pj_tensor* cos, const pj_tensor* sin, int interleaved,
                        pj_tensor** out);
PJ_API int pj_nn_sdpa(const pj_tensor* q, const pj_tensor* k, const pj_tensor* v, const pj_tensor* mask /* nullable */,
                      int causal, double scale /* <= 0: 1/sqrt(head_dim) */, pj_tensor** out);
PJ_API int pj_nn_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out);
PJ_API int pj_nn_log_softmax(const pj_tensor* x, int64_t dim, pj_tensor** out);
PJ_API int pj_nn_conv2d(const pj_tensor* x, const pj_tensor* weight, const pj_tensor* bias /* nullable */,
                        int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w, pj_tensor** out);

/* ---- shape ---- */
PJ_API int pj_tensor_reshape(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out);
PJ_API int pj_tensor_view(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out);
PJ_API int pj_tensor_transpose(const pj_tensor* x, int64_t dim0, int64_t dim1, pj_tensor** out);
PJ_API int pj_tensor_permute(const pj_tensor* x, const int64_t* dims, int ndim, pj_tensor** out);
PJ_API int pj_tensor_unsqueeze(const pj_tensor* x, int64_t dim, pj_tensor** out);
PJ_API int pj_tensor_squeeze(const pj_tensor* x, int64_t dim, pj_tensor** out);
PJ_API int pj_tensor_expand(const pj_tensor* x, const int64_t* shape, int ndim, pj_tensor** out);
PJ_API int pj_tensor_cat(const pj_tensor* const* xs, int count, int64_t dim, pj_tensor** out);
PJ_API int pj_tensor_stack(const pj_tensor* const* xs, int count, int64_t dim, pj_tensor** out);
PJ_API int pj_tensor_tril(const pj_tensor* x, int64_t diagonal, pj_tensor** out);
PJ_API int pj_tensor_triu(const pj_tensor* x, int64_t diagonal, pj_tensor** out);
PJ_API int pj_tensor_narrow(const pj_tensor* x, int64_t dim, int64_t start, int64_t length, pj_tensor** out);
PJ_API int pj_tensor_slice(const pj_tensor* x, int64_t dim, int64_t start, int64_t end, int64_t step, pj_tensor** out);
PJ_API int pj_tensor_gather(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out);
PJ_API int pj_tensor_index_select(const pj_tensor* x, int64_t dim, const pj_tensor* index, pj_tensor** out);

/* ---- reductions (ndim == 0: over every element, keepdim ignored) ---- */
PJ_API int pj_tensor_sum(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out);
PJ_API int pj_tensor_mean(const pj_tensor* x, const int64_t* dims, int ndim, int keepdim, pj_tensor** out);
PJ_API int pj_tensor_max(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** values, pj_tensor** indices);
PJ_API int pj_tensor_argmax(const pj_tensor* x, int64_t dim, int keepdim, pj_tensor** out);
PJ_API int pj_tensor_cumsum(const pj_tensor* x, int64_t dim, pj_tensor** out);
PJ_API int pj_tensor_topk(const pj_tensor* x, int64_t k, int64_t dim, int largest, pj_tensor** values,
                          pj_tensor** indices);

/* ---- sampling (seeded generator on CPU; other devices use the device's default generator) ---- */
PJ_API int pj_tensor_multinomial(const pj_tensor* probs, int64_t samples, int replacement, uint64_t seed,
                                 pj_tensor** out);

/* ---- optimizers (torch::optim; the parameters are shared, not copied: the optimizer updates them in place) ----
   Parameters must be floating-point leaf tensors with requires_grad set. Step and clip need every parameter's .grad
   defined: libtorch would skip a parameter without one silently, the shim refuses with an argument error. */
PJ_API int pj_live_optimizers(int64_t* count);
/* torch::optim::AdamW (decoupled weight decay, bias correction, amsgrad off) over params[0..count). */
PJ_API int pj_optim_adamw_new(const pj_tensor* const* params, int64_t count, double lr, double beta1, double beta2,
                              double eps, double weight_decay, pj_optim** out);
PJ_API int pj_optim_step(pj_optim* o);
PJ_API int pj_optim_zero_grad(pj_optim* o); /* libtorch's zero_grad (1.13: zeroes every defined .grad) */
PJ_API int pj_optim_free(pj_optim* o);
/* torch::nn::utils::clip_grad_norm_ (L2, error_if_nonfinite): scales every .grad by min(1, max_norm / (total + 1e-6))
   and returns the pre-clip total norm; a NaN/Inf total is a libtorch error and leaves the grads unchanged. */
PJ_API int pj_clip_grad_norm(const pj_tensor* const* params, int64_t count, double max_norm, double* total_norm);

#ifdef __cplusplus
}
#endif

#endif /* PJTORCH_H */
