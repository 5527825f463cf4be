using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Tokenizer;

/// <summary>A tokenizer.json small enough to run BPE by hand; expected ids are worked out in the comments.</summary>
[TestFixture]
public sealed class HandWrittenTokenizerTests
{
    // Vocab: h0 e1 l2 o3 Ġ4 w5 r6 d7, then the merge results he8 ll9 hell10 hello11 Ġw12 or13 (rank = merge index).
    internal const string Vocab =
        "{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"Ġ\":4,\"w\":5,\"r\":6,\"d\":7," +
        "\"he\":8,\"ll\":9,\"hell\":10,\"hello\":11,\"Ġw\":12,\"or\":13}";

    internal const string StringMerges = "[\"h e\",\"l l\",\"he ll\",\"hell o\",\"Ġ w\",\"o r\"]";

    internal static string Json(string merges = StringMerges, string vocab = Vocab, string? pre = null) =>
        "{\"version\":\"1.0\",\"added_tokens\":[" +
        "{\"id\":100,\"content\":\"<|endoftext|>\",\"special\":true}," +
        "{\"id\":101,\"content\":\"<image>\",\"special\":false}]," +
        "\"normalizer\":{\"type\":\"NFC\"}," +
        "\"pre_tokenizer\":" + (pre ?? "{\"type\":\"Sequence\",\"pretokenizers\":[" +
            "{\"type\":\"Split\",\"pattern\":{\"Regex\":" + JsonString(BpeDefinition.Qwen2Pattern) + "}," +
            "\"behavior\":\"Isolated\",\"invert\":false}," +
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}]}") + "," +
        "\"decoder\":{\"type\":\"ByteLevel\"}," +
        "\"model\":{\"type\":\"BPE\",\"unk_token\":null,\"vocab\":" + vocab + ",\"merges\":" + merges + "}}";

    private static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    [Test]
    public void Encode_MergesByRank()
    {
        var tokenizer = TokenizerLoader.FromJson(Json());
        // "hello": h e l l o → (h,e) r0 → he l l o → (l,l) r1 → he ll o → (he,ll) r2 → hell o
        //   → (hell,o) r3 → hello = 11.
        // " world": Ġ w o r l d → (Ġ,w) r4 → Ġw o r l d → (o,r) r5 → Ġw or l d = 12 13 2 7.
        Assert.That(tokenizer.Encode("hello world"), Is.EqualTo(new[] { 11, 12, 13, 2, 7 }));
        // "hell": he l l → he ll → hell = 10; "oh" has no merge: o h = 3 0.
        Assert.That(tokenizer.Encode("hell"), Is.EqualTo(new[] { 10 }));
        Assert.That(tokenizer.Encode("oh"), Is.EqualTo(new[] { 3, 0 }));
    }

    [Test]
    public void Encode_PairMergesEqualStringMerges()
    {
        const string pairs =
            "[[\"h\",\"e\"],[\"l\",\"l\"],[\"he\",\"ll\"],[\"hell\",\"o\"],[\"Ġ\",\"w\"],[\"o\",\"r\"]]";
        var a = TokenizerLoader.FromJson(Json());
        var b = TokenizerLoader.FromJson(Json(pairs));
        Assert.That(b.Encode("hello world hello"), Is.EqualTo(a.Encode("hello world hello")));
    }

    [Test]
    public void Encode_MatchesAddedTokensFirst()
    {
        var tokenizer = TokenizerLoader.FromJson(Json());
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Encode("hello<|endoftext|><image>hello"), Is.EqualTo(new[] { 11, 100, 101, 11 }));
            Assert.That(tokenizer.TokenToId("<image>"), Is.EqualTo(101));
            Assert.That(tokenizer.IdToToken(12), Is.EqualTo("Ġw"));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(102));
        });
    }

    [Test]
    public void Decode_InvertsEncodeAndSkipsSpecialTokens()
    {
        var tokenizer = TokenizerLoader.FromJson(Json());
        int[] ids = [11, 100, 12, 13, 2, 7, 101];
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Decode(ids), Is.EqualTo("hello<|endoftext|> world<image>"));
            Assert.That(tokenizer.Decode(ids, skipSpecialTokens: true), Is.EqualTo("hello world<image>"));
            var e = Assert.Throws<ModelException>(() => tokenizer.Decode([55]));
            Assert.That(e!.Item, Is.EqualTo("ids"));
        });
    }

    [Test]
    public void Encode_ThrowsForByteWithoutTokenAndNoUnk()
    {
        var tokenizer = TokenizerLoader.FromJson(Json(), "hand.json");
        var e = Assert.Throws<ModelException>(() => tokenizer.Encode("hi"));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo("hand.json"));
            Assert.That(e.Item, Is.EqualTo("model.vocab"));
        });
    }

    [Test]
    public void Load_ReadsFileAndFolder()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), Json());
        var fromFolder = TokenizerLoader.Load(folder.Path);
        var fromFile = TokenizerLoader.Load(folder.File("tokenizer.json"));
        Assert.That(fromFolder.Encode("hello world"), Is.EqualTo(fromFile.Encode("hello world")));
        Assert.That(fromFile.Normalizer, Is.EqualTo("NFC"));
    }

    [Test]
    public void Load_ThrowsForMissingFile()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ModelException>(() => TokenizerLoader.Load(folder.Path));
        Assert.That(e!.File, Does.EndWith("tokenizer.json"));
    }

    [TestCase("\"model\":{\"type\":\"BPE\"", "\"model\":{\"type\":\"WordPiece\"", "model.type")]
    [TestCase("\"merges\":[\"h e\"", "\"merges\":[\"h x\"", "model.merges[0]")]
    [TestCase("\"merges\":[\"h e\"", "\"merges\":[\"h e l\"", "model.merges[0]")]
    [TestCase("\"merges\":[\"h e\"", "\"merges\":[7", "model.merges[0]")]
    [TestCase("\"merges\":" + StringMerges, "\"merges\":{}", "model.merges")]
    [TestCase("\"h\":0,", "\"h\":-1,", "model.vocab")]
    [TestCase("\"e\":1,", "\"e\":0,", "model.vocab")]
    [TestCase("\"e\":1,", "\"e\":2000000000,", "model.vocab")]
    [TestCase("\"unk_token\":null", "\"unk_token\":\"<unk>\"", "model.unk_token")]
    [TestCase("\"content\":\"<image>\"", "\"contents\":\"<image>\"", "added_tokens[1].content")]
    [TestCase("{\"id\":101,", "{\"id\":\"x\",", "added_tokens[1].id")]
    [TestCase("{\"id\":101,", "{\"id\":100,", "added_tokens[1].id")]
    [TestCase("{\"id\":101,", "{\"id\":3,", "added_tokens[1].id")]
    [TestCase("\"special\":true", "\"special\":1", "added_tokens[0].special")]
    [TestCase("{\"type\":\"NFC\"}", "{\"type\":\"Lowercase\"}", "normalizer.type")]
    [TestCase("\"behavior\":\"Isolated\"", "\"behavior\":\"Removed\"", "pre_tokenizer.pretokenizers[0].behavior")]
    [TestCase("{\"type\":\"ByteLevel\",", "{\"type\":\"Whitespace\",", "pre_tokenizer.pretokenizers[1].type")]
    [TestCase("\"add_prefix_space\":false", "\"add_prefix_space\":true", "pre_tokenizer.pretokenizers[1].add_prefix_space")]
    [TestCase("\"special\":true", "\"special\":true,\"lstrip\":true", "added_tokens[0].lstrip")]
    [TestCase("\"unk_token\":null", "\"unk_token\":null,\"ignore_merges\":true", "model.ignore_merges")]
    [TestCase(
        "\"pretokenizers\":[",
        "\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"},",
        "pre_tokenizer")]
    [TestCase("\"vocab\":", "\"vocabulary\":", "model.vocab")]
    public void FromJson_ThrowsNamingTheField(string find, string replace, string field)
    {
        var json = Json();
        Assert.That(json, Does.Contain(find), "test setup");
        var e = Assert.Throws<ModelException>(
            () => TokenizerLoader.FromJson(json.Replace(find, replace), "bad.json"));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo("bad.json"));
            Assert.That(e.Item, Is.EqualTo(field));
            Assert.That(e.Message, Does.StartWith($"bad.json: '{field}':"));
        });
    }

    [Test]
    public void FromJson_ThrowsForMissingSections()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Item("{}"), Is.EqualTo("model"));
            Assert.That(Item("{\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]}}"), Is.EqualTo("pre_tokenizer"));
            const string splitOnly = "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Isolated\"}";
            Assert.That(Item(Json(pre: splitOnly)),
                Is.EqualTo("pre_tokenizer"));
            Assert.That(Item("{\"model\":"), Is.Null);
            Assert.That(Item("[1]"), Is.Null);
        });
    }

    private static string? Item(string json) =>
        Assert.Throws<ModelException>(() => TokenizerLoader.FromJson(json))!.Item;
}
