using System.CommandLine;
using System.Globalization;
using PerceptionJudge.Model;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// <c>pjudge model compare A.safetensors B.safetensors [--rtol R] [--atol A] [--names N1,N2]</c>: compares every
/// tensor name the two files share (or the listed ones) with <see cref="TensorComparison"/>, B the reference, and
/// prints one aligned line per tensor, the names only one file has, and a summary line. Reads the files through
/// <see cref="SafetensorsArrays"/>, so it runs without libtorch.
/// Exit codes: 0 every compared tensor within tolerance; 3 any over tolerance, a dtype or shape mismatch, or no name
/// in common; 2 a user error (a missing or malformed file, an unknown <c>--names</c> entry, an unsupported dtype).
/// </summary>
internal static class CompareCommand
{
    /// <summary>Exit code when the files differ.</summary>
    public const int Different = 3;

    /// <summary>Default rtol and atol (numpy's allclose uses rtol 1e-5, atol 1e-8).</summary>
    public const double DefaultTolerance = 1e-5;

    private static readonly SafetensorsDType[] Supported =
    [
        SafetensorsDType.F32, SafetensorsDType.F64, SafetensorsDType.F16, SafetensorsDType.BF16,
        SafetensorsDType.I64, SafetensorsDType.I32, SafetensorsDType.U8, SafetensorsDType.BOOL,
    ];

    public static Command Create(TextWriter stdout)
    {
        var a = new Argument<string>("a") { Description = "The safetensors file to check (e.g. our dump)" };
        var b = new Argument<string>("b") { Description = "The reference safetensors file (e.g. transformers' dump)" };
        var rtol = new Option<double>("--rtol")
        {
            Description = "Relative tolerance (float32 forward passes usually need looser, e.g. 1e-4)",
            DefaultValueFactory = _ => DefaultTolerance,
        };
        var atol = new Option<double>("--atol")
        {
            Description = "Absolute tolerance (float32 forward passes usually need looser, e.g. 1e-4)",
            DefaultValueFactory = _ => DefaultTolerance,
        };
        var names = new Option<string?>("--names")
        {
            Description = "Comma-separated tensor names to compare (default: every name both files hold)",
        };
        var compare = new Command(
            "compare",
            "Compare the tensors of two safetensors files, B the reference: numpy.allclose per tensor, "
            + "|a-b| <= atol + rtol*|b|, NaN equals NaN; integer and bool tensors exactly. Exit 0 all within "
            + "tolerance, 3 any over tolerance or mismatched, 2 bad input. The defaults (1e-5) suit float64 or "
            + "identical computations; float32 forward passes usually need looser, e.g. --rtol 1e-4 --atol 1e-4")
        {
            a, b, rtol, atol, names,
        };
        compare.Validators.Add(r =>
        {
            foreach (var (option, value) in new[] { (rtol, r.GetValue(rtol)), (atol, r.GetValue(atol)) })
            {
                if (!double.IsFinite(value) || value < 0)
                {
                    r.AddError($"{option.Name} must be a finite number >= 0, got {value}");
                }
            }
            if (r.GetValue(names) is string list && ParseNames(list).Count == 0)
            {
                r.AddError("--names must list at least one tensor name");
            }
        });
        compare.SetAction(parse =>
        {
            var listed = parse.GetValue(names) is string list ? ParseNames(list) : null;
            return Run(parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(rtol), parse.GetValue(atol), listed,
                stdout);
        });
        return compare;
    }

