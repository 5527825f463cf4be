using System.Diagnostics;

namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// Receives one record per traced span (a kernel launch or a phase). Called from any thread, possibly concurrently:
/// implementations must be thread-safe. Timestamps are <see cref="Stopwatch.GetTimestamp"/> ticks.
/// </summary>
public interface IKernelTraceSink
{
    /// <summary>
    /// A finished span: <paramref name="name"/> (e.g. <c>advantage.grpo</c>), <paramref name="category"/>
    /// (<c>kernel</c> or <c>phase</c>), the bytes the kernel must move at minimum (0 for a phase), the
    /// <see cref="Backend"/> it ran on, start and end ticks, and the managed thread id.
    /// </summary>
    void Record(string name, string category, long bytes, Backend backend, long startTicks, long endTicks, int thread);
}

/// <summary>
/// The zero-cost-when-off profiling hook. Each family façade opens one span per kernel launch:
/// <code>using var span = KernelTrace.Kernel("advantage.grpo", bytesMoved);</code>
/// With no <see cref="Sink"/> installed this is one static null check and an empty struct; the span is recorded
/// only when a sink is set (by <c>pjudge profile</c>). Bytes are the compulsory traffic (each input read once, each
/// output written once), so bytes / duration against a triad bandwidth gives the % of the roofline.
/// </summary>
public static class KernelTrace
{
    private static volatile IKernelTraceSink? s_sink;

    /// <summary>The installed sink, or null (tracing off, the default).</summary>
    public static IKernelTraceSink? Sink
    {
        get => s_sink;
        set => s_sink = value;
    }

    /// <summary>Opens a kernel span; dispose it when the launch returns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TraceSpan Kernel(string name, long bytes)
    {
        var sink = s_sink;
        return sink is null ? default : new TraceSpan(sink, name, "kernel", bytes, KernelBackend.Current);
    }

    /// <summary>
    /// Opens a kernel span named <c>family.op</c>; the name is built only when tracing is on, so a façade keyed by
    /// a registry name allocates nothing when it is off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TraceSpan Kernel(string family, string op, long bytes)
    {
        var sink = s_sink;
        return sink is null ? default : new TraceSpan(sink, family + "." + op, "kernel", bytes, KernelBackend.Current);
    }

    /// <summary>Opens a phase span (a parent of the kernel spans that run inside it on the same thread).</summary>
    public static TraceSpan Phase(string name)
    {
        var sink = s_sink;
        return sink is null ? default : new TraceSpan(sink, name, "phase", 0, KernelBackend.Current);
    }
}

/// <summary>One open span; <see cref="Dispose"/> records it. The default value (tracing off) records nothing.</summary>
public readonly struct TraceSpan : IDisposable
{
    private readonly IKernelTraceSink? _sink;
    private readonly string _name;
    private readonly string _category;
    private readonly long _bytes;
    private readonly Backend _backend;
    private readonly long _start;

    internal TraceSpan(IKernelTraceSink sink, string name, string category, long bytes, Backend backend)
    {
        _sink = sink;
        _name = name;
        _category = category;
        _bytes = bytes;
        _backend = backend;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Records the span (no-op when tracing was off at open).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose()
    {
        if (_sink is not null)
        {
            _sink.Record(
                _name, _category, _bytes, _backend, _start, Stopwatch.GetTimestamp(),
                Environment.CurrentManagedThreadId);
        }
    }
}
