using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Config;

[TestFixture]
public sealed class YamlSubsetTests
{
    private static readonly ConfigSource Source = new("t.yaml", HasLines: true);

    [Test]
    public void Parse_ScalarsOfEveryKind()
    {
        MapNode root = YamlSubset.Parse("""
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
        MapNode root = YamlSubset.Parse("a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", Source);
        var a = (MapNode)root.Entries[0].Value;
        var b = (MapNode)a.Entries[0].Value;
        Assert.That(b.Entries[0], Is.EqualTo(new MapEntry("c", new ScalarNode("1", ScalarKind.Plain, 3), 3)));
        Assert.That(a.Entries[1].Line, Is.EqualTo(4));
        Assert.That(root.Entries[1].Key, Is.EqualTo("e"));
    }

    [Test]
    public void Parse_EmptyAndCommentOnlyDocumentsAreEmpty()
    {
        Assert.That(YamlSubset.Parse("", Source).Entries, Is.Empty);
        Assert.That(YamlSubset.Parse("# nothing\n\n   # here\n", Source).Entries, Is.Empty);
    }

    [TestCase("a:\n\tb: 1\n", 2, "tabs are not allowed")]
    [TestCase("a: &x 1\n", 1, "anchors, aliases, tags and block scalars are outside the supported YAML subset")]
    [TestCase("a: *x\n", 1, "outside the supported YAML subset")]
    [TestCase("a: !!str 1\n", 1, "outside the supported YAML subset")]
    [TestCase("a: |\n  text\n", 1, "outside the supported YAML subset")]
    [TestCase("a: {b: 1}\n", 1, "flow mappings {...} are outside the supported YAML subset")]
    [TestCase("a:\n  - b: 1\n", 2, "list items must be scalars")]
    [TestCase("a:\n  - - 1\n", 2, "list items must be scalars")]
    [TestCase("a: 1\n  b: 2\n", 2, "unexpected indentation: 'a' already has the value on its line")]
    [TestCase("a:\n    b: 1\n  c: 2\n", 3, "inconsistent indentation")]
    [TestCase("a: 1\na: 2\n", 2, "duplicate key 'a' (first at line 1)")]
    [TestCase("just text\n", 1, "expected 'key: value', got 'just text'")]
    [TestCase("a: b: c\n", 1, "a plain value may not contain ': '; quote it")]
    [TestCase("a: \"open\n", 1, "unterminated quoted string")]
    [TestCase("a: \"x\" y\n", 1, "unexpected text after the quoted value")]
    [TestCase("a: [x, y\n", 1, "expected ',' or ']' in list")]
    [TestCase("a: [x, ]\n", 1, "empty item in list")]
    [TestCase("a: [x] y\n", 1, "unexpected text after the list")]
    [TestCase("\"a\": 1\n", 1, "keys must be plain words")]
    [TestCase("a b: 1\n", 1, "key 'a b' has the character ' '")]
    [TestCase("a: 1\n---\nb: 2\n", 2, "document markers and directives are outside the supported YAML subset")]
    [TestCase("  a: 1\n", 1, "the first key must not be indented")]
    [TestCase("- a\n", 1, "a list item where a 'key: value' was expected")]
    [TestCase("a: \"\\q\"\n", 1, "unsupported escape '\\q'")]
    public void Parse_OutsideTheSubset_FailsWithTheLine(string yaml, int line, string message)
    {
        var e = Assert.Throws<TrainingException>(() => YamlSubset.Parse(yaml, Source));
        Assert.That(e!.Line, Is.EqualTo(line));
        Assert.That(e.Message, Does.StartWith($"t.yaml:{line}: "));
        Assert.That(e.Message, Does.Contain(message));
    }
}
