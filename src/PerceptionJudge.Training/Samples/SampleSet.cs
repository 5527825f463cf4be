using PerceptionJudge.Data;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Training.Rollout;

namespace PerceptionJudge.Training.Samples;

/// <summary>
/// A PPJD folder loaded for training: records filtered by task, tokenized, images decoded once and resized to the
/// vision tower's size, split into train and validation by image pair (both images of a pair and all their records
/// land on the same side, chosen by a hash of the pair so the split does not depend on file order).
/// </summary>
public sealed class SampleSet
{
    private SampleSet(IReadOnlyList<JudgeSample> train, IReadOnlyList<JudgeSample> validation,
        IReadOnlyList<JudgeSample> describe)
    {
        Train = train;
        Validation = validation;
        Describe = describe;
    }

    /// <summary>Training samples, in manifest order.</summary>
    public IReadOnlyList<JudgeSample> Train { get; }

    /// <summary>Held-out samples, in manifest order.</summary>
    public IReadOnlyList<JudgeSample> Validation { get; }

    /// <summary>
    /// One description sample per training image whose facts the dataset knows (<see cref="PpjdRecord.Facts"/>):
    /// prompt <see cref="JudgePrompt.DescribePrompt"/>, gold the facts. Held-out images are never described.
    /// Each keeps the first record that showed its image.
    /// </summary>
    public IReadOnlyList<JudgeSample> Describe { get; }

    /// <summary>
    /// A set of samples made in memory (for example text-only prompts, <see cref="JudgeSample.TextOnly"/>), with no
    /// description stage. Throws <see cref="TrainingException"/> when <paramref name="train"/> is empty.
    /// </summary>
    public static SampleSet FromSamples(IReadOnlyList<JudgeSample> train, IReadOnlyList<JudgeSample> validation) =>
        train.Count > 0
            ? new SampleSet(train, validation, [])
            : throw new TrainingException("a sample set needs at least one training sample");

    /// <summary>
    /// Loads <paramref name="dir"/>. Throws <see cref="TrainingException"/> naming the folder when it holds no record
    /// of the requested tasks, or when either side of the split would be empty; a bad manifest line or image is the
    /// Data library's <see cref="DataException"/> (file, line), wrapped.
    /// </summary>
    public static SampleSet Load(string dir, IReadOnlyCollection<string> tasks, double valFraction, int imageSize,
        int imageTokens, Tokenizer tokenizer, bool thinkPrefix, ulong seed, bool tagResponses = false)
    {
        var records = new List<PpjdRecord>();
        try
        {
            records.AddRange(PpjdManifest.Read(dir).Where(r => tasks.Contains(r.Task)));
        }
        catch (DataException e)
        {
            throw new TrainingException($"dataset {dir}: {e.Message}", e);
        }

        if (records.Count == 0)
        {
            throw new TrainingException(
                $"dataset {dir} has no records of the tasks [{string.Join(", ", tasks)}]; build one with " +
                "`pjudge ppjd build` or check data.tasks");
        }

        var images = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var train = new List<JudgeSample>();
        var validation = new List<JudgeSample>();
        var describe = new List<JudgeSample>(); // in first-shown order, so the describe sampler is deterministic
        var described = new HashSet<string>(StringComparer.Ordinal);
        var describePrompt = tokenizer.Encode(JudgePrompt.DescribePrompt(imageTokens, tokenizer.Chat.Image));
        foreach (var record in records)
        {
            string shown = record.ShownImage;
            if (!images.TryGetValue(shown, out var pixels))
            {
                pixels = LoadPixels(Path.Combine(dir, shown), imageSize);
                images.Add(shown, pixels);
            }

            var sample = new JudgeSample(
                record,
                tokenizer.Encode(JudgePrompt.Prompt(record, thinkPrefix, imageTokens, tagResponses: tagResponses,
                    image: tokenizer.Chat.Image)),
                tokenizer.Encode(JudgePrompt.Gold(record, thinkPrefix, tagResponses)),
                pixels,
                record.OriginalImage);
            bool held = IsValidation(record.OriginalImage, valFraction, seed);
            (held ? validation : train).Add(sample);
            if (!held && record.ShownFacts is { Length: > 0 } facts
                && described.Add(shown))
            {
                describe.Add(sample with
                {
                    PromptIds = describePrompt,
                    GoldIds = tokenizer.Encode(JudgePrompt.DescribeGold(facts)),
                });
            }
        }

        if (train.Count == 0 || validation.Count == 0)
        {
            throw new TrainingException(
                $"dataset {dir}: the {valFraction:P0} validation split of {records.Count} records leaves " +
                $"{train.Count} to train and {validation.Count} to validate; use more pairs or change data.val_fraction");
        }

        return new SampleSet(train, validation, describe);
    }

    /// <summary>The shown image, resized to <paramref name="size"/>² by area averaging, as planar RGB in [0, 1].</summary>
    public static float[] LoadPixels(string path, int size)
    {
        Rgba8Image image;
        try
        {
            image = ImageCodec.Load(path);
        }
        catch (DataException e)
        {
            throw new TrainingException($"image {path}: {e.Message}", e);
        }

        var resized = ImageResize.AreaAverage(image, size, size);
        var planes = new float[3 * size * size];
        PlanarBatch.ToPlanar(resized, planes);
        return planes;
    }

    private static bool IsValidation(string pairKey, double fraction, ulong seed)
    {
        ulong h = seed;
        foreach (char c in pairKey)
        {
            h = HashRng.Derive(h, c);
        }

        return (h >> 11) * (1.0 / (1UL << 53)) < fraction;
    }
}