    /// <summary>Compares the files and prints the table; returns the exit code (0 or <see cref="Different"/>).</summary>
    internal static int Run(
        string pathA, string pathB, double rtol, double atol, IReadOnlyList<string>? names, TextWriter stdout)
    {
        using var fileA = SafetensorsFile.Open(pathA);
        using var fileB = SafetensorsFile.Open(pathB);
        var namesA = fileA.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var namesB = fileB.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        List<string> compared;
        if (names is null)
        {
            compared = [.. namesA.Where(namesB.Contains).Order(StringComparer.Ordinal)];
        }
        else
        {
            compared = [.. names];
            foreach (var (file, held) in new[] { (fileA, namesA), (fileB, namesB) })
            {
                var missing = compared.FirstOrDefault(n => !held.Contains(n));
                if (missing is not null)
                {
                    throw new ModelException(file.Path, missing,
                        $"no such tensor in the file (named by --names; the file holds {held.Count} tensors)");
                }
            }
        }
        foreach (var name in compared)
        {
            CheckSupported(fileA, name);
            CheckSupported(fileB, name);
        }

        var table = new CompareTable();
        int ok = 0, over = 0, mismatched = 0;
        foreach (var name in compared)
        {
            var (infoA, infoB) = (fileA.Info(name), fileB.Info(name));
            var mismatch = Mismatch(infoA, infoB);
            if (mismatch is not null)
            {
                mismatched++;
                table.Add("MISMATCH", name, mismatch);
                continue;
            }
            var difference = infoA.DType.IsFloatingPoint()
                ? TensorComparison.Compare(fileA.ReadDoubles(name).Values, fileB.ReadDoubles(name).Values, rtol,
                    atol, single: infoA.DType != SafetensorsDType.F64)
                : TensorComparison.CompareExact(fileA.ReadLongs(name).Values, fileB.ReadLongs(name).Values);
            if (difference.Within)
            {
                ok++;
            }
            else
            {
                over++;
            }
            table.Add(difference.Within ? "ok" : "OVER", name, infoA.DType.HeaderName(), Shape(infoA.Shape),
                Number(difference.MaxAbs), Number(difference.MaxRelative),
                $"{difference.OverCount}/{difference.Numel}", FirstOver(difference, infoA.Shape));
        }
        var onlyA = names is null ? namesA.Where(n => !namesB.Contains(n)).Order(StringComparer.Ordinal).ToList() : [];
        var onlyB = names is null ? namesB.Where(n => !namesA.Contains(n)).Order(StringComparer.Ordinal).ToList() : [];
        onlyA.ForEach(n => table.Add("only in A", n));
        onlyB.ForEach(n => table.Add("only in B", n));

        stdout.WriteLine($"A: {pathA}");
        stdout.WriteLine($"B: {pathB} (reference)");
        table.WriteTo(stdout);
        var noneInCommon = compared.Count == 0 && onlyA.Count + onlyB.Count > 0;
        var pass = over == 0 && mismatched == 0 && !noneInCommon;
        var tolerances = $"rtol {TensorComparison.Format(rtol).ToLowerInvariant()}, "
            + $"atol {TensorComparison.Format(atol).ToLowerInvariant()}";
        stdout.WriteLine(
            $"{(pass ? "PASS" : "FAIL")}: {compared.Count} compared: {ok} within tolerance, {over} over, " +
            $"{mismatched} mismatched; {onlyA.Count} only in A, {onlyB.Count} only in B " +
            $"({tolerances}; integer and bool tensors exact){(noneInCommon ? "; no tensor name in common" : "")}");
        return pass ? PjudgeApp.Success : Different;
    }

    /// <summary>The distinct non-empty names of a comma-separated list, trimmed, in order.</summary>
    internal static List<string> ParseNames(string list) =>
        [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct()];

    private static void CheckSupported(SafetensorsFile file, string name)
    {
        var dtype = file.Info(name).DType;
        if (!Supported.Contains(dtype))
        {
            throw new ModelException(file.Path, name,
                $"dtype {dtype} is not supported by model compare (supported: {string.Join(", ", Supported)})");
        }
    }

    private static string? Mismatch(SafetensorsTensorInfo a, SafetensorsTensorInfo b)
    {
        var parts = new List<string>();
        if (a.DType != b.DType)
        {
            parts.Add($"dtype {a.DType} vs {b.DType}");
        }
        if (!a.Shape.SequenceEqual(b.Shape))
        {
            parts.Add($"shape {Shape(a.Shape)} vs {Shape(b.Shape)}");
        }
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static string FirstOver(TensorDifference difference, long[] shape) => difference.FirstOver < 0
        ? "-"
        : $"{difference.FirstOver} {Shape(TensorComparison.Unravel(difference.FirstOver, shape))}: "
            + $"a={difference.FirstA} b={difference.FirstB}";

    private static string Shape(IEnumerable<long> dims) => $"[{string.Join(", ", dims)}]";

    private static string Number(double value) => double.IsFinite(value)
        ? value.ToString("0.000e+00", CultureInfo.InvariantCulture)
        : TensorComparison.Format(value);
}
