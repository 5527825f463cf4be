using System.Text.RegularExpressions;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// PEFT's <c>target_modules</c> / <c>exclude_modules</c> value: either a list of names or one string. Matching follows
/// PEFT <c>check_target_module_exists</c> (peft/tuners/tuners_utils.py): a list matches a module path that equals a
/// name or ends with <c>"." + name</c>; a string is a regular expression that must match the whole path
/// (<c>re.fullmatch</c>). The string <c>"all-linear"</c> (any case) is PEFT's shorthand for every Linear layer but the
/// output layer; <see cref="LoraModel"/> expands it to the explicit list of paths, as PEFT's
/// <c>_maybe_include_all_linear_layers</c> does.
/// </summary>
public sealed class ModulePattern
{
    /// <summary>PEFT's <c>INCLUDE_LINEAR_LAYERS_SHORTHAND</c>.</summary>
    public const string AllLinearShorthand = "all-linear";

    private readonly Regex? _regex;

    private ModulePattern(IReadOnlyList<string>? names, string? pattern)
    {
        Names = names;
        Pattern = pattern;
        if (pattern is not null && !IsAllLinear)
        {
            try
            {
                // re.fullmatch: the whole path, nothing more. The pattern comes from a downloaded adapter_config.json,
                // so it is matched in linear time: a backtracking matcher hangs (or times out) on "(a+)+b".
                _regex = new Regex(
                    $"^(?:{pattern})\\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{pattern}' is not a valid regular expression: {e.Message}", e);
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException(
                    $"'{pattern}' uses a construct the linear-time matcher lacks (backreference, lookaround, atomic " +
                    $"group): {e.Message}", e);
            }
        }
    }

    /// <summary>The list form, or null for the string form.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The string form (a full-match regular expression or "all-linear"), or null for the list form.</summary>
    public string? Pattern { get; }

    /// <summary>True for the "all-linear" shorthand.</summary>
    public bool IsAllLinear =>
        Pattern is not null && Pattern.Equals(AllLinearShorthand, StringComparison.OrdinalIgnoreCase);

    /// <summary>A list of module names, each matched exactly or as the last dotted components of a path.</summary>
    public static ModulePattern Of(params string[] names)
    {
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("module names must be non-empty", nameof(names));
            }
        }
        return new ModulePattern([.. names], null);
    }

    /// <summary>A regular expression that must match the whole module path (PEFT's string form).</summary>
    public static ModulePattern Regex(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        return new ModulePattern(null, pattern);
    }

    /// <summary>Every Linear layer except the output layer <c>lm_head</c>.</summary>
    public static ModulePattern AllLinear { get; } = new(null, AllLinearShorthand);

    /// <summary>
    /// True when <paramref name="path"/> matches: list form, <c>path == name</c> or <c>path.EndsWith("." + name)</c>;
    /// string form, a full regex match. "all-linear" must be expanded first.
    /// </summary>
    public bool Matches(string path)
    {
        if (IsAllLinear)
        {
            throw new InvalidOperationException("'all-linear' must be expanded against a model before matching");
        }
        if (_regex is not null)
        {
            return _regex.IsMatch(path);
        }
        foreach (var name in Names!)
        {
            if (path == name || (path.Length > name.Length && path.EndsWith(name, StringComparison.Ordinal)
                && path[path.Length - name.Length - 1] == '.'))
            {
                return true;
            }
        }
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern ?? "[" + string.Join(", ", Names!) + "]";
}
