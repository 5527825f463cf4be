using System.Reflection;
using System.Runtime.InteropServices;

namespace PerceptionJudge.Torch;

/// <summary>
/// P/Invoke declarations for libpjtorch (native/pjtorch/include/pjtorch.h), source-generated with
/// <see cref="LibraryImportAttribute"/>. Every entry returns a status; <see cref="Check"/> turns a non-zero status into
/// a <see cref="TorchException"/> carrying <c>pj_last_error()</c>. Out-handles come back as raw pointers and are
/// wrapped in <see cref="TensorHandle"/> at once by <see cref="Tensor"/>.
/// </summary>
internal static partial class Native
{
    internal const string Library = "pjtorch";
    internal const string FileName = "libpjtorch.so";
    internal const string InstallHint = "sudo apt-get install libtorch-dev libopenblas0-pthread";

    private static readonly object s_gate = new();
    private static nint s_library;
    private static string? s_loadError;

    static Native()
    {
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
    }

    /// <summary>Loads libpjtorch (and through it libtorch) once; throws one clear error if either is missing.</summary>
    internal static void EnsureLoaded()
    {
        if (s_library != 0)
        {
            return;
        }
        if (!TryLoad(out var error))
        {
            throw new TorchException(error);
        }
    }

    internal static bool TryLoad(out string error)
    {
        lock (s_gate)
        {
            if (s_library == 0 && s_loadError is null)
            {
                s_library = Load(out s_loadError);
            }
            error = s_loadError ?? "";
            return s_library != 0;
        }
    }

