using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Generation;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>Batched generation with the KV cache, and HF's temperature / top-k / top-p semantics.</summary>
[TestFixture]
public sealed class GenerationTests : NnTest
{
    private static readonly long[] PromptIds = [0, 0, 0, 12, 13, 14, 20, 21, 22, 23, 24, 25];
    private static readonly long[] PromptMask = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1];

    [Test]
    public void Sampling_IsReproducibleForASeed()
    {
        using var model = VisionLanguageModel.Create(Micro, 30);
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.0, TopK = 20, TopP = 0.95, Seed = 5 };
        var a = Generate(model, options);
        var b = Generate(model, options);
        var c = Generate(model, options with { Seed = 6 });
        Assert.That(a.Tokens, Is.EqualTo(b.Tokens));
        Assert.That(a.Lengths, Is.EqualTo(new[] { 12, 12 }));
        Assert.That(a.Tokens, Is.Not.EqualTo(c.Tokens));
        Assert.That(a.Tokens.SelectMany(t => t), Is.All.InRange(0, Micro.VocabSize - 1));
    }

    [Test]
    public void Greedy_EqualsArgmaxOfTheFullForward()
    {
        using var model = VisionLanguageModel.Create(Micro, 31);
        var result = Generate(model, new GenerationOptions { MaxNewTokens = 6, Temperature = 0 });
        for (var row = 0; row < 2; row++)
        {
            var prompt = PromptIds.Skip(row * 6).Take(6).ToList();
            var mask = PromptMask.Skip(row * 6).Take(6).ToList();
            long[] sequence = [.. prompt, .. result.Row(row)];
            long[] fullMask = [.. mask, .. Enumerable.Repeat(1L, 6)];
            var logits = model.Forward(Ids(sequence, 1), Tensor.From<long>(fullMask, 1, 12));
            var argmax = Ops.ArgMax(logits.Narrow(1, 5, 6), -1).ToArray<long>();
            Assert.That(result.Row(row).ToArray(), Is.EqualTo(argmax), $"row {row}");
        }
    }

    [Test]
    public void GreedyWithAnImage_EqualsArgmaxOfTheFullForward()
    {
        using var model = VisionLanguageModel.Create(Micro, 35);
        long[] prompt = [0, 5, 3, 3, 3, 3, 6, 7, 3, 3, 3, 3, 8, 9];
        long[] mask = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        var pixels = Tensor.Rand([2, 3, 8, 8], 11);
        var result = model.Generate(
            Ids(prompt, 2), Tensor.From<long>(mask, 2, 7), new GenerationOptions { MaxNewTokens = 4, Temperature = 0 },
            pixels);
        long[] sequence = [.. prompt[..7], .. result.Row(0), .. prompt[7..], .. result.Row(1)];
        long[] fullMask = [0, .. Enumerable.Repeat(1L, 21)];
        var logits = model.Forward(Ids(sequence, 2), Tensor.From<long>(fullMask, 2, 11), pixels);
        var argmax = Ops.ArgMax(logits.Narrow(1, 6, 4), -1).ToArray<long>();
        Assert.That(result.Tokens.SelectMany(t => t).ToArray(), Is.EqualTo(argmax));
    }

    [Test]
    public void TopKOfOne_IsGreedy()
    {
        using var model = VisionLanguageModel.Create(Micro, 32);
        var greedy = Generate(model, new GenerationOptions { MaxNewTokens = 5, Temperature = 0 });
        var topOne = Generate(model, new GenerationOptions { MaxNewTokens = 5, Temperature = 0.7, TopK = 1, Seed = 9 });
        Assert.That(topOne.Tokens, Is.EqualTo(greedy.Tokens));
    }

    [Test]
    public void Eos_EndsEachRowOnItsOwnAndPadsAfterIt()
    {
        using var model = VisionLanguageModel.Create(Micro, 33);
        var free = Generate(model, new GenerationOptions { MaxNewTokens = 8, Temperature = 0 });
        var eos = free.Tokens[0][1];
        var stopped = Generate(
            model, new GenerationOptions { MaxNewTokens = 8, Temperature = 0, EosTokenIds = [eos], PadTokenId = 47 });
        for (var row = 0; row < 2; row++)
        {
            var first = Array.IndexOf(free.Tokens[row], eos);
            var expectedLength = first < 0 ? 8 : first + 1;
            Assert.That(stopped.Lengths[row], Is.EqualTo(expectedLength), $"row {row}");
            Assert.That(stopped.Row(row).ToArray(), Is.EqualTo(free.Tokens[row][..expectedLength]));
            Assert.That(stopped.Tokens[row][expectedLength..], Is.All.EqualTo(47L));
        }
        Assert.That(stopped.Lengths[0], Is.LessThanOrEqualTo(2));
    }

    [Test]
    public void Generate_StopsEarlyWhenEveryRowHasEnded()
    {
        using var model = VisionLanguageModel.Create(Micro, 34);
        var eos = Enumerable.Range(0, Micro.VocabSize).Select(i => (long)i).ToArray();
        var result = Generate(model, new GenerationOptions { MaxNewTokens = 8, Temperature = 0, EosTokenIds = eos });
        Assert.That(result.Lengths, Is.EqualTo(new[] { 1, 1 }));
        Assert.That(result.Tokens.Select(t => t.Length), Is.All.EqualTo(1));
    }

    [Test]
    public void FilterSorted_TopKKeepsTiesAndTopPKeepsAtLeastOne()
    {
        var sorted = Tensor.From<float>([0, 1, 2, 3], 1, 4);
        var inf = float.NegativeInfinity;
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 2, 1.0)), Is.EqualTo(new[] { inf, inf, 2, 3 }));
        var ties = Tensor.From<float>([1, 2, 2, 3], 1, 4);
        Assert.That(Values(LogitsSampler.FilterSorted(ties, 2, 1.0)), Is.EqualTo(new[] { inf, 2, 2, 3 }));
        // softmax([0, 1, 2, 3]) cumulated ascending: 0.032, 0.119, 0.356, 1; drop where <= 1 - p.
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 4, 0.7)), Is.EqualTo(new[] { inf, inf, 2, 3 }));
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 4, 0.9)), Is.EqualTo(new[] { inf, 1, 2, 3 }));
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 4, 0.01)), Is.EqualTo(new[] { inf, inf, inf, 3 }));
        // top-k first, then top-p over the renormalised survivors: softmax([2, 3]) = [0.269, 0.731].
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 2, 0.75)), Is.EqualTo(new[] { inf, inf, 2, 3 }));
        Assert.That(Values(LogitsSampler.FilterSorted(sorted, 2, 0.7)), Is.EqualTo(new[] { inf, inf, inf, 3 }));
    }

    [Test]
    public void FilterSorted_MatchesADoubleReferenceOfHfTopKTopP() =>
        Prop.ForAll<int[], PositiveInt, PositiveInt>((raw, k, p) =>
        {
            using var scope = LibTorch.NewDisposeScope();
            var scores = raw.Append(0).Select(v => (v % 50) * 0.25).Order().ToArray(); // ties are common
            var topK = k.Get % (scores.Length + 1) + 1;
            var topP = (p.Get % 100 + 1) / 100.0;
            var (expected, nearBoundary) = ReferenceKeep(scores, Math.Min(topK, scores.Length), topP);
            var sorted = Tensor.From<float>(scores.Select(v => (float)v).ToArray(), 1, scores.Length);
            var kept = Values(LogitsSampler.FilterSorted(sorted, Math.Min(topK, scores.Length), topP))
                .Select(float.IsFinite).ToArray();
            return nearBoundary || kept.SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();

    // HF TopKLogitsWarper then TopPLogitsWarper in double on ascending scores; flags cumulative sums within 1e-5
    // of 1 - p, where float32 and double may round to different sides.
    private static (bool[] Keep, bool NearBoundary) ReferenceKeep(double[] ascending, int topK, double topP)
    {
        var n = ascending.Length;
        var kth = ascending[n - topK];
        var keep = ascending.Select(v => v >= kth).ToArray();
        var max = ascending[n - 1];
        var weights = ascending.Select((v, i) => keep[i] ? Math.Exp(v - max) : 0).ToArray();
        var total = weights.Sum();
        double cumulative = 0;
        var near = false;
        for (var i = 0; i < n - 1; i++)
        {
            cumulative += weights[i] / total;
            near |= Math.Abs(cumulative - (1 - topP)) < 1e-5;
            keep[i] &= topP >= 1 || cumulative > 1 - topP;
        }
        return (keep, near);
    }

    [Test]
    public void Sampling_FollowsTheFilteredDistribution()
    {
        // Logits ln([1, 2, 3, 4]) with top_p = 0.6: ascending cumulative [0.1, 0.3, 0.6, 1] drops ≤ 0.4, leaving
        // tokens 2 and 3 with probabilities 3/7 and 4/7.
        var logits = Tensor.From<float>([0, MathF.Log(2), MathF.Log(3), MathF.Log(4)], 1, 4);
        var counts = new int[4];
        var options = new GenerationOptions { TopP = 0.6 };
        for (ulong seed = 0; seed < 2000; seed++)
        {
            counts[LogitsSampler.Next(logits, options, seed).ToArray<long>()[0]]++;
        }
        Assert.That(counts[0] + counts[1], Is.EqualTo(0));
        Assert.That(counts[3] / 2000.0, Is.EqualTo(4.0 / 7).Within(0.04));
    }

    [Test]
    public void Options_RejectBadValues()
    {
        Assert.Throws<ArgumentException>(() => new GenerationOptions { TopP = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new GenerationOptions { Temperature = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new GenerationOptions { MaxNewTokens = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new GenerationOptions { TopK = -2 }.Validate());
    }

    private static GenerationResult Generate(VisionLanguageModel model, GenerationOptions options) =>
        model.Generate(Ids(PromptIds, 2), Tensor.From<long>(PromptMask, 2, 6), options);
}
