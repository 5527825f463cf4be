using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Pretraining;

namespace PerceptionJudge.Training.Tests.Pretraining;

/// <summary>The vision stage of <c>pjudge pretrain</c>: its labels, its loss and that it learns.</summary>
[TestFixture]
public sealed class PerceptionProbeTests : LibTorchFixture
{
    private static readonly SceneOptions s_demoScenes = new(MinObjects: 2, MaxObjects: 3, WithText: false,
        MinRadius: 0.12, MaxRadius: 0.18);

    [Test]
    public void Label_CountsAndCellsFollowTheObjects([Range(1UL, 40UL)] ulong seed)
    {
        var scene = new SceneGenerator(s_demoScenes).Generate(seed);
        var labels = ScenePool.Label(scene, 4);
        for (int c = 0; c < NamedColour.Palette.Count; c++)
        {
            int n = scene.Objects.Count(o => NamedColour.IndexOf(o.Colour) == c);
            Assert.That(labels.ColourCount[c], Is.EqualTo(Math.Min(n, ScenePool.MaxCount)), $"colour {c}");
        }

        foreach (var shape in Enum.GetValues<ShapeKind>())
        {
            int n = scene.Objects.Count(o => o.Shape == shape);
            Assert.That(labels.ShapeCount[(int)shape], Is.EqualTo(Math.Min(n, ScenePool.MaxCount)), $"{shape}");
        }

        foreach (var o in scene.Objects)
        {
            int cell = o.CentreY * 4 / scene.Shape.Height * 4 + o.CentreX * 4 / scene.Shape.Width;
            Assert.That(labels.CellColour[cell], Is.Not.Zero, $"object {o.Id} lies in cell {cell}");
            Assert.That(labels.CellShape[cell], Is.Not.Zero);
        }

        int occupied = labels.CellColour.Count(c => c != 0);
        Assert.That(occupied, Is.InRange(1, scene.Objects.Count));
        Assert.That(labels.CellShape.Count(s => s != 0), Is.EqualTo(occupied));
    }

    [Test]
    public void Loss_OfZeroHeadsIsTheMeanOfTheUniformCrossEntropies()
    {
        // All logits 0: each cross-entropy is ln(classes): (ln 7 + ln 5 + ln 4) / 3.
        using var probe = new PerceptionProbe(16, 8, new Initializer(1, std: 0));
        using var tokens = Tensor.Randn([2, 16, 8], 3);
        var scene = new SceneGenerator(s_demoScenes).Generate(7);
        var labels = ScenePool.Label(scene, 4);
        var (loss, accuracy) = probe.Loss(tokens, [labels, labels]);
        using (loss)
        {
            Assert.That(loss.ToArray<float>()[0], Is.EqualTo((Math.Log(7) + Math.Log(5) + Math.Log(4)) / 3).Within(1e-5));
        }

        // argmax of equal logits is class 0 ("nothing here"): right exactly on the empty cells.
        Assert.That(accuracy, Is.EqualTo(labels.CellColour.Count(c => c == 0) / 16.0).Within(1e-6));
    }

    [Test]
    public void Train_LowersTheProbeLossAndLeavesTheDecoderAlone()
    {
        var pool = ScenePool.Create(48, 11, s_demoScenes, ["recolour", "remove", "duplicate"], 64, 4);
        Assert.That(pool.Pixels, Has.Count.InRange(49, 96), "each scene gives its original and, if edited, a variant");
        using var model = JudgeTrainer.CreateModel(new ModelSection { Path = "nano" });
        float[] decoderBefore = model.Model.EmbedTokens.Weight.ToArray<float>();
        var losses = new List<double>();
        PerceptionProbe.Train(model, pool, new PretrainConfig { VisionSteps = 60, VisionBatchSize = 16 },
            new OptimConfig(), 5, (_, values) => losses.Add(values["probe_loss"]));
        Assert.That(losses, Has.Count.EqualTo(60));
        Assert.That(losses.Skip(50).Average(), Is.LessThan(0.6 * losses.Take(5).Average()));
        Assert.That(model.Model.EmbedTokens.Weight.ToArray<float>(), Is.EqualTo(decoderBefore));
    }

    [Test]
    public void Pool_IsTheSameForTheSameSeed()
    {
        var a = ScenePool.Create(6, 3, s_demoScenes, ["recolour"], 64, 4);
        var b = ScenePool.Create(6, 3, s_demoScenes, ["recolour"], 64, 4);
        Assert.That(a.Pixels.Count, Is.EqualTo(b.Pixels.Count));
        for (int i = 0; i < a.Pixels.Count; i++)
        {
            Assert.That(a.Pixels[i], Is.EqualTo(b.Pixels[i]));
            Assert.That(a.Labels[i].CellColour, Is.EqualTo(b.Labels[i].CellColour));
        }
    }
}
