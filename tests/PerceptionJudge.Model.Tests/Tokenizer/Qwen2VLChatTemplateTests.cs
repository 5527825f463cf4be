using System.Text.Json;
using PerceptionJudge.Model.Processing;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Tokenizer;

/// <summary>
/// Qwen2-VL's chat template text and image pad expansion, tokenized by a tokenizer.json written here: the 256
/// byte-level tokens (no merges) and Qwen2-VL's added tokens at their real ids.
/// </summary>
[TestFixture]
public sealed class Qwen2VLChatTemplateTests
{
    internal static readonly (string Content, int Id)[] Qwen2VLSpecials =
    [
        ("<|endoftext|>", 151643), ("<|im_start|>", 151644), ("<|im_end|>", 151645),
        ("<|vision_start|>", 151652), ("<|vision_end|>", 151653), ("<|vision_pad|>", 151654),
        ("<|image_pad|>", 151655), ("<|video_pad|>", 151656),
    ];

    /// <summary>A byte-level BPE with one token per byte (id = byte value) and Qwen2-VL's special tokens.</summary>
    internal static string Qwen2VLJson()
    {
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevel.ToChar((byte)b).ToString(), b => b);
        var added = Qwen2VLSpecials.Select(t => new Dictionary<string, object>
        {
            ["id"] = t.Id,
            ["content"] = t.Content,
            ["special"] = true,
        });
        var pattern = JsonSerializer.Serialize(BpeDefinition.Qwen2Pattern);
        return "{\"version\":\"1.0\",\"added_tokens\":" + JsonSerializer.Serialize(added) + "," +
            "\"normalizer\":{\"type\":\"NFC\"},\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[" +
            "{\"type\":\"Split\",\"pattern\":{\"Regex\":" + pattern + "},\"behavior\":\"Isolated\",\"invert\":false}," +
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}]}," +
            "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"unk_token\":null,\"vocab\":" +
            JsonSerializer.Serialize(vocab) + ",\"merges\":[]}}";
    }

    [Test]
    public void UserPrompt_IsTheJinjaTemplatesRendering()
    {
        // messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}],
        // add_generation_prompt=True: the default system turn is added because the first message is not a system one.
        Assert.That(Qwen2VLChatTemplate.UserPrompt("What is it?"), Is.EqualTo(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is it?<|im_end|>\n" +
            "<|im_start|>assistant\n"));
        Assert.That(Qwen2VLChatTemplate.UserPrompt("Q", images: 2, systemPrompt: "Judge.", addGenerationPrompt: false),
            Is.EqualTo("<|im_start|>system\nJudge.<|im_end|>\n<|im_start|>user\n" +
                "<|vision_start|><|image_pad|><|vision_end|><|vision_start|><|image_pad|><|vision_end|>Q<|im_end|>\n"));
    }

    [Test]
    public void ExpandImagePads_GivesEachImageItsTokenCount()
    {
        // Grids 1x4x6 (24 patches → 6 tokens) and 1x2x2 (4 patches → 1 token) with merge_size 2.
        var text = Qwen2VLChatTemplate.UserPrompt("Same?", images: 2);
        var expanded = Qwen2VLChatTemplate.ExpandImagePads(text, [new GridThw(1, 4, 6), new GridThw(1, 2, 2)], 2);
        string Pads(int n) => string.Concat(Enumerable.Repeat(ChatTokens.ImagePad, n));
        Assert.That(expanded, Is.EqualTo(text
            .Replace(Qwen2VLChatTemplate.ImagePlaceholder + Qwen2VLChatTemplate.ImagePlaceholder,
                "<|vision_start|>" + Pads(6) + "<|vision_end|><|vision_start|>" + Pads(1) + "<|vision_end|>")));
    }

    [TestCase(1, 2)]
    [TestCase(3, 2)]
    public void ExpandImagePads_ThrowsWhenPadsAndImagesDiffer(int pads, int images)
    {
        var text = string.Concat(Enumerable.Repeat(ChatTokens.ImagePad, pads));
        var grids = Enumerable.Repeat(new GridThw(1, 2, 2), images).ToList();
        var e = Assert.Throws<ModelException>(() => Qwen2VLChatTemplate.ExpandImagePads(text, grids, 2));
        Assert.That(e!.Message, Does.Contain("one placeholder per image"));
    }

    [Test]
    public void Tokenized_PadsAreSingleIdsAndRoundTrip()
    {
        var tokenizer = TokenizerLoader.FromJson(Qwen2VLJson(), "qwen2vl-test.json");
        var grid = new GridThw(1, 6, 4); // 24 patches → 6 image tokens
        var text = Qwen2VLChatTemplate.ExpandImagePads(Qwen2VLChatTemplate.UserPrompt("Hi"), [grid], 2);
        var ids = tokenizer.Encode(text);
        var chat = tokenizer.Chat;
        Assert.Multiple(() =>
        {
            Assert.That(chat, Is.EqualTo(new ChatTokens(151643, 151644, 151645, ChatTokens.ImagePad, 151655,
                151652, 151653, 151656)));
            Assert.That(chat.IsQwen2VL, Is.True);
            Assert.That(ids.Count(id => id == chat.ImageId), Is.EqualTo(6));
            int start = Array.IndexOf(ids, 151652);
            Assert.That(ids[(start + 1)..(start + 7)], Is.All.EqualTo(151655));
            Assert.That(ids[start + 7], Is.EqualTo(151653));
            Assert.That(ids[start + 8], Is.EqualTo((int)'H'));
            Assert.That(ids[0], Is.EqualTo(chat.ImStartId));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(text));
        });
    }

    [Test]
    public void TinyVocabulary_HasNoVisionMarkers()
    {
        var chat = TinyVocabulary.Create().Chat;
        Assert.Multiple(() =>
        {
            Assert.That(chat.IsQwen2VL, Is.False);
            Assert.That((chat.VisionStartId, chat.VisionEndId, chat.VideoPadId), Is.EqualTo(((int?)null, (int?)null, (int?)null)));
        });
    }
}
