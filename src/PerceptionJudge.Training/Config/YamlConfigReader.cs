using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PerceptionJudge.Training.Config;

/// <summary>
/// Reads a YAML config, or the value of a <c>--set</c> override, with YamlDotNet's event parser into the
/// <see cref="ConfigNode"/> tree, keeping each node's line. All of YAML's syntax is read: block and flow collections
/// (<c>[a, b]</c>, <c>{n: 8}</c>), quoted scalars with escapes, block scalars (<c>|</c>, <c>&gt;</c>), comments,
/// anchors and aliases. Refused, each with its line, because a config never needs them and they hide mistakes or
/// attacks: tags (<c>!!str</c>), a second document, keys that are not scalars, lists inside lists, duplicate keys,
/// nesting deeper than <see cref="MaxDepth"/>, and aliases expanding to more than <see cref="MaxAliasNodes"/> nodes
/// in all (a "billion laughs" document). Plain scalars follow the YAML 1.2 core schema: empty, <c>null</c> and
/// <c>~</c> are null, <c>true</c>/<c>false</c> are booleans, the rest keep their text for the binder. A syntax error
/// is a <see cref="TrainingException"/> with the line, the column and YamlDotNet's message.
/// </summary>
internal sealed class YamlConfigReader
{
    /// <summary>The most nodes that aliases may add to a document, all aliases together.</summary>
    public const int MaxAliasNodes = 10_000;

    /// <summary>The deepest a node may nest (the top mapping is level 1; a setting's value is level 3).</summary>
    public const int MaxDepth = 32;

    private const string NestedInList = "list items must be scalars (nested lists and mappings are not settings)";

    private readonly IParser _parser;
    private readonly ConfigSource _source;
    private readonly Dictionary<string, (ConfigNode Node, int Size)> _anchors = new(StringComparer.Ordinal);
    private int _aliasNodes;

    private YamlConfigReader(string text, ConfigSource source)
    {
        _parser = new Parser(new StringReader(text));
        _source = source;
    }

    /// <summary>Parses a whole config file; an empty document is an empty mapping.</summary>
    public static MapNode Parse(string text, ConfigSource source)
    {
        ConfigNode? root = new YamlConfigReader(text, source).ReadDocument();
        return root switch
        {
            null or ScalarNode { Kind: ScalarKind.Null } => new MapNode([], 1),
            MapNode map => map,
            ScalarNode scalar => throw source.Error(scalar.Line,
                $"a config is a mapping of 'key: value' entries; found the value '{scalar.Text}' at the top"),
            _ => throw source.Error(root.Line, "a config is a mapping of 'key: value' entries; found a list at the top"),
        };
    }

    /// <summary>Parses the right of <c>key=</c>: a scalar, a flow list or a flow mapping; empty text is null.</summary>
    public static ConfigNode ParseValue(string text, ConfigSource source) =>
        new YamlConfigReader(text, source).ReadDocument() ?? new ScalarNode("", ScalarKind.Null, 0);

    /// <summary>The stream's only document, or null for a stream without one (empty or only comments).</summary>
    private ConfigNode? ReadDocument()
    {
        try
        {
            _parser.Consume<StreamStart>();
            if (_parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }
            _parser.Consume<DocumentStart>();
            ConfigNode root = ReadNode(1).Node;
            _parser.Consume<DocumentEnd>();
            if (_parser.Current is DocumentStart second)
            {
                throw Error(second.Start, "a second YAML document ('---'); a config file holds exactly one");
            }
            _parser.Consume<StreamEnd>();
            return root;
        }
        catch (YamlException e)
        {
            int? line = _source.HasLines ? (int)e.Start.Line : null;
            throw new TrainingException(_source.Name, $"invalid YAML at column {e.Start.Column}: {e.Message}", line, e);
        }
        catch (InvalidOperationException e) when (e.TargetSite?.Module.Assembly == typeof(Parser).Assembly)
        {
            // YamlDotNet 18.1.0's scanner throws this on some malformed plain scalars (found by the train-config
            // fuzz target) instead of a YamlException; it is still the input's fault.
            Mark after = _parser.Current?.Start ?? Mark.Empty;
            throw new TrainingException(_source.Name,
                $"invalid YAML after column {after.Column}: YamlDotNet could not scan the text here ({e.Message})",
                _source.HasLines && after.Line > 0 ? (int)after.Line : null, e);
        }
    }

