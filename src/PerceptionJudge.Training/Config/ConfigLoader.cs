namespace PerceptionJudge.Training.Config;

/// <summary>
/// Loads a <see cref="TrainConfig"/> from JSON or YAML (see <see cref="YamlConfigReader"/>), then applies
/// command-line overrides <c>key.path=value</c> (<c>rollout.n=8</c>, <c>data.tasks=[pair,score]</c>). Keys are the
/// snake_case names of the config properties, sections nest. An unknown key or a wrong type is a
/// <see cref="TrainingException"/> naming the file and line (or the override) and the closest valid key.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// The config of a run: <paramref name="path"/> (.json, .yaml or .yml; null = every default), then
    /// <paramref name="overrides"/> in order, then <see cref="ConfigValidator.Validate"/>.
    /// </summary>
    public static TrainConfig Load(string? path, IEnumerable<string>? overrides = null)
    {
        TrainConfig config = path is null ? new TrainConfig() : LoadFile(path);
        string[] overrideList = overrides?.ToArray() ?? [];
        config = ApplyOverrides(config, overrideList);
        string where = path ?? "defaults";
        if (overrideList.Length > 0)
        {
            where += $" with {overrideList.Length} override(s)";
        }
        ConfigValidator.Validate(config, where);
        return config;
    }

    /// <summary>Reads and binds one file, choosing the format by extension; no validation.</summary>
    public static TrainConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(path, $"cannot read the config file: {e.Message}", inner: e);
        }
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".json" => FromJson(text, path),
            ".yaml" or ".yml" => FromYaml(text, path),
            _ => throw new TrainingException(path, $"unknown config format '{extension}'; use .json, .yaml or .yml"),
        };
    }

    /// <summary>Binds JSON text onto the defaults; <paramref name="sourceName"/> names it in errors.</summary>
    public static TrainConfig FromJson(string json, string sourceName = "config.json")
    {
        var source = new ConfigSource(sourceName, HasLines: true);
        return ConfigBinder.Bind(new TrainConfig(), JsonConfigReader.Parse(json, source), source);
    }

    /// <summary>Binds YAML text onto the defaults; <paramref name="sourceName"/> names it in errors.</summary>
    public static TrainConfig FromYaml(string yaml, string sourceName = "config.yaml")
    {
        var source = new ConfigSource(sourceName, HasLines: true);
        return ConfigBinder.Bind(new TrainConfig(), YamlConfigReader.Parse(yaml, source), source);
    }

    /// <summary>Applies <paramref name="overrides"/> in order (a later one wins); no validation.</summary>
    public static TrainConfig ApplyOverrides(TrainConfig config, IEnumerable<string> overrides)
    {
        foreach (string o in overrides)
        {
            config = ApplyOverride(config, o);
        }
        return config;
    }

    /// <summary>
    /// Applies one <c>key.path=value</c>: the value is read as YAML (a scalar, "quoted", a flow list <c>[a, b]</c> or
    /// a flow mapping <c>{n: 8}</c> for a section); spaces around <c>=</c> are allowed, so
    /// <see cref="ConfigPrinter.ToFlat"/> lines work.
    /// </summary>
    public static TrainConfig ApplyOverride(TrainConfig config, string keyEqualsValue)
    {
        var source = new ConfigSource($"override '{keyEqualsValue}'", HasLines: false);
        int eq = keyEqualsValue.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw source.Error(0, "expected key.path=value, e.g. rollout.n=8");
        }
        string[] path = keyEqualsValue[..eq].Trim().Split('.');
        if (path.Any(segment => segment.Length == 0))
        {
            throw source.Error(0, "the key has an empty segment; expected key.path=value, e.g. rollout.n=8");
        }
        ConfigNode node = YamlConfigReader.ParseValue(keyEqualsValue[(eq + 1)..], source);
        for (int i = path.Length - 1; i >= 0; i--)
        {
            node = new MapNode([new MapEntry(path[i], node, 0)], 0);
        }
        return ConfigBinder.Bind(config, (MapNode)node, source);
    }
}
