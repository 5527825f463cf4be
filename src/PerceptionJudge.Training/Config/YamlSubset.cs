using System.Globalization;
using System.Text;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// A parser for the YAML subset a training config needs: block mappings nested by indentation (spaces only), scalars
/// (plain, "double" or 'single' quoted, numbers, true/false, null/~), flow lists <c>[a, b]</c>, block lists
/// <c>- a</c>, and <c>#</c> comments. Anything else (anchors, tags, block scalars, flow mappings, lists of mappings,
/// multiple documents) is rejected with its line, never guessed at.
/// </summary>
internal static class YamlSubset
{
    private readonly record struct Line(int Number, int Indent, string Content);

    /// <summary>Parses a whole document; an empty document is an empty mapping.</summary>
    public static MapNode Parse(string text, ConfigSource source)
    {
        List<Line> lines = SplitLines(text, source);
        int pos = 0;
        if (lines.Count == 0)
        {
            return new MapNode([], 1);
        }
        if (lines[0].Indent != 0)
        {
            throw source.Error(lines[0].Number, "the first key must not be indented");
        }
        MapNode root = ParseMapping(lines, ref pos, 0, source);
        if (pos < lines.Count)
        {
            throw source.Error(lines[pos].Number, "unexpected indentation");
        }
        return root;
    }

