using System.Globalization;
using System.Reflection;
using System.Text;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// Binds a <see cref="MapNode"/> onto a config record by reflection: each public settable (init) property is the
/// key <c>snake_case(Name)</c>; a property whose type is a class (other than string and lists) is a nested section.
/// Leaves: int, ulong, double (finite), bool, string, IReadOnlyList&lt;string&gt;. Records are immutable, so binding
/// copies each section it changes and leaves the input untouched. An unknown key or a wrong type is a
/// <see cref="TrainingException"/> naming the key path, the source and line, and the closest valid key.
/// </summary>
internal static class ConfigBinder
{
    private static readonly MethodInfo s_memberwiseClone =
        typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;

    /// <summary>A copy of <paramref name="target"/> with the keys of <paramref name="map"/> set.</summary>
    public static T Bind<T>(T target, MapNode map, ConfigSource source)
        where T : class =>
        (T)BindSection(typeof(T), target, map, "", source, typeof(T));

    /// <summary>The settings of <paramref name="type"/> in declaration order: key, property, is it a section.</summary>
    public static IEnumerable<(string Key, PropertyInfo Property, bool IsSection)> Settings(Type type)
    {
        foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.CanWrite && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            {
                yield return (SnakeCase(p.Name), p, IsSection(p.PropertyType));
            }
        }
    }

    /// <summary>Every key path of <paramref name="type"/> (sections and leaves), as <c>rollout.top_p</c>.</summary>
    public static IEnumerable<string> KeyPaths(Type type, string prefix = "")
    {
        foreach ((string key, PropertyInfo property, bool isSection) in Settings(type))
        {
            yield return prefix + key;
            if (isSection)
            {
                foreach (string child in KeyPaths(property.PropertyType, prefix + key + "."))
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>PascalCase → snake_case: TopP → top_p, ClipRatioC → clip_ratio_c, Beta1 → beta1.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool acronymEnd = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length &&
                    char.IsLower(name[i + 1]);
                if (afterLowerOrDigit || acronymEnd)
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The valid key path of <paramref name="root"/> closest to <paramref name="path"/>: the least Levenshtein
    /// distance over whole paths, or over last segments plus 1 (so <c>top_p</c> at the top finds <c>rollout.top_p</c>).
    /// </summary>
    public static string ClosestKey(Type root, string path)
    {
        string best = "";
        int bestDistance = int.MaxValue;
        string leaf = path[(path.LastIndexOf('.') + 1)..];
        foreach (string candidate in KeyPaths(root))
        {
            string candidateLeaf = candidate[(candidate.LastIndexOf('.') + 1)..];
            int d = Math.Min(Levenshtein(path, candidate), Levenshtein(leaf, candidateLeaf) + 1);
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }
        return best;
    }

    private static bool IsSection(Type t) =>
        t.IsClass && t != typeof(string) && t != typeof(IReadOnlyList<string>) && !t.IsArray;

    private static object BindSection(Type type, object current, MapNode map, string prefix, ConfigSource source,
        Type root)
    {
        object copy = s_memberwiseClone.Invoke(current, null)!;
        foreach (MapEntry entry in map.Entries)
        {
            string path = prefix + entry.Key;
            (string Key, PropertyInfo Property, bool IsSection) setting =
                Settings(type).FirstOrDefault(s => s.Key == entry.Key);
            if (setting.Property is null)
            {
                throw source.Error(entry.Line,
                    $"unknown key '{path}'; did you mean '{ClosestKey(root, path)}'?");
            }
            if (setting.IsSection)
            {
                if (entry.Value is not MapNode child)
                {
                    string example = Settings(setting.Property.PropertyType).First().Key;
                    throw source.Error(entry.Line,
                        $"'{path}' is a section; give its keys (for example '{path}.{example}'), not a value");
                }
                Type sectionType = setting.Property.PropertyType;
                object section = setting.Property.GetValue(copy) ?? Activator.CreateInstance(sectionType)!;
                setting.Property.SetValue(copy, BindSection(sectionType, section, child, path + ".", source, root));
            }
            else
            {
                object value = ConvertLeaf(setting.Property.PropertyType, entry.Value, entry.Line, path, source);
                setting.Property.SetValue(copy, value);
            }
        }
        return copy;
    }

    private static object ConvertLeaf(Type type, ConfigNode node, int line, string path, ConfigSource source)
    {
        string expected = Describe(type);
        if (type == typeof(IReadOnlyList<string>))
        {
            if (node is not ListNode list)
            {
                throw source.Error(line, $"'{path}' expects {expected}, got {Shown(node)}");
            }
            var items = new string[list.Items.Count];
            for (int i = 0; i < items.Length; i++)
            {
                if (list.Items[i].Kind == ScalarKind.Null)
                {
                    throw source.Error(list.Items[i].Line, $"'{path}' item {i} is null; expects a string");
                }
                items[i] = list.Items[i].Text;
            }
            return items;
        }
        if (node is not ScalarNode { Kind: not ScalarKind.Null } scalar)
        {
            throw source.Error(line, $"'{path}' expects {expected}, got {Shown(node)}");
        }
        bool bare = scalar.Kind is ScalarKind.Plain or ScalarKind.Number;
        object? value = type switch
        {
            _ when type == typeof(string) => scalar.Text,
            _ when type == typeof(bool) => scalar.Kind == ScalarKind.Bool ? scalar.Text == "true" : null,
            _ when type == typeof(int) => bare && int.TryParse(scalar.Text, NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out int i) ? i : null,
            _ when type == typeof(ulong) => bare && ulong.TryParse(scalar.Text, NumberStyles.None,
                CultureInfo.InvariantCulture, out ulong u) ? u : null,
            _ when type == typeof(double) => bare && double.TryParse(scalar.Text, NumberStyles.Float,
                CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : null,
            _ => throw new InvalidOperationException($"config setting '{path}' has the unsupported type {type}"),
        };
        return value ?? throw source.Error(line, $"'{path}' expects {expected}, got {Shown(node)}");
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) => "an integer",
        _ when type == typeof(ulong) => "a non-negative integer",
        _ when type == typeof(double) => "a finite number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "a string",
        _ => "a list such as [a, b]",
    };

    private static string Shown(ConfigNode node) => node switch
    {
        ScalarNode { Kind: ScalarKind.Null } => "no value (null)",
        ScalarNode { Kind: ScalarKind.Quoted } s => $"the string \"{s.Text}\"",
        ScalarNode s => $"'{s.Text}'",
        ListNode => "a list",
        _ => "a mapping",
    };

    /// <summary>Edit distance (insert, delete, substitute each 1), two-row dynamic programme.</summary>
    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
