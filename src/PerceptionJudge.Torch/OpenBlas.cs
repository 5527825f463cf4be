using System.Runtime.InteropServices;

namespace PerceptionJudge.Torch;

/// <summary>
/// The thread pool of the OpenBLAS that libtorch's matmuls run on (Debian's libtorch links
/// <c>libopenblas.so.0</c>). Its size comes from OPENBLAS_NUM_THREADS at load time, and only this call changes it
/// afterwards (a managed <see cref="Environment.SetEnvironmentVariable(string, string)"/> never reaches native code).
/// </summary>
public static partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";

    /// <summary>
    /// Sets the OpenBLAS thread count; false (and nothing changed) when no OpenBLAS is loadable, e.g. a libtorch
    /// built on MKL.
    /// </summary>
    public static bool TrySetNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        try
        {
            openblas_set_num_threads(threads);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library)]
    private static partial void openblas_set_num_threads(int threads);
}
