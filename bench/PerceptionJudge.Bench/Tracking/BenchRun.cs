using System.Globalization;
using System.Text.Json;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// One benchmark case of a BenchmarkDotNet run. <see cref="Id"/> is BenchmarkDotNet's FullName
/// (<c>Namespace.Class.Method(Param: value, ...)</c>): stable as long as class, method and parameter values are.
/// <see cref="Nanoseconds"/> holds the per-operation time of each measured iteration (the workload "Result"
/// stage: actual minus overhead), the raw sample the comparison tests.
/// </summary>
public sealed record BenchCase(
    string Id, string Type, string Method, IReadOnlyDictionary<string, string> Parameters, double[] Nanoseconds)
{
    /// <summary>Median time per operation in nanoseconds.</summary>
    public double Median => Stats.Median(Nanoseconds);

    /// <summary>The parameter string in BenchmarkDotNet's form (<c>Rewards=16777216&amp;GroupSize=8</c>).</summary>
    public string ParameterKey => string.Join("&", Parameters.Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>A whole run: the machine it ran on and its cases, read from BenchmarkDotNet's full JSON export.</summary>
public sealed record BenchRun(MachineFingerprint Machine, DateTimeOffset? Date, IReadOnlyList<BenchCase> Cases)
{
    /// <summary>
    /// Reads a <c>*-report-full.json</c>. Cases without measurements (a failed benchmark) are skipped. Throws
    /// <see cref="InvalidDataException"/> naming the file when it is not such a report.
    /// </summary>
    public static BenchRun Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such BenchmarkDotNet result file");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return Parse(doc.RootElement, DateFromName(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidDataException($"{path}: not a BenchmarkDotNet full JSON report ({e.Message})", e);
        }
    }

    /// <summary>Parses the root of a full JSON report.</summary>
    public static BenchRun Parse(JsonElement root, DateTimeOffset? date = null)
    {
        var host = root.GetProperty("HostEnvironmentInfo");
        string? intrinsics = root.GetProperty("Benchmarks").EnumerateArray()
            .Select(b => b.TryGetProperty("HardwareIntrinsics", out var h) ? h.GetString() : null)
            .FirstOrDefault(h => !string.IsNullOrEmpty(h));
        var machine = MachineFingerprint.FromHost(
            host.GetProperty("ProcessorName").GetString() ?? "unknown",
            MachineFingerprint.IsaOf(intrinsics),
            host.TryGetProperty("LogicalCoreCount", out var cores) && cores.ValueKind == JsonValueKind.Number
                ? cores.GetInt32()
                : 0);
        var cases = new List<BenchCase>();
        foreach (var b in root.GetProperty("Benchmarks").EnumerateArray())
        {
            var values = Measurements(b);
            if (values.Length == 0)
            {
                continue;
            }

            cases.Add(new BenchCase(
                b.GetProperty("FullName").GetString()!,
                b.GetProperty("Type").GetString()!,
                b.GetProperty("Method").GetString()!,
                ParseParameters(b.TryGetProperty("Parameters", out var p) ? p.GetString() : null),
                values));
        }

        return new BenchRun(machine, date, cases);
    }

    /// <summary><c>A=1&amp;B=x</c> into an ordered dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ParseParameters(string? text)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            result[eq < 0 ? pair : pair[..eq]] = eq < 0 ? "" : pair[(eq + 1)..];
        }

        return result;
    }

    private static double[] Measurements(JsonElement b)
    {
        if (!b.TryGetProperty("Measurements", out var ms) || ms.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        // Prefer the "Result" stage (overhead subtracted); fall back to "Actual" workload iterations.
        foreach (var stage in new[] { "Result", "Actual" })
        {
            var values = ms.EnumerateArray()
                .Where(m => m.GetProperty("IterationMode").GetString() == "Workload"
                            && m.GetProperty("IterationStage").GetString() == stage)
                .Select(m => m.GetProperty("Nanoseconds").GetDouble()
                             / Math.Max(1, m.GetProperty("Operations").GetDouble()))
                .ToArray();
            if (values.Length > 0)
            {
                return values;
            }
        }

        return [];
    }

    // BenchmarkDotNet names its exports "...-2026-11-23-19-53-37-report-full.json".
    private static DateTimeOffset? DateFromName(string path)
    {
        var name = Path.GetFileName(path);
        var m = System.Text.RegularExpressions.Regex.Match(name, @"(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})");
        return m.Success && DateTimeOffset.TryParseExact(
            m.Groups[1].Value, "yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var d)
            ? d
            : null;
    }
}

/// <summary>Order statistics used by the tracker.</summary>
public static class Stats
{
    /// <summary>The median (mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("median of an empty sample");
        }

        var s = values.Order().ToArray();
        int mid = s.Length / 2;
        return s.Length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }
}
