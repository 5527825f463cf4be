using System.Text;
using PerceptionJudge.Model.Config;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// Finds the tokenizer of a <c>model.path</c>: the built-in tiny vocabulary for the presets ("tiny", "nano") and
/// for a folder without tokenizer files whose config.json is a preset's (vocab_size and image_token_id of
/// <see cref="ModelConfig.Tiny"/>, as <c>pjudge pretrain</c> and the run's base folder write it); otherwise the
/// folder's <c>tokenizer.json</c>, else its <c>vocab.json</c> + <c>merges.txt</c>. Errors are ModelException.
/// </summary>
public static class TokenizerLoader
{
    /// <summary>HF's fast-tokenizer file.</summary>
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>The tokenizer for <paramref name="modelPathOrPreset"/> (a preset, a model folder or a tokenizer.json).
    /// </summary>
    public static Tokenizer For(string modelPathOrPreset)
    {
        if (modelPathOrPreset is "tiny" or "nano")
        {
            return TinyVocabulary.Create();
        }

        if (File.Exists(modelPathOrPreset))
        {
            return Load(modelPathOrPreset);
        }

        if (!Directory.Exists(modelPathOrPreset))
        {
            throw new ModelException(modelPathOrPreset, null, "is neither a preset (tiny, nano) nor a model folder");
        }

        var folder = modelPathOrPreset;
        if (File.Exists(Path.Combine(folder, TokenizerJsonFile)))
        {
            return Load(Path.Combine(folder, TokenizerJsonFile));
        }

        if (File.Exists(Path.Combine(folder, VocabMergesFiles.Vocab)) &&
            File.Exists(Path.Combine(folder, VocabMergesFiles.Merges)))
        {
            return new Tokenizer(VocabMergesFiles.Read(folder));
        }

        var config = ModelConfigJson.Load(Path.Combine(folder, "config.json"));
        var tiny = ModelConfig.Tiny;
        if (config.VocabSize == tiny.VocabSize && config.ImageTokenId == tiny.ImageTokenId)
        {
            return TinyVocabulary.Create();
        }

        throw new ModelException(folder, null,
            $"has no {TokenizerJsonFile} and no {VocabMergesFiles.Vocab} + {VocabMergesFiles.Merges}, and its " +
            $"config.json (vocab_size {config.VocabSize}, image_token_id {config.ImageTokenId}) is not the built-in " +
            $"tiny vocabulary's ({tiny.VocabSize}, {tiny.ImageTokenId}); copy the tokenizer files beside the weights");
    }

    /// <summary>Loads a HF <c>tokenizer.json</c> (or the one in a folder).</summary>
    public static Tokenizer Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, TokenizerJsonFile) : path;
        return new Tokenizer(TokenizerJson.Read(file, ReadBytes(file)));
    }

    /// <summary>Parses tokenizer.json text; <paramref name="source"/> names it in errors.</summary>
    public static Tokenizer FromJson(string json, string source = TokenizerJsonFile) =>
        new(TokenizerJson.Read(source, Encoding.UTF8.GetBytes(json)));

    /// <summary>The bytes of <paramref name="file"/>; an I/O error is a ModelException naming it.</summary>
    internal static byte[] ReadBytes(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(file, null, $"cannot read: {e.Message}", e);
        }
    }
}
