using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Tokenizer;

/// <summary>
/// A GPT-2-style byte-level BPE written for these tests (Fixture/: the 256 byte tokens with id = byte value, 68
/// merges, ids 256.. in merge order, and four added tokens 324..327), once as vocab.json + merges.txt +
/// added_tokens.json and once as the equivalent tokenizer.json, loaded through <see cref="TokenizerLoader.For"/>.
/// </summary>
[TestFixture]
public sealed class ModelFolderTokenizerTests
{
    private const string Multilingual =
        "Hello world, the cat sat.\n\n\tCafé über año Straße — 10€ 猫と犬 日本 🙂😀 👩‍👩‍👧  trailing   \r\n x";

    private static readonly string s_fixture = SourceFiles.Find(Path.Combine("Tokenizer", "Fixture"));

    /// <summary>A copy of the fixture holding only <paramref name="files"/>.</summary>
    private static TempFolder Folder(params string[] files)
    {
        var folder = new TempFolder();
        foreach (var name in files)
        {
            File.Copy(Path.Combine(s_fixture, name), folder.File(name));
        }

        return folder;
    }

    private static (PerceptionJudge.Model.Tokenizer.Tokenizer Json, PerceptionJudge.Model.Tokenizer.Tokenizer Slow)
        Both()
    {
        using var json = Folder("tokenizer.json");
        using var slow = Folder("vocab.json", "merges.txt", "added_tokens.json");
        return (TokenizerLoader.For(json.Path), TokenizerLoader.For(slow.Path));
    }

    [Test]
    public void BothLayouts_GiveTheSameIdsAndDecodeBack()
    {
        var (json, slow) = Both();
        var ids = json.Encode(Multilingual);
        Assert.Multiple(() =>
        {
            Assert.That(json.Source, Does.EndWith("tokenizer.json"));
            Assert.That(slow.Source, Does.EndWith("vocab.json"));
            Assert.That(slow.Encode(Multilingual), Is.EqualTo(ids));
            Assert.That(json.Decode(ids), Is.EqualTo(Multilingual));
            Assert.That(slow.Decode(ids), Is.EqualTo(Multilingual));
            // Each merged character (é, 猫, 🙂, ...) is one token, so ids are fewer than UTF-8 bytes.
            Assert.That(ids.Length, Is.LessThan(System.Text.Encoding.UTF8.GetByteCount(Multilingual) * 3 / 4));
            Assert.That(json.Encode("猫🙂é"), Has.Length.EqualTo(3));
            Assert.That(json.VocabSize, Is.EqualTo(328));
        });
    }

    [Test]
    public void SpecialTokens_AreSingleIds()
    {
        var (json, slow) = Both();
        const string prompt = "<|im_start|>user\n<|image_pad|><|image_pad|>What is it?<|im_end|><|endoftext|>";
        var ids = json.Encode(prompt);
        Assert.Multiple(() =>
        {
            Assert.That(slow.Encode(prompt), Is.EqualTo(ids));
            Assert.That(ids[0], Is.EqualTo(325));
            Assert.That(ids.Count(id => id == 327), Is.EqualTo(2));
            Assert.That(ids[^2..], Is.EqualTo(new[] { 326, 324 }));
            Assert.That(json.Chat, Is.EqualTo(new ChatTokens(324, 325, 326, ChatTokens.ImagePad, 327)));
            Assert.That(json.Decode(ids), Is.EqualTo(prompt));
            Assert.That(json.Decode(ids, skipSpecialTokens: true), Is.EqualTo("user\nWhat is it?"));
        });
    }

    [Test]
    public void Encode_MergesByRank_WorkedByHand()
    {
        // Ranks: 0 "h e"→he 256, 1 "Ġ t"→Ġt 257, 2 "a t"→at 258, 3 "c at"→cat 259, 4 "Ġ c"→Ġc 260,
        // 5 "Ġt he"→Ġthe 261, 14 "Ġ s"→Ġs 270. GPT-2's regex splits "the", " cat", " sat", " the".
        // "the": t h e → (h,e) r0 → t he; no merge (t,he) → 116 256.
        // " cat": Ġ c a t → (a,t) r2 beats (Ġ,c) r4 → Ġ c at → (c,at) r3 beats (Ġ,c) r4 → Ġ cat → 32 259.
        // " sat": Ġ s a t → (a,t) r2 → Ġ s at → (Ġ,s) r14 → Ġs at → 270 258.
        // " the": Ġ t h e → (h,e) r0 beats (Ġ,t) r1 → Ġ t he → (Ġ,t) r1 → Ġt he → (Ġt,he) r5 → Ġthe 261.
        var (json, slow) = Both();
        int[] expected = [116, 256, 32, 259, 270, 258, 261];
        Assert.That(json.Encode("the cat sat the"), Is.EqualTo(expected));
        Assert.That(slow.Encode("the cat sat the"), Is.EqualTo(expected));
    }

    [Test]
    public void For_PicksPresetTokenizerJsonOrTheTinyVocabularyByConfig()
    {
        using var nano = new TempFolder();
        ModelConfigJson.Save(ModelConfig.Nano, nano.File("config.json"));
        using var other = new TempFolder();
        ModelConfigJson.Save(ModelConfig.Nano with { VocabSize = 512 }, other.File("config.json"));
        var tiny = TinyVocabulary.Create();
        Assert.Multiple(() =>
        {
            Assert.That(TokenizerLoader.For("nano"), Is.SameAs(tiny));
            Assert.That(TokenizerLoader.For("tiny"), Is.SameAs(tiny));
            Assert.That(TokenizerLoader.For(nano.Path), Is.SameAs(tiny));
            var e = Assert.Throws<ModelException>(() => TokenizerLoader.For(other.Path));
            Assert.That(e!.Message, Does.Contain("has no tokenizer.json").And.Contain("vocab_size 512"));
            Assert.That(TokenizerLoader.For(Path.Combine(s_fixture, "tokenizer.json")).Chat.ImageId, Is.EqualTo(327));
            Assert.Throws<ModelException>(() => TokenizerLoader.For(nano.File("missing")));
        });
    }

    [TestCase("merges.txt", "c at\n", "c at x\n", "line 5")]
    [TestCase("merges.txt", "c at\n", "c xy\n", "line 5")]
    [TestCase("vocab.json", "\"cat\": 259", "\"cat\": -3", "vocab")]
    [TestCase("vocab.json", "\"cat\": 259", "\"cat\": 258", "vocab")]
    [TestCase("vocab.json", "{", "[", null)]
    [TestCase("added_tokens.json", "\"<|im_end|>\": 326", "\"<|im_end|>\": 325", "<|im_end|>.id")]
    public void SlowFiles_ThrowNamingFileAndItem(string file, string find, string replace, string? item)
    {
        using var folder = Folder("vocab.json", "merges.txt", "added_tokens.json");
        var text = File.ReadAllText(folder.File(file));
        Assert.That(text, Does.Contain(find), "test setup");
        File.WriteAllText(folder.File(file), text.Replace(find, replace));
        var e = Assert.Throws<ModelException>(() => TokenizerLoader.For(folder.Path));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Does.EndWith(file));
            Assert.That(e.Item, Is.EqualTo(item));
        });
    }
}
