using System.Text.Json;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Training.Rollout;

namespace PerceptionJudge.Training.Tests.Rollout;

/// <summary>
/// The judge prompt in Qwen2-VL's chat template for a Qwen2-VL tokenizer (a byte-level tokenizer.json written here
/// with Qwen2-VL's special tokens at their real ids), and unchanged for the tiny vocabulary.
/// </summary>
[TestFixture]
public sealed class JudgePromptQwen2VLTests
{
    private static string s_dir = "";

    [OneTimeSetUp]
    public void Build()
    {
        s_dir = Path.Combine(Path.GetTempPath(), "pj-qwen2vl-prompt-" + Guid.NewGuid().ToString("N"));
        PpjdBuilder.BuildSynthetic(s_dir, 6, 11);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(s_dir, recursive: true);

    /// <summary>One token per byte (id = byte value), no merges, and Qwen2-VL's special tokens.</summary>
    private static Model.Tokenizer.Tokenizer Qwen2VLTokenizer()
    {
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevel.ToChar((byte)b).ToString(), b => b);
        (string, int)[] specials =
        [
            ("<|endoftext|>", 151643), ("<|im_start|>", 151644), ("<|im_end|>", 151645),
            ("<|vision_start|>", 151652), ("<|vision_end|>", 151653), ("<|image_pad|>", 151655),
            ("<|video_pad|>", 151656),
        ];
        var added = specials.Select(t => new Dictionary<string, object>
        {
            ["id"] = t.Item2,
            ["content"] = t.Item1,
            ["special"] = true,
        });
        var json = "{\"version\":\"1.0\",\"added_tokens\":" + JsonSerializer.Serialize(added) + "," +
            "\"normalizer\":{\"type\":\"NFC\"},\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[" +
            "{\"type\":\"Split\",\"pattern\":{\"Regex\":" + JsonSerializer.Serialize(BpeDefinition.Qwen2Pattern) +
            "},\"behavior\":\"Isolated\",\"invert\":false}," +
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}]}," +
            "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"unk_token\":null,\"vocab\":" +
            JsonSerializer.Serialize(vocab) + ",\"merges\":[]}}";
        return TokenizerLoader.FromJson(json, "qwen2vl-test.json");
    }

    [Test]
    public void Prompt_WithQwen2VLTokenizer_IsTheQwen2VLTemplate()
    {
        var r = PpjdManifest.Read(s_dir).First(x => x.Task == PpjdTask.Pair);
        var tokenizer = Qwen2VLTokenizer();
        string prompt = JudgePrompt.PromptFor(r, thinkPrefix: true, tokenizer.Chat, imageTokens: 3);
        string pads = "<|image_pad|><|image_pad|><|image_pad|>";
        string responses = string.Concat(r.Responses.Select((text, i) => $"{(char)('A' + i)}: {text}\n"));
        Assert.That(prompt, Is.EqualTo(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            $"<|im_start|>user\n<|vision_start|>{pads}<|vision_end|>{r.Question}\n" +
            $"{responses}{JudgePrompt.Instruction(r.Task)}<|im_end|>\n" +
            "<|im_start|>assistant\n<think>"));

        var ids = tokenizer.Encode(prompt);
        int start = Array.IndexOf(ids, 151652);
        Assert.Multiple(() =>
        {
            Assert.That(ids.Count(id => id == tokenizer.Chat.ImageId), Is.EqualTo(3));
            Assert.That(ids[(start + 1)..(start + 4)], Is.All.EqualTo(151655));
            Assert.That(ids[start + 4], Is.EqualTo(151653));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(prompt));
        });
    }

    [Test]
    public void DescribePrompt_WithQwen2VLTokenizer_WrapsTheImage()
    {
        var chat = Qwen2VLTokenizer().Chat;
        Assert.That(JudgePrompt.DescribePromptFor(2, chat), Is.EqualTo(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\n<|vision_start|><|image_pad|><|image_pad|><|vision_end|>Describe the image.<|im_end|>\n" +
            "<|im_start|>assistant\n"));
    }

    [Test]
    public void Prompt_WithTinyVocabulary_IsUnchanged()
    {
        var chat = TinyVocabulary.Create().Chat;
        foreach (var r in PpjdManifest.Read(s_dir))
        {
            foreach (bool think in new[] { false, true })
            {
                Assert.That(JudgePrompt.PromptFor(r, think, chat, imageTokens: 4, tagResponses: think),
                    Is.EqualTo(JudgePrompt.Prompt(r, think, imageTokens: 4, tagResponses: think)));
            }
        }

        Assert.That(JudgePrompt.DescribePromptFor(3, chat), Is.EqualTo(JudgePrompt.DescribePrompt(3)));
        Assert.That(JudgePrompt.DescribePrompt(1), Is.EqualTo(
            "<|im_start|>user\n<image>\nDescribe the image.<|im_end|>\n<|im_start|>assistant\n"));
    }
}
