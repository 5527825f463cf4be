using System.Text.RegularExpressions;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// What a baseline is valid for: CPU model, logical cores, kernel backend and device. Baselines live in
/// <c>bench/baselines/&lt;Key&gt;.json</c>; a run is only ever compared with a baseline of the same key.
/// </summary>
public sealed partial record MachineFingerprint(string Cpu, int Cores, string Backend, string Device)
{
    /// <summary>The fingerprint of a BenchmarkDotNet host (CPU backend on the host CPU: the only backend today).
    /// </summary>
    public static MachineFingerprint FromHost(string processorName, int logicalCores) =>
        new(processorName.Trim(), logicalCores, "cpu", "host-cpu");

    /// <summary>A file-name-safe key, e.g. <c>amd-epyc_2c_cpu_host-cpu</c>.</summary>
    public string Key => $"{Slug(Cpu)}_{Cores}c_{Slug(Backend)}_{Slug(Device)}";

    /// <inheritdoc/>
    public override string ToString() => $"{Cpu}, {Cores} cores, backend {Backend}, device {Device}";

    private static string Slug(string s) => NonWord().Replace(s.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();
}
