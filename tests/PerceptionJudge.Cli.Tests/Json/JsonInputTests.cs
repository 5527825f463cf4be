using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Cli.Json;

namespace PerceptionJudge.Cli.Tests.Json;

[TestFixture]
public sealed class JsonInputTests
{
    private static CliInputException Fails(string json, Action<JsonInput> read) =>
        Assert.Throws<CliInputException>(() => read(JsonInput.Parse(json)))!;

    [Test]
    public void Matrix_ReadsRowMajorWithShape()
    {
        var m = JsonInput.Parse("""{"x": [[1, 2.5, -3], [4e-3, 0, 6]]}""").Matrix("x");
        Assert.That((m.Rows, m.Cols), Is.EqualTo((2, 3)));
        Assert.That(m.Data, Is.EqualTo(new[] { 1f, 2.5f, -3f, 4e-3f, 0f, 6f }));
    }

    [Test]
    public void Matrix_EmptyHasZeroShape()
    {
        var m = JsonInput.Parse("""{"x": []}""").Matrix("x");
        Assert.That((m.Rows, m.Cols, m.Data.Length), Is.EqualTo((0, 0, 0)));
    }

    [Test]
    public void Matrix_ThrowsForRaggedRows()
    {
        var e = Fails("""{"response_mask": [[1, 1], [1, 1], [1]]}""", i => i.Matrix("response_mask"));
        Assert.That((e.Field, e.Row), Is.EqualTo(("response_mask", (int?)2)));
        Assert.That(e.Message, Does.StartWith("response_mask[2]: row has 1 columns, expected 2"));
    }

    [Test]
    public void Matrix_ThrowsForShapeOtherThanExpected()
    {
        var rows = Fails("""{"log_prob": [[1], [2]]}""", i => i.Matrix("log_prob", rows: 3, cols: 1));
        Assert.That(rows.Message, Is.EqualTo("log_prob: expected 3 rows, got 2"));
        var cols = Fails("""{"log_prob": [[1], [2]]}""", i => i.Matrix("log_prob", rows: 2, cols: 2));
        Assert.That((cols.Field, cols.Row), Is.EqualTo(("log_prob", (int?)0)));
    }

    [Test]
    public void Matrix_AcceptsNamedFloatLiterals()
    {
        var m = JsonInput.Parse("""{"x": [["NaN", "Infinity", "-Infinity", 1]]}""").Matrix("x");
        Assert.That(float.IsNaN(m.Data[0]), Is.True);
        Assert.That(m.Data[1..], Is.EqualTo(new[] { float.PositiveInfinity, float.NegativeInfinity, 1f }));
    }

    [Test]
    public void Matrix_NumbersBeyondRangeBecomeInfinities()
    {
        var m = JsonInput.Parse("""{"x": [[1e400, -1e400, 1e39]]}""").Matrix("x");
        float inf = float.PositiveInfinity;
        Assert.That(m.Data, Is.EqualTo(new[] { inf, -inf, inf }));
        Assert.That(JsonInput.Parse("""{"x": [1e400]}""").DoubleVector("x")[0], Is.EqualTo(double.PositiveInfinity));
    }

    [TestCase("""{"x": [[1, "abc"]]}""", "x[0]: column 1: expected a number, got the string \"abc\"")]
    [TestCase("""{"x": [[1], [true]]}""", "x[1]: column 0: expected a number, got true")]
    [TestCase("""{"x": [[1], 2]}""", "x[1]: expected a row array, got the number 2")]
    [TestCase("""{"x": {"a": 1}}""", "x: expected an array, got an object")]
    [TestCase("""{"y": [[1]]}""", "x: missing required field")]
    [TestCase("""{"x": null}""", "x: missing required field")]
    public void Matrix_ThrowsNamingFieldRowAndColumn(string json, string message)
    {
        Assert.That(Fails(json, i => i.Matrix("x")).Message, Is.EqualTo(message));
    }