    /// <summary>
    /// Reads the node at the parser's current event and remembers it under its anchor, if any. Size counts the
    /// nodes the value stands for once aliases are expanded (the alias bound's measure).
    /// </summary>
    private (ConfigNode Node, int Size) ReadNode(int depth)
    {
        ParsingEvent current = _parser.Current!;
        if (depth > MaxDepth)
        {
            throw Error(current.Start, $"nesting deeper than {MaxDepth} levels; config sections nest only a few");
        }
        if (current is NodeEvent { Tag.IsEmpty: false } tagged)
        {
            throw Error(current.Start, $"the tag '{tagged.Tag.Value}' is not supported in a config; " +
                "remove it (quote a value to make it a string)");
        }
        (ConfigNode Node, int Size) read = current switch
        {
            AnchorAlias alias => Resolve(alias),
            Scalar scalar => (ReadScalar(scalar), 1),
            SequenceStart start => ReadSequence(start, depth),
            MappingStart start => ReadMapping(start, depth),
            _ => throw new InvalidOperationException($"YamlDotNet gave {current} where a node was expected"),
        };
        if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            _anchors[anchored.Anchor.Value] = read;
        }
        return read;
    }

    private ScalarNode ReadScalar(Scalar scalar)
    {
        _parser.MoveNext();
        int line = Line(scalar.Start);
        if (scalar.Style != ScalarStyle.Plain)
        {
            return new ScalarNode(scalar.Value, ScalarKind.Quoted, line);
        }
        return scalar.Value switch
        {
            "" or "null" or "Null" or "NULL" or "~" => new ScalarNode("", ScalarKind.Null, line),
            "true" or "True" or "TRUE" => new ScalarNode("true", ScalarKind.Bool, line),
            "false" or "False" or "FALSE" => new ScalarNode("false", ScalarKind.Bool, line),
            string text => new ScalarNode(text, ScalarKind.Plain, line),
        };
    }

    private (ConfigNode Node, int Size) ReadSequence(SequenceStart start, int depth)
    {
        _parser.MoveNext();
        var items = new List<ScalarNode>();
        int size = 1;
        while (!_parser.TryConsume<SequenceEnd>(out _))
        {
            ParsingEvent item = _parser.Current!;
            if (item is SequenceStart or MappingStart)
            {
                throw Error(item.Start, NestedInList);
            }
            (ConfigNode node, int itemSize) = ReadNode(depth + 1);
            items.Add(node as ScalarNode ?? throw Error(item.Start, NestedInList));
            size += itemSize;
        }
        return (new ListNode(items, Line(start.Start)), size);
    }

    private (ConfigNode Node, int Size) ReadMapping(MappingStart start, int depth)
    {
        _parser.MoveNext();
        var entries = new List<MapEntry>();
        int size = 1;
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            if (_parser.Current is not Scalar key)
            {
                throw Error(_parser.Current!.Start,
                    "keys must be scalars such as 'lr'; a list, mapping or alias cannot be a key");
            }
            ReadNode(depth + 1);
            (ConfigNode value, int valueSize) = ReadNode(depth + 1);
            MapNode.AddUnique(entries, new MapEntry(key.Value, value, Line(key.Start)), _source);
            size += 1 + valueSize;
        }
        return (new MapNode(entries, Line(start.Start)), size);
    }

    /// <summary>The anchored node an alias names, counted against <see cref="MaxAliasNodes"/>.</summary>
    private (ConfigNode Node, int Size) Resolve(AnchorAlias alias)
    {
        _parser.MoveNext();
        string name = alias.Value.Value;
        if (!_anchors.TryGetValue(name, out (ConfigNode Node, int Size) anchored))
        {
            throw Error(alias.Start, $"the alias '*{name}' names no anchor '&{name}' defined before it");
        }
        if (anchored.Size > MaxAliasNodes - _aliasNodes)
        {
            throw Error(alias.Start, $"aliases expand to more than {MaxAliasNodes} nodes in all (a \"billion " +
                "laughs\" document?); write the values out instead of nesting aliases");
        }
        _aliasNodes += anchored.Size;
        return anchored;
    }

    private int Line(Mark mark) => _source.HasLines ? (int)mark.Line : 0;

    private TrainingException Error(Mark mark, string message) => _source.Error(Line(mark), message);
}
