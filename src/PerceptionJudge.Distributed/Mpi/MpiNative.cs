using System.Reflection;
using System.Runtime.InteropServices;

namespace PerceptionJudge.Distributed.Mpi;

/// <summary>
/// P/Invoke declarations for Open MPI's <c>libmpi.so.40</c> (the C API of mpi.h, Open MPI 4.x/5.x), source-generated
/// with <see cref="LibraryImportAttribute"/>.
/// <para>
/// Open MPI's predefined handles are addresses of global objects, not integers: <c>MPI_COMM_WORLD</c> is
/// <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> is <c>&amp;ompi_mpi_float</c>, <c>MPI_SUM</c> is
/// <c>&amp;ompi_mpi_op_sum</c>, <c>MPI_ERRORS_RETURN</c> is <c>&amp;ompi_mpi_errors_return</c>
/// (mpi.h, <c>OMPI_PREDEFINED_GLOBAL</c>), so they are resolved with <see cref="NativeLibrary.GetExport"/>.
/// <c>MPI_IN_PLACE</c> is <c>((void *) 1)</c>.
/// </para>
/// <para>
/// libmpi is opened with <c>dlopen(RTLD_NOW | RTLD_GLOBAL)</c> before first use: Open MPI's MCA plugins
/// (<c>mca_*.so</c>) are dlopen'ed by libmpi and resolve their symbols against it through the global namespace; the
/// runtime's own <c>dlopen(RTLD_LAZY)</c> (local) makes them fail to load in builds whose plugins do not link
/// libmpi themselves ("undefined symbol" from mca_base_component_find; mpi4py's Open MPI compat layer re-opens
/// libmpi RTLD_GLOBAL for the same reason). Debian's build links each plugin to libmpi.so.40 and works either way
/// (checked with ctypes RTLD_LOCAL under mpirun); global costs nothing there.
/// </para>
/// </summary>
internal static partial class MpiNative
{
    internal const string Library = "mpi";
    internal const string FileName = "libmpi.so.40";
    internal const string InstallHint = "sudo apt-get install openmpi-bin libopenmpi-dev";

    internal const int Success = 0;
    internal const int MaxErrorString = 256; // MPI_MAX_ERROR_STRING = OPAL_MAX_ERROR_STRING
    internal const int ThreadSerialized = 2; // enum { SINGLE, FUNNELED, SERIALIZED, MULTIPLE }
    internal static readonly nint InPlace = 1; // MPI_IN_PLACE

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static readonly object s_gate = new();
    private static nint s_library;
    private static string? s_loadError;
    private static Handles? s_handles;

    static MpiNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(MpiNative).Assembly, Resolve);
    }

    /// <summary>Open MPI's predefined handles, resolved once from the loaded library.</summary>
    internal sealed record Handles(
        nint CommWorld, nint Float, nint Double, nint Int, nint Byte,
        nint OpSum, nint OpMax, nint OpMin, nint ErrorsReturn);

    /// <summary>The predefined handles; loads libmpi first (throws one clear error when it is missing).</summary>
    internal static Handles Predefined
    {
        get
        {
            EnsureLoaded();
            lock (s_gate)
            {
                return s_handles ??= new Handles(
                    Export("ompi_mpi_comm_world"), Export("ompi_mpi_float"), Export("ompi_mpi_double"),
                    Export("ompi_mpi_int"), Export("ompi_mpi_byte"),
                    Export("ompi_mpi_op_sum"), Export("ompi_mpi_op_max"), Export("ompi_mpi_op_min"),
                    Export("ompi_mpi_errors_return"));
            }
        }
    }

    /// <summary>Loads libmpi once, globally; throws a <see cref="DistributedException"/> naming the packages.</summary>
    internal static void EnsureLoaded()
    {
        if (!TryLoad(out var error))
        {
            throw new DistributedException(error);
        }
    }

    /// <summary>Loads libmpi once (RTLD_NOW | RTLD_GLOBAL); false with the reason when it cannot.</summary>
    internal static bool TryLoad(out string error)
    {
        lock (s_gate)
        {
            if (s_library == 0 && s_loadError is null)
            {
                s_library = LoadGlobal(FileName, out s_loadError);
            }
            error = s_loadError ?? "";
            return s_library != 0;
        }
    }

    /// <summary>
    /// dlopen's <paramref name="fileName"/> with RTLD_NOW | RTLD_GLOBAL; on failure 0 and an error that gives dlerror's
    /// words and the Debian packages to install.
    /// </summary>
    internal static nint LoadGlobal(string fileName, out string? error)
    {
        nint handle = dlopen(fileName, RtldNow | RtldGlobal);
        if (handle != 0)
        {
            error = null;
            return handle;
        }
        string why = Marshal.PtrToStringUTF8(dlerror()) ?? $"{fileName}: cannot open shared object file";
        error = $"Open MPI could not be loaded ({why}). Install it with `{InstallHint}`, then launch with " +
            "`mpirun -np K ...` (see docs/distributed.md).";
        return 0;
    }

    /// <summary>
    /// True when <paramref name="symbol"/> resolves in the process's global namespace (dlsym(RTLD_DEFAULT)), which is
    /// what a plugin dlopen'ed later sees: libmpi was loaded RTLD_GLOBAL.
    /// </summary>
    internal static bool IsGloballyVisible(string symbol) => dlsym(0, symbol) != 0;

    private static nint Export(string symbol)
    {
        if (!NativeLibrary.TryGetExport(s_library, symbol, out nint address))
        {
            throw new DistributedException(
                $"{FileName} has no symbol {symbol}: this is not Open MPI 4.x/5.x (MPICH and others name their " +
                $"handles differently). Install it with `{InstallHint}`.");
        }
        return address;
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        return name == Library && TryLoad(out _) ? s_library : 0;
    }

    // ---- the loader (glibc ≥ 2.34 has dlopen in libc.so.6) ----
    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string fileName, int flags);
    [LibraryImport("libc.so.6")] private static partial nint dlerror();
    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlsym(nint handle, string symbol);

    // ---- environment ----
    [LibraryImport(Library)]
    internal static partial int MPI_Init_thread(nint argc, nint argv, int required, out int provided);
    [LibraryImport(Library)] internal static partial int MPI_Finalize();
    [LibraryImport(Library)] internal static partial int MPI_Initialized(out int flag);
    [LibraryImport(Library)] internal static partial int MPI_Finalized(out int flag);
    [LibraryImport(Library)] internal static partial int MPI_Abort(nint comm, int errorCode);
    [LibraryImport(Library)]
    internal static unsafe partial int MPI_Error_string(int errorCode, byte* text, out int length);

    // ---- communicator ----
    [LibraryImport(Library)] internal static partial int MPI_Comm_rank(nint comm, out int rank);
    [LibraryImport(Library)] internal static partial int MPI_Comm_size(nint comm, out int size);
    [LibraryImport(Library)] internal static partial int MPI_Comm_set_errhandler(nint comm, nint errorHandler);

    // ---- collectives ----
    [LibraryImport(Library)] internal static partial int MPI_Barrier(nint comm);
    [LibraryImport(Library)]
    internal static unsafe partial int MPI_Allreduce(
        void* sendBuffer, void* receiveBuffer, int count, nint datatype, nint op, nint comm);
    [LibraryImport(Library)]
    internal static unsafe partial int MPI_Bcast(void* buffer, int count, nint datatype, int root, nint comm);
    [LibraryImport(Library)]
    internal static unsafe partial int MPI_Allgather(
        void* sendBuffer, int sendCount, nint sendType, void* receiveBuffer, int receiveCount, nint receiveType,
        nint comm);
}
