using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>The Tiny preset end to end: forward, backward and plain SGD through every layer.</summary>
[TestFixture]
public sealed class TinyOverfitTests : NnTest
{
    [Test]
    public void Tiny_OverfitsOneBatchWithPlainSgd()
    {
        var config = ModelConfig.Tiny;
        var tokenizer = TinyVocabulary.Create();
        using var model = VisionLanguageModel.Create(config, 2026);
        var pad = (long)tokenizer.TokenToId(TinyVocabulary.EndOfText)!.Value;
        var (input, attention) = LeftPadded(
            ["the red circle is left of the blue square", "two green stars and one yellow triangle"], tokenizer, pad);
        var length = input.Size(1);
        var targets = input.Narrow(1, 1, length - 1);
        var targetMask = attention.Narrow(1, 1, length - 1).To(DType.Float32);
        const double lr = 0.1;
        double first = 0, loss = 0;
        for (var step = 0; step < 150; step++)
        {
            using var scope = LibTorch.NewDisposeScope();
            // Next-token cross-entropy over the real (unpadded) targets.
            var logits = model.Forward(input, attention).Narrow(1, 0, length - 1);
            var logProbs = Ops.Gather(Ops.LogSoftmax(logits, -1), -1, targets.Unsqueeze(-1)).Squeeze(-1);
            var lossTensor = Ops.Neg(Ops.Div(Ops.Sum(Ops.Mul(logProbs, targetMask)), Ops.Sum(targetMask)));
            model.ZeroGrad();
            lossTensor.Backward();
            loss = lossTensor.Item();
            first = step == 0 ? loss : first;
            if (loss < 0.08 * first)
            {
                break;
            }
            using (LibTorch.NoGrad())
            {
                foreach (var (_, p) in model.TrainableParameters())
                {
                    if (p.Grad is { } grad)
                    {
                        p.Add_(grad, -lr);
                    }
                }
            }
        }
        model.ZeroGrad();
        Assert.That(first, Is.EqualTo(Math.Log(config.VocabSize)).Within(0.5), "random init starts near ln V");
        Assert.That(loss, Is.LessThan(0.1 * first));
    }

    [Test]
    public void Backward_ReachesTheVisionTowerThroughTheSplice()
    {
        using var model = VisionLanguageModel.Create(Micro, 40);
        var logits = model.Forward(Ids([7, 3, 3, 3, 3, 8, 9], 1), pixelValues: Tensor.Rand([1, 3, 8, 8], 1));
        Ops.Sum(logits.Narrow(1, 5, 2)).Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.That(p.Grad, Is.Not.Null, name);
        }
        Assert.That(Values(model.Visual!.PatchEmbed.Proj.Weight.Grad!).Any(g => g != 0), Is.True);
        model.ZeroGrad();
    }

    private static (Tensor Ids, Tensor Mask) LeftPadded(string[] texts, Model.Tokenizer.Tokenizer tokenizer, long pad)
    {
        var rows = texts.Select(t => tokenizer.Encode(t).Select(id => (long)id).ToArray()).ToArray();
        var length = rows.Max(r => r.Length);
        var ids = new long[rows.Length * length];
        var mask = new long[rows.Length * length];
        for (var b = 0; b < rows.Length; b++)
        {
            var offset = length - rows[b].Length;
            for (var t = 0; t < length; t++)
            {
                ids[b * length + t] = t < offset ? pad : rows[b][t - offset];
                mask[b * length + t] = t < offset ? 0 : 1;
            }
        }
        return (Tensor.From<long>(ids, rows.Length, length), Tensor.From<long>(mask, rows.Length, length));
    }
}
