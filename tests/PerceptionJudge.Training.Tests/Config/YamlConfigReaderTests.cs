using System.Diagnostics;
using System.Text;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

[TestFixture]
public sealed class YamlConfigReaderTests
{
    private static readonly ConfigSource Source = new("t.yaml", HasLines: true);

    [Test]
    public void Parse_ScalarsOfEveryKind()
    {
        MapNode root = YamlConfigReader.Parse("""
            ---
            a: plain text
            b: "esc \"q\" \u00e9 \n"
            c: 'it''s'
            d: -12
            e: true
            f: ~
            g:
            h: [x, 'y, z', "w"]
            i: []
            """, Source);
        var values = root.Entries.ToDictionary(e => e.Key, e => e.Value);
        Assert.Multiple(() =>
        {
            Assert.That(values["a"], Is.EqualTo(new ScalarNode("plain text", ScalarKind.Plain, 2)));
            Assert.That(((ScalarNode)values["b"]).Text, Is.EqualTo("esc \"q\" é \n"));
            Assert.That(((ScalarNode)values["c"]).Text, Is.EqualTo("it's"));
            Assert.That(values["d"], Is.EqualTo(new ScalarNode("-12", ScalarKind.Plain, 5)));
            Assert.That(((ScalarNode)values["e"]).Kind, Is.EqualTo(ScalarKind.Bool));
            Assert.That(((ScalarNode)values["f"]).Kind, Is.EqualTo(ScalarKind.Null));
            Assert.That(((ScalarNode)values["g"]).Kind, Is.EqualTo(ScalarKind.Null));
            Assert.That(((ListNode)values["h"]).Items.Select(s => s.Text), Is.EqualTo(new[] { "x", "y, z", "w" }));
            Assert.That(((ListNode)values["i"]).Items, Is.Empty);
        });
    }

    [Test]
    public void Parse_NestedBlocksKeepTheirLines()
    {
        MapNode root = YamlConfigReader.Parse("a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", Source);
        var a = (MapNode)root.Entries[0].Value;
        var b = (MapNode)a.Entries[0].Value;
        Assert.That(b.Entries[0], Is.EqualTo(new MapEntry("c", new ScalarNode("1", ScalarKind.Plain, 3), 3)));
        Assert.That(a.Entries[1].Line, Is.EqualTo(4));
        Assert.That(root.Entries[1].Key, Is.EqualTo("e"));
    }

    [Test]
    public void Parse_EmptyAndCommentOnlyDocumentsAreEmpty()
    {
        Assert.That(YamlConfigReader.Parse("", Source).Entries, Is.Empty);
        Assert.That(YamlConfigReader.Parse("# nothing\n\n   # here\n", Source).Entries, Is.Empty);
        Assert.That(YamlConfigReader.Parse("---\n...\n", Source).Entries, Is.Empty);
    }

    [Test]
    public void Parse_FlowMappingsBlockScalarsAndQuotedKeys()
    {
        MapNode root = YamlConfigReader.Parse("""
            a: {b: 1, "c d": [x, y,]}
            lit: |
              one
              two
            fold: >-
              one
              two
            'q': "\t\u0041"
            """, Source);
        var a = (MapNode)root.Entries[0].Value;
        Assert.Multiple(() =>
        {
            Assert.That(a.Entries.Select(e => e.Key), Is.EqualTo(new[] { "b", "c d" }));
            Assert.That(((ListNode)a.Entries[1].Value).Items.Select(s => s.Text), Is.EqualTo(new[] { "x", "y" }));
            Assert.That(root.Entries[1].Value, Is.EqualTo(new ScalarNode("one\ntwo\n", ScalarKind.Quoted, 2)));
            Assert.That(root.Entries[2].Value, Is.EqualTo(new ScalarNode("one two", ScalarKind.Quoted, 5)));
            Assert.That(root.Entries[3].Key, Is.EqualTo("q"));
            Assert.That(((ScalarNode)root.Entries[3].Value).Text, Is.EqualTo("\tA"));
        });
    }

    [Test]
    public void Parse_AliasesShareTheAnchoredNode()
    {
        MapNode root = YamlConfigReader.Parse("a: &base {n: 8}\nb: *base\nc: &s text\nd: [*s, *s]\n", Source);
        Assert.Multiple(() =>
        {
            Assert.That(root.Entries[1].Value, Is.SameAs(root.Entries[0].Value));
            Assert.That(((ListNode)root.Entries[3].Value).Items.Select(s => s.Text), Is.EqualTo(new[] { "text", "text" }));
        });
    }

    [Test]
    public void Parse_BillionLaughs_IsRefusedWithoutExpanding()
    {
        // Nine levels of ten aliases each would stand for 10^9 leaves.
        var yaml = new StringBuilder("l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1}\n");
        for (int level = 1; level <= 9; level++)
        {
            string children = string.Join(", ", "abcdefghij".Select(k => $"{k}: *l{level - 1}"));
            yaml.Append($"l{level}: &l{level} {{{children}}}\n");
        }
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<TrainingException>(() => YamlConfigReader.Parse(yaml.ToString(), Source));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(e!.Message, Does.StartWith("t.yaml:4: aliases expand to more than 10000 nodes in all"));
        Assert.That(e.Message, Does.Contain("billion laughs"));
    }