    /// <summary>Parses one inline value (a scalar or a flow list): the right of <c>key:</c> or <c>key=</c>.</summary>
    public static ConfigNode ParseValue(string text, int line, ConfigSource source)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return new ScalarNode("", ScalarKind.Null, line);
        }
        if (text[0] == '[')
        {
            return ParseFlowList(text, line, source);
        }
        if (text[0] == '{')
        {
            throw source.Error(line,
                "flow mappings {...} are outside the supported YAML subset; use an indented block");
        }
        return ParseScalar(text, line, source);
    }

    private static List<Line> SplitLines(string text, ConfigSource source)
    {
        var lines = new List<Line>();
        string[] raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < raw.Length; i++)
        {
            int number = i + 1;
            string content = StripComment(raw[i]).TrimEnd();
            int indent = 0;
            while (indent < content.Length && content[indent] == ' ')
            {
                indent++;
            }
            if (indent < content.Length && content[indent] == '\t')
            {
                throw source.Error(number, "tabs are not allowed in indentation; use spaces");
            }
            content = content[indent..];
            if (content.Length == 0)
            {
                continue;
            }
            if (content == "---" && lines.Count == 0)
            {
                continue;
            }
            if (content.StartsWith("---", StringComparison.Ordinal) ||
                content.StartsWith("...", StringComparison.Ordinal) || content[0] == '%')
            {
                throw source.Error(number, "document markers and directives are outside the supported YAML subset");
            }
            lines.Add(new Line(number, indent, content));
        }
        return lines;
    }

    /// <summary>Cuts a <c>#</c> comment that starts the line or follows whitespace, outside quotes.</summary>
    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || line[i - 1] is ' ' or '\t'))
            {
                return line[..i];
            }
        }
        return line;
    }

    private static bool IsListItem(Line line) =>
        line.Content == "-" || line.Content.StartsWith("- ", StringComparison.Ordinal);

    private static MapNode ParseMapping(List<Line> lines, ref int pos, int indent, ConfigSource source)
    {
        var entries = new List<MapEntry>();
        int firstLine = lines[pos].Number;
        while (pos < lines.Count && lines[pos].Indent == indent)
        {
            Line line = lines[pos];
            if (IsListItem(line))
            {
                throw source.Error(line.Number, "a list item where a 'key: value' was expected");
            }
            (string key, string rest) = SplitKey(line, source);
            pos++;
            ConfigNode value;
            if (rest.Length > 0)
            {
                value = ParseValue(rest, line.Number, source);
                if (pos < lines.Count && lines[pos].Indent > indent)
                {
                    throw source.Error(lines[pos].Number,
                        $"unexpected indentation: '{key}' already has the value on its line");
                }
            }
            else if (pos < lines.Count && lines[pos].Indent > indent)
            {
                value = IsListItem(lines[pos])
                    ? ParseBlockList(lines, ref pos, lines[pos].Indent, source)
                    : ParseMapping(lines, ref pos, lines[pos].Indent, source);
            }
            else if (pos < lines.Count && lines[pos].Indent == indent && IsListItem(lines[pos]))
            {
                value = ParseBlockList(lines, ref pos, indent, source);
            }
            else
            {
                value = new ScalarNode("", ScalarKind.Null, line.Number);
            }
            foreach (MapEntry seen in entries)
            {
                if (seen.Key == key)
                {
                    throw source.Error(line.Number, $"duplicate key '{key}' (first at line {seen.Line})");
                }
            }
            entries.Add(new MapEntry(key, value, line.Number));
        }
        if (pos < lines.Count && lines[pos].Indent > indent)
        {
            throw source.Error(lines[pos].Number, "inconsistent indentation");
        }
        return new MapNode(entries, firstLine);
    }

    private static (string Key, string Value) SplitKey(Line line, ConfigSource source)
    {
        string content = line.Content;
        if (content[0] is '"' or '\'' or '?' or '{' or '[' or '&' or '*' or '!')
        {
            throw source.Error(line.Number, "keys must be plain words (quoted keys, complex keys, anchors and tags " +
                "are outside the supported YAML subset)");
        }
        int colon = content.IndexOf(':', StringComparison.Ordinal);
        while (colon >= 0 && colon + 1 < content.Length && content[colon + 1] != ' ')
        {
            colon = content.IndexOf(':', colon + 1);
        }
        if (colon <= 0)
        {
            throw source.Error(line.Number, $"expected 'key: value', got '{content}'");
        }
        string key = content[..colon].TrimEnd();
        foreach (char c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw source.Error(line.Number, $"key '{key}' has the character '{c}'; keys are letters, digits and _");
            }
        }
        return (key, content[(colon + 1)..].Trim());
    }

    private static ListNode ParseBlockList(List<Line> lines, ref int pos, int indent, ConfigSource source)
    {
        var items = new List<ScalarNode>();
        int firstLine = lines[pos].Number;
        while (pos < lines.Count && lines[pos].Indent == indent && IsListItem(lines[pos]))
        {
            Line line = lines[pos];
            string item = line.Content[1..].Trim();
            bool nested = item.Length == 0 || item[0] is '-' or '[' or '{';
            if (nested || (item[0] is not ('"' or '\'') && item.Contains(':')))
            {
                throw source.Error(line.Number, "list items must be scalars (empty items, nested lists and mappings " +
                    "in lists are outside the supported YAML subset)");
            }
            items.Add(ParseScalar(item, line.Number, source));
            pos++;
        }
        if (pos < lines.Count && lines[pos].Indent > indent)
        {
            throw source.Error(lines[pos].Number, "unexpected indentation inside a list");
        }
        return new ListNode(items, firstLine);
    }

    private static ListNode ParseFlowList(string text, int line, ConfigSource source)
    {
        var items = new List<ScalarNode>();
        int i = 1;
        SkipSpaces(text, ref i);
        if (i < text.Length && text[i] == ']')
        {
            i++;
        }
        else
        {
            while (true)
            {
                SkipSpaces(text, ref i);
                if (i >= text.Length)
                {
                    throw source.Error(line, $"unterminated list '{text}'");
                }
                if (text[i] is '"' or '\'')
                {
                    string value = ReadQuoted(text, ref i, line, source);
                    items.Add(new ScalarNode(value, ScalarKind.Quoted, line));
                }
                else
                {
                    int start = i;
                    while (i < text.Length && text[i] is not (',' or ']'))
                    {
                        if (text[i] is '[' or '{')
                        {
                            throw source.Error(line, "nested lists and mappings are outside the supported YAML subset");
                        }
                        i++;
                    }
                    string plain = text[start..i].Trim();
                    if (plain.Length == 0)
                    {
                        throw source.Error(line, $"empty item in list '{text}'");
                    }
                    items.Add(ParseScalar(plain, line, source));
                }
                SkipSpaces(text, ref i);
                if (i < text.Length && text[i] == ',')
                {
                    i++;
                    continue;
                }
                if (i < text.Length && text[i] == ']')
                {
                    i++;
                    break;
                }
                throw source.Error(line, $"expected ',' or ']' in list '{text}'");
            }
        }
        SkipSpaces(text, ref i);
        if (i != text.Length)
        {
            throw source.Error(line, $"unexpected text after the list: '{text[i..]}'");
        }
        return new ListNode(items, line);
    }

    private static void SkipSpaces(string text, ref int i)
    {
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
    }

    private static ScalarNode ParseScalar(string text, int line, ConfigSource source)
    {
        if (text[0] is '"' or '\'')
        {
            int i = 0;
            string value = ReadQuoted(text, ref i, line, source);
            if (i != text.Length)
            {
                throw source.Error(line, $"unexpected text after the quoted value: '{text[i..]}'");
            }
            return new ScalarNode(value, ScalarKind.Quoted, line);
        }
        if (text[0] is '&' or '*' or '!' or '|' or '>' or '@' or '`' or '{' or '}' or '[' or ']' or '%')
        {
            throw source.Error(line, $"'{text}': anchors, aliases, tags and block scalars are outside the supported " +
                "YAML subset; quote the value if it is a string");
        }
        if (text.Contains(": ", StringComparison.Ordinal) || text.EndsWith(':'))
        {
            throw source.Error(line, $"'{text}': a plain value may not contain ': '; quote it");
        }
        return text switch
        {
            "null" or "Null" or "NULL" or "~" => new ScalarNode("", ScalarKind.Null, line),
            "true" or "True" or "TRUE" => new ScalarNode("true", ScalarKind.Bool, line),
            "false" or "False" or "FALSE" => new ScalarNode("false", ScalarKind.Bool, line),
            _ => new ScalarNode(text, ScalarKind.Plain, line),
        };
    }

    /// <summary>Reads a quoted string starting at <paramref name="i"/>; leaves <paramref name="i"/> past it.</summary>
    private static string ReadQuoted(string text, ref int i, int line, ConfigSource source)
    {
        char quote = text[i++];
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            char c = text[i++];
            if (c == quote)
            {
                if (quote == '\'' && i < text.Length && text[i] == '\'')
                {
                    sb.Append('\'');
                    i++;
                    continue;
                }
                return sb.ToString();
            }
            if (c == '\\' && quote == '"')
            {
                sb.Append(ReadEscape(text, ref i, line, source));
                continue;
            }
            sb.Append(c);
        }
        throw source.Error(line, $"unterminated quoted string {text}");
    }

    private static string ReadEscape(string text, ref int i, int line, ConfigSource source)
    {
        if (i >= text.Length)
        {
            throw source.Error(line, "a backslash ends the line");
        }
        char e = text[i++];
        switch (e)
        {
            case '"' or '\\' or '/':
                return e.ToString();
            case 'n':
                return "\n";
            case 't':
                return "\t";
            case 'r':
                return "\r";
            case 'b':
                return "\b";
            case 'f':
                return "\f";
            case '0':
                return "\0";
            case 'u' when i + 4 <= text.Length && int.TryParse(text.AsSpan(i, 4), NumberStyles.AllowHexSpecifier,
                CultureInfo.InvariantCulture, out int code):
                i += 4;
                return ((char)code).ToString();
            default:
                throw source.Error(line, $"unsupported escape '\\{e}' in a double-quoted string");
        }
    }
}