    private static nint Load(out string? error)
    {
        var details = new List<string>();
        foreach (var directory in CandidateDirectories())
        {
            var path = Path.Combine(directory, FileName);
            if (!File.Exists(path))
            {
                continue;
            }
            try
            {
                error = null;
                return NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                // The file is there, so what is missing is one of its dependencies (libtorch, OpenBLAS); the loader's
                // own words (dlerror) are the last line of the runtime's message.
                var lines = e.Message.Split(
                    '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                details.Add($"{path}: {lines[^1]}");
            }
        }
        if (NativeLibrary.TryLoad(Library, typeof(Native).Assembly, null, out var handle))
        {
            error = null;
            return handle;
        }
        var why = details.Count > 0 ? string.Join("; ", details) : $"{FileName} was not found beside the assembly";
        error = $"libpjtorch could not be loaded: {why}. Install libtorch with `{InstallHint}` and build the " +
            "solution (PerceptionJudge.Torch.csproj compiles native/pjtorch with CMake).";
        return 0;
    }

    private static IEnumerable<string> CandidateDirectories()
    {
        var assemblyDirectory = Path.GetDirectoryName(typeof(Native).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            yield return assemblyDirectory;
        }
        if (Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory) != assemblyDirectory)
        {
            yield return AppContext.BaseDirectory;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        return name == Library && TryLoad(out _) ? s_library : 0;
    }

    /// <summary>Throws the shim's last error when <paramref name="status"/> is not 0.</summary>
    internal static void Check(int status)
    {
        if (status != 0)
        {
            var message = Marshal.PtrToStringUTF8(pj_last_error());
            throw new TorchException(string.IsNullOrEmpty(message) ? $"pjtorch status {status}" : message, status);
        }
    }

    // ---- library ----
    [LibraryImport(Library)] internal static partial nint pj_last_error();
    [LibraryImport(Library)]
    internal static partial int pj_version(out int abi, out int torchMajor, out int torchMinor);
    [LibraryImport(Library)] internal static partial int pj_live_tensors(out long count);
    [LibraryImport(Library)] internal static partial int pj_manual_seed(ulong seed);
    [LibraryImport(Library)] internal static partial int pj_cuda_is_available(out int available);
    [LibraryImport(Library)] internal static partial int pj_grad_mode_get(out int enabled);
    [LibraryImport(Library)] internal static partial int pj_grad_mode_set(int enabled, out int previous);
    [LibraryImport(Library)] internal static partial int pj_set_num_threads(int n);

    // ---- lifetime and creation ----
    [LibraryImport(Library)] internal static partial int pj_tensor_free(nint t);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_from_data(
        void* data, int dtype, long* shape, int ndim, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_empty(long* shape, int ndim, int dtype, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_zeros(long* shape, int ndim, int dtype, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_ones(long* shape, int ndim, int dtype, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_full(long* shape, int ndim, int dtype, double value, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_randn(long* shape, int ndim, int dtype, ulong seed, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_rand(long* shape, int ndim, int dtype, ulong seed, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_arange(double start, double end, double step, int dtype, out nint result);

    // ---- queries ----
    [LibraryImport(Library)] internal static partial int pj_tensor_dim(TensorHandle t, out int ndim);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_shape(TensorHandle t, long* shape, int capacity);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_strides(TensorHandle t, long* strides, int capacity);
    [LibraryImport(Library)] internal static partial int pj_tensor_numel(TensorHandle t, out long numel);
    [LibraryImport(Library)] internal static partial int pj_tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(Library)] internal static partial int pj_tensor_device(TensorHandle t, out int type, out int index);
    [LibraryImport(Library)] internal static partial int pj_tensor_is_contiguous(TensorHandle t, out int contiguous);
    [LibraryImport(Library)] internal static partial int pj_tensor_data_ptr(TensorHandle t, out nint data);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_copy_to_host(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Library)] internal static partial int pj_tensor_item(TensorHandle t, out double value);

    // ---- autograd ----
    [LibraryImport(Library)] internal static partial int pj_tensor_requires_grad(TensorHandle t, out int value);
    [LibraryImport(Library)] internal static partial int pj_tensor_set_requires_grad(TensorHandle t, int value);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_backward(TensorHandle t, TensorHandle grad, int retainGraph);
    [LibraryImport(Library)] internal static partial int pj_tensor_grad(TensorHandle t, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_zero_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial int pj_tensor_detach(TensorHandle t, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_clone(TensorHandle t, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_to_dtype(TensorHandle t, int dtype, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_to_device(TensorHandle t, int type, int index, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_contiguous(TensorHandle t, out nint result);

    // ---- in-place ----
    [LibraryImport(Library)] internal static partial int pj_tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_add_(TensorHandle dst, TensorHandle src, double alpha);
    [LibraryImport(Library)] internal static partial int pj_tensor_mul_scalar_(TensorHandle dst, double value);
    [LibraryImport(Library)] internal static partial int pj_tensor_fill_(TensorHandle dst, double value);
    [LibraryImport(Library)] internal static partial int pj_tensor_zero_(TensorHandle dst);

    // ---- serialisation ----
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pj_tensor_save(TensorHandle t, string path);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pj_tensor_load(string path, out nint result);

    // ---- pointwise ----
    [LibraryImport(Library)]
    internal static partial int pj_tensor_add(TensorHandle a, TensorHandle b, double alpha, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_bench_add_loop(TensorHandle a, TensorHandle b, long iters, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_sub(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_mul(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_div(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_add_scalar(TensorHandle a, double value, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_mul_scalar(TensorHandle a, double value, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_pow_scalar(TensorHandle a, double value, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_neg(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_exp(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_log(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_sqrt(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_rsqrt(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_tanh(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_sigmoid(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_nn_relu(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_nn_silu(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_cos(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_sin(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_abs(TensorHandle a, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_logical_not(TensorHandle a, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_clamp(TensorHandle a, double min, double max, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_eq(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_lt(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_gt(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)] internal static partial int pj_nn_gelu(TensorHandle a, int tanh, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_dropout(TensorHandle a, double p, int train, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_masked_fill(TensorHandle a, TensorHandle mask, double value, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_where(TensorHandle cond, TensorHandle a, TensorHandle b, out nint result);

    // ---- linear algebra and nn ----
    [LibraryImport(Library)] internal static partial int pj_tensor_matmul(TensorHandle a, TensorHandle b, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_embedding(TensorHandle weight, TensorHandle indices, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_rms_norm(TensorHandle x, TensorHandle weight, double eps, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_layer_norm(
        TensorHandle x, TensorHandle weight, TensorHandle bias, double eps, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_rotary(
        TensorHandle x, TensorHandle cos, TensorHandle sin, int interleaved, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_sdpa(
        TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, int causal, double scale, out nint result);
    [LibraryImport(Library)] internal static partial int pj_nn_softmax(TensorHandle x, long dim, out nint result);
    [LibraryImport(Library)] internal static partial int pj_nn_log_softmax(TensorHandle x, long dim, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_nn_conv2d(
        TensorHandle x, TensorHandle weight, TensorHandle bias, long strideH, long strideW, long padH, long padW,
        out nint result);

    // ---- shape ----
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_reshape(TensorHandle x, long* shape, int ndim, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_view(TensorHandle x, long* shape, int ndim, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_transpose(TensorHandle x, long dim0, long dim1, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_permute(TensorHandle x, long* dims, int ndim, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_unsqueeze(TensorHandle x, long dim, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_squeeze(TensorHandle x, long dim, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_expand(TensorHandle x, long* shape, int ndim, out nint result);
    [LibraryImport(Library)] internal static unsafe partial int pj_tensor_cat(nint* xs, int count, long dim, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_stack(nint* xs, int count, long dim, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_tril(TensorHandle x, long diagonal, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_triu(TensorHandle x, long diagonal, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_narrow(TensorHandle x, long dim, long start, long length, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_slice(TensorHandle x, long dim, long start, long end, long step, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_gather(TensorHandle x, long dim, TensorHandle index, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_index_select(TensorHandle x, long dim, TensorHandle index, out nint result);

    // ---- reductions ----
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_sum(TensorHandle x, long* dims, int ndim, int keepdim, out nint result);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_tensor_mean(TensorHandle x, long* dims, int ndim, int keepdim, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_max(TensorHandle x, long dim, int keepdim, out nint values, out nint indices);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_argmax(TensorHandle x, long dim, int keepdim, out nint result);
    [LibraryImport(Library)] internal static partial int pj_tensor_cumsum(TensorHandle x, long dim, out nint result);
    [LibraryImport(Library)]
    internal static partial int pj_tensor_topk(
        TensorHandle x, long k, long dim, int largest, out nint values, out nint indices);

    // ---- sampling ----
    [LibraryImport(Library)]
    internal static partial int pj_tensor_multinomial(
        TensorHandle probs, long samples, int replacement, ulong seed, out nint result);

    // ---- optimizers ----
    [LibraryImport(Library)] internal static partial int pj_live_optimizers(out long count);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_optim_adamw_new(
        nint* parameters, long count, double lr, double beta1, double beta2, double eps, double weightDecay,
        out nint result);
    [LibraryImport(Library)] internal static partial int pj_optim_step(OptimizerHandle o);
    [LibraryImport(Library)] internal static partial int pj_optim_zero_grad(OptimizerHandle o);
    [LibraryImport(Library)] internal static partial int pj_optim_free(nint o);
    [LibraryImport(Library)]
    internal static unsafe partial int pj_clip_grad_norm(nint* parameters, long count, double maxNorm, out double total);
}