    [Test]
    public void Parse_ThrowsForMalformedJsonAndNonObjects()
    {
        Assert.That(Assert.Throws<CliInputException>(() => JsonInput.Parse("{\"x\": [1,"))!.Message,
            Does.StartWith("input: invalid JSON: "));
        Assert.That(Assert.Throws<CliInputException>(() => JsonInput.Parse("[1, 2]"))!.Message,
            Is.EqualTo("input: expected a JSON object, got an array"));
    }

    /// <summary>System.Text.Json counts lines from 0; the message counts them as editors do.</summary>
    [Test]
    public void Parse_NamesTheOneBasedLineOfMalformedJson()
    {
        string message = Assert.Throws<CliInputException>(() => JsonInput.Parse("{\n  \"x\": [1,\n  2,,\n]}"))!.Message;
        Assert.That(message, Does.StartWith("input: invalid JSON: ").And.EndWith(" (line 3, byte 5)"));
        Assert.That(message, Does.Not.Contain("LineNumber"));
    }

    /// <summary>Python's json.dumps writes bare NaN, Infinity and -Infinity; inside strings they stay text.</summary>
    [Test]
    public void Parse_AcceptsPythonsBareNonFiniteLiterals()
    {
        var input = JsonInput.Parse("""
            {"x": [[NaN, Infinity], [-Infinity, 1]], "s": "NaN, \"Infinity\" and -Infinity", "k": -1}
            """);
        var m = input.Matrix("x");
        Assert.That(float.IsNaN(m.Data[0]), Is.True);
        Assert.That(m.Data[1..], Is.EqualTo(new[] { float.PositiveInfinity, float.NegativeInfinity, 1f }));
        Assert.That(input.String("s"), Is.EqualTo("NaN, \"Infinity\" and -Infinity"));
        Assert.That(Assert.Throws<CliInputException>(() => JsonInput.Parse("""{"x": NaNa}"""))!.Message,
            Does.StartWith("input: invalid JSON: "));
    }

    [Test]
    public void Tensor3_ReadsAndThrowsForRaggedVocab()
    {
        var t = JsonInput.Parse("""{"logits": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}""").Tensor3("logits");
        Assert.That((t.Rows, t.Cols, t.Depth), Is.EqualTo((2, 2, 2)));
        Assert.That(t.Data, Is.EqualTo(Enumerable.Range(1, 8).Select(v => (float)v).ToArray()));
        var e = Fails("""{"logits": [[[1, 2]], [[3]]]}""", i => i.Tensor3("logits"));
        Assert.That((e.Field, e.Row), Is.EqualTo(("logits", (int?)1)));
        Assert.That(e.Message, Does.Contain("position 0 has 1 logits, expected 2"));
    }

    [Test]
    public void IntMatrix_ReadsTokenIdsAndNamesBadRows()
    {
        var input = JsonInput.Parse(
            """{"labels": [[0, 3], [2, 1]], "bad": [[0, 1], [2, 1.5]], "short": [[0, 1], [2]]}""");
        Assert.That(input.IntMatrix("labels", 2, 2), Is.EqualTo(new[] { 0, 3, 2, 1 }));
        Assert.That(Assert.Throws<CliInputException>(() => input.IntMatrix("bad", 2, 2))!.Message,
            Is.EqualTo("bad[1]: column 1: expected an integer, got the number 1.5"));
        Assert.That(Assert.Throws<CliInputException>(() => input.IntMatrix("short", 2, 2))!.Message,
            Is.EqualTo("short[1]: row has 1 columns, expected 2"));
        Assert.That(Assert.Throws<CliInputException>(() => input.IntMatrix("labels", 3, 2))!.Message,
            Is.EqualTo("labels: expected 3 rows, got 2"));
    }

    [Test]
    public void Index_MapsInterleavedStringAndIntegerIdsToGroups()
    {
        var strings = JsonInput.Parse("""{"index": ["b", "a", "b", "c", "a"]}""").Index("index", 5);
        Assert.That(strings.GroupOf.ToArray(), Is.EqualTo(new[] { 0, 1, 0, 2, 1 }));
        var ints = JsonInput.Parse("""{"index": [7, 3, 7, 3]}""").Index("index", 4);
        Assert.That(ints.GroupOf.ToArray(), Is.EqualTo(new[] { 0, 1, 0, 1 }));
    }

