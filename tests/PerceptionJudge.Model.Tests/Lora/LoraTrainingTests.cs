using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

/// <summary>LoRA + the fused optimizer end to end on a small module tree.</summary>
[TestFixture]
public sealed class LoraTrainingTests : LoraTorchTest
{
    private static readonly LoraConfig s_config = new()
    {
        R = 4,
        LoraAlpha = 8,
        TargetModules = ModulePattern.AllLinear,
        ExcludeModules = ModulePattern.Regex(".*visual.*"),
    };

    /// <summary>One step: forward, MSE loss, backward, fused AdamW, zero_grad; intermediates in one scope.</summary>
    private static double TrainStep(TinyLm lm, LoraAdamW opt, Tensor x, Tensor image, Tensor target)
    {
        using var scope = LibTorch.NewDisposeScope();
        var diff = lm.Forward(x, image) - target;
        var loss = Ops.Mean(diff * diff);
        loss.Backward();
        opt.Step();
        opt.ZeroGrad();
        return loss.Item();
    }

    [Test]
    public void OverfitsOneBatch()
    {
        using var lm = new TinyLm();
        using var lora = LoraModel.Inject(lm, s_config, seed: 1);
        var options = new AdamWOptions(Lr: 0.02, WeightDecay: 0, MaxGradNorm: 1);
        var opt = new LoraAdamW(lora.NamedAdapterParameters(), options);
        var x = Tensor.Randn([8, 8], 11);
        var image = Tensor.Randn([8, 8], 12);
        var target = Tensor.Randn([8, 6], 13);
        var weightsBefore = lm.NamedParameters().Select(p => Values(p.Tensor)).ToArray();

        double first = TrainStep(lm, opt, x, image, target);
        double last = first;
        for (int i = 0; i < 300 && last >= 0.05 * first; i++)
        {
            last = TrainStep(lm, opt, x, image, target);
        }
        Assert.That(last, Is.LessThan(0.1 * first), $"loss {first} → {last}");
        var weightsAfter = lm.NamedParameters().Select(p => Values(p.Tensor)).ToArray();
        Assert.That(weightsAfter, Is.EqualTo(weightsBefore), "the frozen base never moves");

        using (lora.DisableAdapters())
        using (LibTorch.NoGrad())
        {
            var diff = lm.Forward(x, image) - target;
            var baseLoss = Ops.Mean(diff * diff).Item();
            Assert.That(baseLoss, Is.EqualTo(first).Within(1e-5), "the reference policy is the base");
        }
    }

    [Test]
    public void ThousandSteps_DoNotGrowResidentMemory()
    {
        using var lm = new TinyLm(dim: 64, hidden: 128, vocab: 32);
        using var lora = LoraModel.Inject(lm, s_config with { LoraDropout = 0.1 }, seed: 1);
        var opt = new LoraAdamW(lora.NamedAdapterParameters(), new AdamWOptions(Lr: 1e-3, MaxGradNorm: 1));
        var x = Tensor.Randn([64, 64], 11);
        var image = Tensor.Randn([64, 64], 12);
        var target = Tensor.Randn([64, 32], 13);
        long handles = LibTorch.LiveTensors;
        for (int i = 0; i < 250; i++)
        {
            TrainStep(lm, opt, x, image, target);
        }

        // Three windows of 250 steps after warm-up. A per-step leak grows every window alike; allocator or JIT
        // warm-up shows as a one-off jump, so the quietest window must stay flat and the total small.
        // The live-handle count is checked after every step, before any finalizer could hide a leaked tensor.
        var rss = new List<long> { ProcessMemory.ResidentKiB() };
        int stepsThatLeftHandles = 0;
        for (int window = 0; window < 3; window++)
        {
            for (int i = 0; i < 250; i++)
            {
                long before = LibTorch.LiveTensors;
                TrainStep(lm, opt, x, image, target);
                stepsThatLeftHandles += LibTorch.LiveTensors > before ? 1 : 0;
            }
            rss.Add(ProcessMemory.ResidentKiB());
        }
        var growth = rss.Zip(rss.Skip(1), (a, b) => b - a).ToArray();
        var trace = string.Join(" → ", rss) + " KiB";
        Assert.That(opt.StepCount, Is.EqualTo(1000));
        Assert.That(stepsThatLeftHandles, Is.Zero, "steps that ended with more live tensor handles");
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(handles), "every step frees its tensors");
        Assert.That(growth.Min(), Is.LessThan(1024), "VmRSS grows in every window (a leak): " + trace);
        Assert.That(rss[^1] - rss[0], Is.LessThan(8192), "VmRSS after warm-up: " + trace);
        TestContext.Out.WriteLine("VmRSS " + trace);
    }
}