    [Test]
    public void Parse_AliasesUnderTheBound_AreAllowed()
    {
        var yaml = new StringBuilder("l0: &l0 [a, b, c, d, e, f, g, h, i, j]\n");
        for (int i = 1; i <= 900; i++)
        {
            yaml.Append($"k{i}: *l0\n");
        }
        Assert.That(YamlConfigReader.Parse(yaml.ToString(), Source).Entries, Has.Count.EqualTo(901));
    }

    [Test]
    public void Parse_DeepNesting_IsRefusedAtTheBound()
    {
        string flow = "a: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "1" + new string('}', 100_000);
        var e = Assert.Throws<TrainingException>(() => YamlConfigReader.Parse(flow, Source));
        Assert.That(e!.Message, Does.StartWith("t.yaml:1: nesting deeper than 32 levels"));

        string block = string.Concat(Enumerable.Range(0, 40).Select(i => new string(' ', i) + "k:\n"));
        e = Assert.Throws<TrainingException>(() => YamlConfigReader.Parse(block, Source));
        Assert.That(e!.Line, Is.EqualTo(32), "line n's mapping is level n; its key one deeper: 33 at line 32");
    }

    [TestCase("a: *x\n", 1, "the alias '*x' names no anchor '&x' defined before it")]
    [TestCase("a: !!str 1\n", 1, "the tag 'tag:yaml.org,2002:str' is not supported in a config")]
    [TestCase("a: !local 1\n", 1, "the tag '!local' is not supported")]
    [TestCase("a:\n  - b: 1\n", 2, "list items must be scalars")]
    [TestCase("a:\n  - - 1\n", 2, "list items must be scalars")]
    [TestCase("a: &m {b: 1}\nc: [*m]\n", 2, "list items must be scalars")]
    [TestCase("a: 1\na: 2\n", 2, "duplicate key 'a' (first at line 1)")]
    [TestCase("a:\n  b: 1\n  c: 2\n  b: 3\n", 4, "duplicate key 'b' (first at line 2)")]
    [TestCase("a: {b: 1,\n  b: 2}\n", 2, "duplicate key 'b' (first at line 1)")]
    [TestCase("just text\n", 1, "a config is a mapping of 'key: value' entries; found the value 'just text'")]
    [TestCase("- a\n", 1, "a config is a mapping of 'key: value' entries; found a list at the top")]
    [TestCase("a: 1\n---\nb: 2\n", 2, "a second YAML document ('---'); a config file holds exactly one")]
    [TestCase("? [a]\n: 1\n", 1, "keys must be scalars such as 'lr'")]
    [TestCase("a: &k b\n*k : 1\n", 2, "keys must be scalars such as 'lr'")]
    public void Parse_RefusedConstructs_FailWithTheLine(string yaml, int line, string message)
    {
        var e = Assert.Throws<TrainingException>(() => YamlConfigReader.Parse(yaml, Source));
        Assert.That(e!.Line, Is.EqualTo(line));
        Assert.That(e.Message, Does.StartWith($"t.yaml:{line}: "));
        Assert.That(e.Message, Does.Contain(message));
    }

    [TestCase("a: [x, y\n", 2, 1, "did not find expected ',' or ']'")]
    [TestCase("a: 1\n  b: 2\n", 2, 4, "found invalid mapping")]
    [TestCase("a: b: c\n", 1, 5, "found invalid mapping")]
    [TestCase("a: \"\\q\"\n", 1, 4, "found unknown escape character")]
    [TestCase("a: \"open\n", 1, 4, "found unexpected end of stream")]
    public void Parse_SyntaxError_NamesLineColumnAndYamlDotNetsMessage(string yaml, int line, int column,
        string message)
    {
        var e = Assert.Throws<TrainingException>(() => YamlConfigReader.Parse(yaml, Source));
        Assert.That(e!.Line, Is.EqualTo(line));
        Assert.That(e.Message, Does.StartWith($"t.yaml:{line}: invalid YAML at column {column}: "));
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(e.InnerException, Is.InstanceOf<YamlDotNet.Core.YamlException>());
    }

    [Test]
    public void ParseValue_ReadsOneInlineValueWithoutLines()
    {
        var source = new ConfigSource("override", HasLines: false);
        Assert.Multiple(() =>
        {
            Assert.That(YamlConfigReader.ParseValue(" 8 ", source), Is.EqualTo(new ScalarNode("8", ScalarKind.Plain, 0)));
            Assert.That(YamlConfigReader.ParseValue("", source), Is.EqualTo(new ScalarNode("", ScalarKind.Null, 0)));
            Assert.That(((ListNode)YamlConfigReader.ParseValue("[a, 'b']", source)).Items.Select(s => s.Text),
                Is.EqualTo(new[] { "a", "b" }));
            Assert.That(((MapNode)YamlConfigReader.ParseValue("{n: 8}", source)).Entries.Single().Key, Is.EqualTo("n"));
        });
        var e = Assert.Throws<TrainingException>(() => YamlConfigReader.ParseValue("{n: 1, n: 2}", source));
        Assert.That(e!.Message, Is.EqualTo("override: duplicate key 'n' (given twice)"));
        Assert.That(e.Line, Is.Null);
    }
}
