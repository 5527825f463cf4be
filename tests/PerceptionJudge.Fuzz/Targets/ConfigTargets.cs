using System.Text;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// The training config as a user writes it: a JSON or YAML file (YamlDotNet's parser), then <c>--set key=value</c>
/// overrides, then validation and printing (the resolved keys a run prints at start and saves as config.json, which
/// must load again).
/// </summary>
public static class ConfigTargets
{
    /// <summary>Separates the file from the overrides (one a line) in an input.</summary>
    public const char OverrideSeparator = '\0';

    private static readonly string[] s_tokens =
    [
        "rollout:", "  n: ", "trainer:", "  steps: ", "algorithm:", "  adv_estimator: ", "optim:", "  lr: ", "data:",
        "  tasks: [pair, score]", "- ", "# ", "\"", "'", "~", "null", "true", "[", "]", "{", "}", ":", "\n", "---",
        "rollout.n=", "trainer.seed=", "data.tasks=[pair]", "optim.lr=1e-3", "\"rollout\"", "\"n\"", "1e309", "-0",
        "9223372036854775808", "&a", "*a", "!!str", "|", ">", "\t", "\0", "{n: 8}", ", ", "&a {", ": *a", "? ",
        "...", "%YAML 1.2", "<<: ", "|-\n  ", ">+\n  ", "\"\\u00e9\"",
    ];

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "train-config",
            "a config file (JSON when it starts with '{', else YAML), a NUL, then --set overrides one a line: " +
            "ConfigLoader, ConfigValidator, ConfigPrinter and a reload of the printed JSON",
            Load, [typeof(TrainingException)], s_tokens);
    }

    private static void Load(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        int split = text.IndexOf(OverrideSeparator);
        string file = split < 0 ? text : text[..split];
        string[] overrides = split < 0
            ? []
            : text[(split + 1)..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var config = file.TrimStart().StartsWith('{') ? ConfigLoader.FromJson(file) : ConfigLoader.FromYaml(file);
        config = ConfigLoader.ApplyOverrides(config, overrides);
        ConfigValidator.Validate(config);
        string json = ConfigPrinter.ToJson(config);
        GC.KeepAlive(ConfigPrinter.ToFlat(config));
        TrainConfig reloaded;
        try
        {
            reloaded = ConfigLoader.FromJson(json, "printed config.json");
        }
        catch (TrainingException e)
        {
            throw new FuzzPropertyException($"a valid config printed JSON that does not load: {e.Message}", e);
        }
        if (ConfigPrinter.ToJson(reloaded) != json)
        {
            throw new FuzzPropertyException("the printed config does not load back to the same config");
        }
    }
}
