using PerceptionJudge.Fuzz.Targets;

namespace PerceptionJudge.Fuzz;

/// <summary>
/// Every fuzz target by name (DESIGN.md, style 1): the AFL++ entry point, the CI replay and the Cake task all look
/// targets up here, so a parser added here is fuzzed everywhere.
/// </summary>
public static class FuzzTargets
{
    private static readonly Lazy<IReadOnlyDictionary<string, FuzzTarget>> s_byName = new(() =>
    {
        var byName = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal);
        foreach (var target in WeightsTargets.All().Concat(PpjdTargets.All()).Concat(JudgeTargets.All())
            .Concat(ConfigTargets.All()).Concat(ModelFileTargets.All()).Concat(ImageTargets.All()))
        {
            if (!byName.TryAdd(target.Name, target))
            {
                throw new InvalidOperationException($"fuzz target '{target.Name}' is registered twice");
            }
        }
        return byName;
    });

    /// <summary>The targets in registration order.</summary>
    public static IEnumerable<FuzzTarget> All => s_byName.Value.Values;

    /// <summary>The names, for listings and test cases.</summary>
    public static IEnumerable<string> Names => s_byName.Value.Keys;

    /// <summary>The target called <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static FuzzTarget Get(string name) =>
        s_byName.Value.TryGetValue(name, out var target)
            ? target
            : throw new ArgumentException(
                $"unknown fuzz target '{name}'; valid: {string.Join(", ", s_byName.Value.Keys)}", nameof(name));

    /// <summary>The committed seed corpus folder of <paramref name="name"/> beside the assembly.</summary>
    public static string CorpusDir(string name) => Path.Combine(AppContext.BaseDirectory, "corpus", name);

    /// <summary>The committed crash inputs of <paramref name="name"/> (each one a regression test).</summary>
    public static string RegressionDir(string name) => Path.Combine(AppContext.BaseDirectory, "regressions", name);

    /// <summary>The files of a folder in ordinal name order (empty when it does not exist).</summary>
    public static IReadOnlyList<string> FilesIn(string dir) =>
        Directory.Exists(dir)
            ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList()
            : [];
}
