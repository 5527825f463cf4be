namespace PerceptionJudge.Training.Config;

/// <summary>How a scalar was written: bare (YAML plain), quoted, a JSON number, true/false, or null.</summary>
internal enum ScalarKind
{
    Plain,
    Quoted,
    Number,
    Bool,
    Null,
}

/// <summary>
/// The parsed shape of a config file or override, before binding: YAML (<see cref="YamlConfigReader"/>) and JSON
/// (<see cref="JsonConfigReader"/>) both produce this tree, so the binder reports unknown keys and wrong types the
/// same way for both. <see cref="Line"/> is 1-based, 0 when the input has no lines (an override).
/// </summary>
internal abstract record ConfigNode(int Line);

/// <summary>A single value as written (numbers keep their text; the binder parses them for the target type).</summary>
internal sealed record ScalarNode(string Text, ScalarKind Kind, int Line) : ConfigNode(Line);

/// <summary>A list of scalars (<c>[a, b]</c> or block items <c>- a</c>).</summary>
internal sealed record ListNode(IReadOnlyList<ScalarNode> Items, int Line) : ConfigNode(Line);

/// <summary>A mapping whose keys keep their order and lines.</summary>
internal sealed record MapNode(IReadOnlyList<MapEntry> Entries, int Line) : ConfigNode(Line)
{
    /// <summary>Appends <paramref name="entry"/> unless its key is already in <paramref name="entries"/>.</summary>
    /// <exception cref="TrainingException">The key repeats: names both lines.</exception>
    public static void AddUnique(List<MapEntry> entries, MapEntry entry, ConfigSource source)
    {
        foreach (MapEntry seen in entries)
        {
            if (seen.Key == entry.Key)
            {
                string first = source.HasLines ? $"first at line {seen.Line}" : "given twice";
                throw source.Error(entry.Line, $"duplicate key '{entry.Key}' ({first})");
            }
        }
        entries.Add(entry);
    }
}

/// <summary>One <c>key: value</c> of a mapping.</summary>
internal sealed record MapEntry(string Key, ConfigNode Value, int Line);

/// <summary>Where config text came from: a file (errors carry its line) or an override (no lines).</summary>
internal sealed record ConfigSource(string Name, bool HasLines)
{
    /// <summary>A user error at <paramref name="line"/> of this source.</summary>
    public TrainingException Error(int line, string message) =>
        new(Name, message, HasLines && line > 0 ? line : null);
}