    [TestCase("""{"index": ["a", 1]}""", "index[1]: ids mix strings and integers")]
    [TestCase("""{"index": ["a", 1.5]}""", "index[1]: expected a string or integer id, got the number 1.5")]
    [TestCase("""{"index": ["a", null]}""", "index[1]: expected a string or integer id, got null")]
    [TestCase("""{"index": ["a"]}""", "index: expected 2 ids (one per row), got 1")]
    public void Index_ThrowsNamingRow(string json, string message)
    {
        Assert.That(Fails(json, i => i.Index("index", 2)).Message, Is.EqualTo(message));
    }

    [Test]
    public void Scalars_UseDefaultsAndRejectWrongTypesAndNonFinite()
    {
        var input = JsonInput.Parse(
            """{"epsilon": 1e-4, "norm": false, "mode": "k3", "clip": "NaN", "n": 2.5, "flag": 1}""");
        Assert.That(input.Float("epsilon", 1e-6f), Is.EqualTo(1e-4f));
        Assert.That(input.Float("gamma", 1f), Is.EqualTo(1f));
        Assert.That(input.OptionalFloat("clip_ratio_low"), Is.Null);
        Assert.That(input.Bool("norm", true), Is.False);
        Assert.That(input.String("mode"), Is.EqualTo("k3"));
        Assert.That(input.String("other", "x"), Is.EqualTo("x"));
        Assert.That(Assert.Throws<CliInputException>(() => input.Float("clip", 0f))!.Message,
            Is.EqualTo("clip: value NaN is not finite"));
        Assert.That(Assert.Throws<CliInputException>(() => input.Int("n", 0))!.Message,
            Is.EqualTo("n: expected an integer, got the number 2.5"));
        Assert.That(Assert.Throws<CliInputException>(() => input.Bool("flag", true))!.Message,
            Is.EqualTo("flag: expected true or false, got the number 1"));
        Assert.That(Assert.Throws<CliInputException>(() => input.String("epsilon"))!.Message,
            Is.EqualTo("epsilon: expected a string, got the number 1e-4"));
    }

    [Test]
    public void Vector_ThrowsForWrongLength()
    {
        var input = JsonInput.Parse("""{"rewards": [1, 2, 3]}""");
        Assert.That(input.FloatVector("rewards"), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(Assert.Throws<CliInputException>(() => input.FloatVector("rewards", 4))!.Message,
            Is.EqualTo("rewards: expected 4 elements, got 3"));
    }

    [Test]
    public void RejectUnknown_NamesTheFieldAndListsValidOnes()
    {
        var input = JsonInput.Parse("""{"x": 1, "loss_agg": "token-mean"}""");
        var e = Assert.Throws<CliInputException>(() => input.RejectUnknown(["x", "loss_agg_mode"]))!;
        Assert.That(e.Message, Is.EqualTo("loss_agg: unknown field; valid fields: x, loss_agg_mode"));
    }

    [Test]
    public void Matrix_RoundTripsThroughOutputBitExactly()
    {
        Prop.ForAll(
                Gen.Choose(0, 4).SelectMany(rows => Gen.Choose(1, 5).SelectMany(cols =>
                    ArbMap.Default.GeneratorFor<float>().ArrayOf(rows * cols).Select(d => (rows, cols, d))))
                    .ToArbitrary(),
                c =>
                {
                    var json = new System.Text.Json.Nodes.JsonObject
                    {
                        ["x"] = JsonOutput.Matrix(c.d, c.rows, c.cols),
                    };
                    var back = JsonInput.Parse(JsonOutput.Compact(json)).Matrix("x", c.rows, c.cols);
                    // NaN payloads are not kept (NaN is written as the string "NaN"); every other bit pattern is.
                    return back.Data.Zip(c.d).All(p => float.IsNaN(p.Second)
                        ? float.IsNaN(p.First)
                        : BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
                })
            .QuickCheckThrowOnFailure();
    }
}
