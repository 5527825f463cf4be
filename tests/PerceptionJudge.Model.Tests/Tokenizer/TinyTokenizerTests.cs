using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Tokenizer;

/// <summary>The built-in demo vocabulary and the Decode(Encode(s)) == s property.</summary>
[TestFixture]
public sealed class TinyTokenizerTests
{
    // Code-point ranges the generator draws from: ASCII, controls, Latin-1, combining marks, Cyrillic, CJK, Hangul,
    // emoji (astral), astral CJK, and the added-token texts themselves.
    private static readonly (int Lo, int Hi)[] s_ranges =
    [
        (0x20, 0x7E), (0x09, 0x0D), (0xA0, 0xFF), (0x300, 0x36F), (0x400, 0x4FF), (0x4E00, 0x9FFF),
        (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0x10FF00, 0x10FFFF),
    ];

    [Test]
    public void Tiny_HasBytesMergesAndSpecialTokens()
    {
        var tokenizer = TokenizerLoader.For("tiny");
        var merges = tokenizer.Definition.Merges.Count;
        Assert.Multiple(() =>
        {
            Assert.That(merges, Is.InRange(50, TinyVocabulary.MaxMerges));
            Assert.That(tokenizer.TokenToId(TinyVocabulary.EndOfText), Is.EqualTo(256 + merges));
            Assert.That(tokenizer.TokenToId(TinyVocabulary.Image), Is.EqualTo(256 + merges + 3));
            Assert.That(tokenizer.VocabSize, Is.EqualTo(256 + merges + 4));
            Assert.That(tokenizer.Encode("A"), Is.EqualTo(new[] { 65 }), "byte tokens have id = byte value");
        });
    }

    [Test]
    public void Tiny_CompressesSceneTextAndMatchesSpecials()
    {
        var tokenizer = TokenizerLoader.For("tiny");
        const string prompt = "<|im_start|>user\n<image>How many red circles are there in the image?<|im_end|>";
        var ids = tokenizer.Encode(prompt);
        var image = tokenizer.TokenToId(TinyVocabulary.Image)!.Value;
        Assert.Multiple(() =>
        {
            Assert.That(ids.Length, Is.LessThan(prompt.Length / 3), "merges shorten corpus-like text");
            Assert.That(ids.Count(id => id == image), Is.EqualTo(1));
            Assert.That(ids[0], Is.EqualTo(tokenizer.TokenToId(TinyVocabulary.ImStart)));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(prompt));
            Assert.That(tokenizer.Decode(ids, skipSpecialTokens: true), Does.StartWith("user\nHow many"));
        });
    }

    [Test]
    public void Decode_OfAnIdPastTheVocabulary_ThrowsOrSkipsAsHfDoes()
    {
        var tokenizer = TokenizerLoader.For("tiny");
        int[] ids = [.. tokenizer.Encode("two"), 1_000_000];
        var e = Assert.Throws<PerceptionJudge.Model.ModelException>(() => tokenizer.Decode(ids));
        Assert.That(e!.Message, Does.Contain("id 1000000 is not in the vocabulary"));
        Assert.That(tokenizer.Decode(ids, skipUnknownIds: true), Is.EqualTo("two"));
    }

    [Test]
    public void Tiny_IsDeterministicAndSurvivesJsonRoundTrip()
    {
        var first = TinyVocabulary.Build();
        var second = TinyVocabulary.Build();
        var json = first.ToJson();
        Assert.That(second.ToJson(), Is.EqualTo(json));
        var reloaded = TokenizerLoader.FromJson(json);
        const string text = "Is the blue star to the left of the purple star? 猫 🙂 <image>";
        Assert.That(reloaded.Encode(text), Is.EqualTo(first.Encode(text)));
        Assert.That(reloaded.ToJson(), Is.EqualTo(json));
    }

    [Test]
    public void Property_DecodeInvertsEncodeOnRandomUnicode()
    {
        var tokenizer = TokenizerLoader.For("tiny");
        Prop.ForAll<(int Range, int Offset, bool Special)[]>(draws =>
        {
            var text = Build(draws);
            return tokenizer.Decode(tokenizer.Encode(text)) == text;
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Property_HandWrittenTokenizerRoundTripsItsAlphabet()
    {
        var tokenizer = TokenizerLoader.FromJson(HandWrittenTokenizerTests.Json());
        Prop.ForAll<byte[]>(picks =>
        {
            var text = new string((picks ?? []).Select(p => "helo wrd"[p % 8]).ToArray());
            return tokenizer.Decode(tokenizer.Encode(text)) == text;
        }).QuickCheckThrowOnFailure();
    }

    private static string Build((int Range, int Offset, bool Special)[] draws)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (range, offset, special) in draws ?? [])
        {
            if (special && offset % 5 == 0)
            {
                text.Append(TinyVocabulary.SpecialTokens[(offset & 0x7FFFFFFF) % 4]);
                continue;
            }
            var (lo, hi) = s_ranges[(range & 0x7FFFFFFF) % s_ranges.Length];
            var codePoint = lo + (int)((uint)offset % (uint)(hi - lo + 1));
            text.Append(char.ConvertFromUtf32(codePoint));
        }
        return text.ToString();
    }
}
