using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Tokenizer;

/// <summary>
/// The Qwen2 and GPT-2 split regexes as Microsoft.ML.Tokenizers' RegexPreTokenizer applies them (what
/// <see cref="PerceptionJudge.Model.Tokenizer.Tokenizer"/> runs), and the GPT-2 byte table, against hand-derived pieces.
/// </summary>
[TestFixture]
public sealed class PreTokenizerTests
{
    private static List<string> Split(string pattern, string text) =>
        new RegexPreTokenizer(new Regex(pattern), null).PreTokenize(text)
            .Select(p => text.Substring(p.Offset, p.Length)).ToList();

    [Test]
    public void Qwen2_SplitsAsTheRegexPrescribes()
    {
        // "  foo": \s+(?!\S) backtracks to one space (the next char is a space), so the second space leads " foo".
        // Digits split one by one; "\n\n" is \s*[\r\n]+; "'S" is a contraction in any case; "!!" a punctuation run.
        var pieces = Split(BpeDefinition.Qwen2Pattern, "Hello world'S 123  foo\n\nbar!!");
        Assert.That(pieces, Is.EqualTo(new[]
        {
            "Hello", " world", "'S", " ", "1", "2", "3", " ", " foo", "\n\n", "bar", "!!",
        }));
    }

    [Test]
    public void Qwen2_KeepsSurrogatePairsWholeAndCoversTheText()
    {
        const string text = "猫が🙂🙂 好き\U00020000x 😀!";
        var pieces = Split(BpeDefinition.Qwen2Pattern, text);
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(pieces), Is.EqualTo(text));
            Assert.That(pieces, Has.Some.EqualTo("🙂🙂"));
            foreach (var piece in pieces)
            {
                Assert.That(char.IsLowSurrogate(piece[0]), Is.False, piece);
                Assert.That(char.IsHighSurrogate(piece[^1]), Is.False, piece);
            }
        });
    }

    [Test]
    public void ByteLevel_MatchesGpt2Table()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ByteLevel.ToChar((byte)'!'), Is.EqualTo('!'));
            Assert.That(ByteLevel.ToChar((byte)' '), Is.EqualTo('Ġ'));   // U+0120: 256 + 32
            Assert.That(ByteLevel.ToChar((byte)'\n'), Is.EqualTo('Ċ'));  // U+010A: 256 + 10
            Assert.That(ByteLevel.ToChar(0x7F), Is.EqualTo('\u0121'));   // 33 bytes 0..32 come first
            Assert.That(ByteLevel.ToChar(0xAD), Is.EqualTo('\u0143'));   // the 68th and last remapped byte
            Assert.That(ByteLevel.ToChar(0xE9), Is.EqualTo('é'));
            Assert.That(ByteLevel.Encode(" hi"u8), Is.EqualTo("Ġhi"));
            var all = Enumerable.Range(0, 256).Select(b => ByteLevel.ToChar((byte)b)).ToHashSet();
            Assert.That(all, Has.Count.EqualTo(256));
            Assert.That(ByteLevel.TryToByte('Ġ', out var space) && space == (byte)' ', Is.True);
            Assert.That(ByteLevel.TryToByte(' ', out _), Is.False);
        });
    }

    [Test]
    public void Gpt2_KeepsTheLeadingSpaceWithTheWord()
    {
        // "  world": \s+(?!\S) backtracks to one space, so the second space leads " world"; digits run together.
        Assert.That(Split(BpeDefinition.Gpt2Pattern, "hello  world 42's"),
            Is.EqualTo(new[] { "hello", " ", " world", " 42", "'s" }));
    }
}
