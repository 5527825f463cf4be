using System.Text.RegularExpressions;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// What a baseline is valid for: CPU model, vector ISA (the same model name can hide AVX-512 and AVX2-only hosts),
/// logical cores, kernel backend and device. Baselines live in
/// <c>bench/baselines/&lt;Key&gt;.json</c>; a run is only ever compared with a baseline of the same key.
/// </summary>
public sealed partial record MachineFingerprint(string Cpu, string Isa, int Cores, string Backend, string Device)
{
    /// <summary>The fingerprint of a BenchmarkDotNet host (CPU backend on the host CPU: the only backend today).
    /// </summary>
    public static MachineFingerprint FromHost(string processorName, string isa, int logicalCores) =>
        new(processorName.Trim(), isa, logicalCores, "cpu", "host-cpu");

    /// <summary>
    /// The widest vector ISA in BenchmarkDotNet's <c>HardwareIntrinsics</c> text: <c>avx512</c>, <c>avx2</c>,
    /// <c>arm64-advsimd</c>, else the first listed set in lower case (<c>unknown</c> when empty).
    /// </summary>
    public static string IsaOf(string? hardwareIntrinsics)
    {
        string text = hardwareIntrinsics ?? "";
        return text.Contains("AVX-512", StringComparison.Ordinal) || text.Contains("AVX512", StringComparison.Ordinal)
            ? "avx512"
            : text.Contains("AVX2", StringComparison.Ordinal) ? "avx2"
            : text.Contains("AdvSIMD", StringComparison.Ordinal) ? "arm64-advsimd"
            : text.Length == 0 ? "unknown" : text.Split(',', '+', ' ')[0].ToLowerInvariant();
    }

    /// <summary>A file-name-safe key, e.g. <c>amd-epyc_avx512_2c_cpu_host-cpu</c>.</summary>
    public string Key => $"{Slug(Cpu)}_{Slug(Isa)}_{Cores}c_{Slug(Backend)}_{Slug(Device)}";

    /// <inheritdoc/>
    public override string ToString() => $"{Cpu} ({Isa}), {Cores} cores, backend {Backend}, device {Device}";

    private static string Slug(string s) => NonWord().Replace(s.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();
}
