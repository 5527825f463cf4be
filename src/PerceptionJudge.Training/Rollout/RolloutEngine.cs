using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Generation;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Rollout;

/// <summary>One sampled judgment.</summary>
/// <param name="Sample">The prompt it answers.</param>
/// <param name="Group">The prompt's index in the step (the GRPO group id).</param>
/// <param name="ResponseIds">Generated tokens, up to and including the first EOS.</param>
/// <param name="Text">The decoded response without special tokens.</param>
public sealed record Judgment(JudgeSample Sample, int Group, int[] ResponseIds, string Text);

/// <summary>
/// Samples n judgments per prompt with the model's KV-cached <see cref="VisionLanguageModel.Generate"/>: the prompts
/// are repeated n times (verl <c>rollout.n</c>: rows of one prompt are adjacent), left-padded and decoded in
/// batches of at most <see cref="MaxRows"/> rows, each stopping at &lt;|im_end|&gt; / &lt;|endoftext|&gt; or the
/// length limit. Text-only samples (<see cref="JudgeSample.TextOnly"/>) decode without pixel values.
/// </summary>
public sealed class RolloutEngine
{
    private readonly VisionLanguageModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly long _pad;
    private readonly long[] _eos;

    /// <summary>Binds the model and its tokenizer.</summary>
    public RolloutEngine(VisionLanguageModel model, Tokenizer tokenizer, int maxRows = 64)
    {
        _model = model;
        _tokenizer = tokenizer;
        MaxRows = maxRows;
        _pad = tokenizer.Chat.EndOfTextId;
        _eos = [tokenizer.Chat.ImEndId, _pad];
    }

    /// <summary>Most rows decoded together.</summary>
    public int MaxRows { get; }

    /// <summary>The padding id (&lt;|endoftext|&gt;).</summary>
    public long PadId => _pad;

    /// <summary>
    /// <paramref name="n"/> judgments for each of <paramref name="prompts"/> (group g = prompt g), sampled with
    /// <paramref name="options"/>; the seed of batch k is derived from <paramref name="seed"/> and k.
    /// </summary>
    public List<Judgment> Generate(IReadOnlyList<JudgeSample> prompts, int n, GenerationOptions options, ulong seed)
    {
        var rows = new List<(JudgeSample Sample, int Group)>();
        for (int g = 0; g < prompts.Count; g++)
        {
            for (int k = 0; k < n; k++)
            {
                rows.Add((prompts[g], g));
            }
        }

        IEnumerable<(List<(JudgeSample, int)> Rows, ulong Seed)> Batches()
        {
            for (int start = 0, batch = 0; start < rows.Count; start += MaxRows, batch++)
            {
                yield return (rows.GetRange(start, Math.Min(MaxRows, rows.Count - start)), Mix(seed, (ulong)batch));
            }
        }

        return Sample(Batches(), options);
    }

    /// <summary>
    /// <paramref name="n"/> judgments for each of <paramref name="prompts"/>, whose groups are
    /// <paramref name="groups"/> (the global prompt indices of a data-parallel shard). Each group is decoded on its own
    /// (in chunks of at most <see cref="MaxRows"/>) with the seed derived from <paramref name="seed"/> and its group id
    /// (and chunk), so a prompt's judgments depend only on (seed, group) and not on which prompts share its rank or
    /// decode batch: K ranks sample exactly what one rank with the whole batch samples.
    /// </summary>
    public List<Judgment> GenerateGroups(
        IReadOnlyList<JudgeSample> prompts, IReadOnlyList<int> groups, int n, GenerationOptions options, ulong seed)
    {
        if (groups.Count != prompts.Count)
        {
            throw new ArgumentException($"{prompts.Count} prompts but {groups.Count} group ids", nameof(groups));
        }

        IEnumerable<(List<(JudgeSample, int)> Rows, ulong Seed)> Batches()
        {
            for (int p = 0; p < prompts.Count; p++)
            {
                ulong groupSeed = Mix(seed, (ulong)groups[p]);
                for (int start = 0, chunk = 0; start < n; start += MaxRows, chunk++)
                {
                    var rows = Enumerable.Repeat((prompts[p], groups[p]), Math.Min(MaxRows, n - start)).ToList();
                    yield return (rows, Mix(groupSeed, (ulong)chunk));
                }
            }
        }

        return Sample(Batches(), options);
    }

    /// <summary>Decodes each batch of (prompt, group) rows with its seed, in eval mode, into judgments.</summary>
    private List<Judgment> Sample(
        IEnumerable<(List<(JudgeSample Sample, int Group)> Rows, ulong Seed)> batches, GenerationOptions options)
    {
        var output = new List<Judgment>();
        bool wasTraining = _model.Training;
        _model.Eval();
        try
        {
            foreach (var (rows, seed) in batches)
            {
                var result = Decode(rows.Select(r => r.Sample).ToList(),
                    options with { EosTokenIds = _eos, PadTokenId = _pad, Seed = seed });
                for (int i = 0; i < rows.Count; i++)
                {
                    var ids = result.Row(i).ToArray().Select(t => (int)t).ToArray();
                    output.Add(new Judgment(rows[i].Sample, rows[i].Group, ids,
                        _tokenizer.Decode(ids, skipSpecialTokens: true, skipUnknownIds: true)));
                }
            }
        }
        finally
        {
            _model.Train(wasTraining);
        }

        return output;
    }

    private GenerationResult Decode(IReadOnlyList<JudgeSample> samples, GenerationOptions options)
    {
        using var scope = LibTorch.NewDisposeScope();
        int length = samples.Max(s => s.PromptIds.Length);
        int size = _model.Config.Vision?.ImageSize
            ?? throw new TrainingException("the judge model has no vision tower (vision_config)");
        int plane = 3 * size * size;
        bool textOnly = samples.All(s => s.TextOnly);
        var ids = new long[samples.Count * length];
        var mask = new long[samples.Count * length];
        var pixels = new float[textOnly ? 0 : samples.Count * plane];
        for (int b = 0; b < samples.Count; b++)
        {
            var p = samples[b].PromptIds;
            int offset = length - p.Length;
            for (int i = 0; i < length; i++)
            {
                ids[b * length + i] = i < offset ? _pad : p[i - offset];
                mask[b * length + i] = i < offset ? 0 : 1;
            }

            if (!textOnly)
            {
                samples[b].Pixels.CopyTo(pixels.AsSpan(b * plane));
            }
        }

        try
        {
            return _model.Generate(
                Tensor.From<long>(ids, samples.Count, length), Tensor.From<long>(mask, samples.Count, length), options,
                textOnly ? null : Tensor.From<float>(pixels, samples.Count, 3, size, size));
        }
        catch (TorchException e) when (e.Message.Contains("inf", StringComparison.Ordinal)
            && e.Message.Contains("nan", StringComparison.Ordinal))
        {
            // libtorch's multinomial rejects "probability tensor contains either `inf`, `nan` or element < 0".
            throw new Grpo.NonFiniteException(-1, "rollout: the sampling distribution is not finite (" + e.Message + ")");
        }
    }

    private static ulong Mix(ulong seed, ulong k)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (k + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
