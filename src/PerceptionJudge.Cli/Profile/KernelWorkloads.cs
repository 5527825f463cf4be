using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.Runtime;
using PolicyLossFacade = PerceptionJudge.Kernels.PolicyLoss.PolicyLoss;
using PolicyLossInput = PerceptionJudge.Kernels.PolicyLoss.PolicyLossInput;

namespace PerceptionJudge.Cli.Profile;

/// <summary>
/// The kernels <c>pjudge profile kernel NAME</c> can run: each builds seeded synthetic operands once (sizes above
/// the last-level cache, as the benchmarks) and returns one step that calls the family façade, so every step is
/// one traced launch. An unknown name lists the valid ones.
/// </summary>
internal static class KernelWorkloads
{
    private static readonly Registry<Func<Action>> s_workloads = new Registry<Func<Action>>("kernel")
        .Add("advantage.grpo", Grpo)
        .Add("policy_loss.vanilla", PolicyLossVanilla)
        .Add("kl.low_var_kl", Kl)
        .Add("log_prob.forward", () => LogProb(backward: false))
        .Add("log_prob.backward", () => LogProb(backward: true))
        .Add("optim.adamw", AdamW)
        .Add("lora.merge", Lora)
        .Add("perturb.pointwise", Pointwise);

    public static IReadOnlyList<string> Names => s_workloads.Names;

    /// <summary>The step of <paramref name="name"/> (operands allocated now, outside the trace).</summary>
    public static Action Create(string name) => s_workloads.Get(name)();

    private static float[] Uniform(int n, double lo, double hi, Random rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        }

        return x;
    }

    private static Action Grpo()
    {
        const int rows = 1 << 22, group = 8;
        var rng = new Random(20261122);
        var rewards = Uniform(rows, 0, 1, rng);
        var mask = Enumerable.Repeat(1f, rows).ToArray();
        var index = GroupIndex.FromDense(Enumerable.Range(0, rows).Select(i => i / group).ToArray(), rows / group);
        var (adv, ret) = (new float[rows], new float[rows]);
        return () => GroupAdvantage.Compute("grpo", new AdvantageInput(rewards, mask, rows, 1, index), adv, ret);
    }

    private static Action PolicyLossVanilla()
    {
        const int rows = 1024, cols = 4096, n = rows * cols;
        var rng = new Random(20261122);
        var old = Uniform(n, -3, -1, rng);
        var lp = old.Select(v => v + 0.3f * (float)(rng.NextDouble() - 0.5)).ToArray();
        var adv = Uniform(n, -1, 1, rng);
        var mask = Enumerable.Repeat(1f, n).ToArray();
        var grad = new float[n];
        return () => PolicyLossFacade.Compute("vanilla", new PolicyLossInput(old, lp, adv, mask, rows, cols), grad);
    }

    private static Action Kl()
    {
        const int n = 1 << 22;
        var rng = new Random(20261122);
        var lp = Uniform(n, -3, -1, rng);
        var reference = lp.Select(v => v + 0.2f * (float)(rng.NextDouble() - 0.5)).ToArray();
        var (kl, grad) = (new float[n], new float[n]);
        return () => KlPenalty.Compute("low_var_kl", lp, reference, kl, grad);
    }

    private static Action LogProb(bool backward)
    {
        const int tokens = 256, vocab = 32768;
        var rng = new Random(20261122);
        var logits = Uniform(tokens * vocab, -4, 4, rng);
        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        var (entropy, logProb, ones) = (new float[tokens], new float[tokens], Enumerable.Repeat(1f, tokens).ToArray());
        var grad = backward ? new float[tokens * vocab] : [];
        return backward
            ? () => TokenLogProb.Backward(logits, labels, tokens, vocab, ones, ones, grad)
            : () => TokenLogProb.EntropyAndLogProb(logits, labels, tokens, vocab, entropy, logProb);
    }

    private static Action AdamW()
    {
        int[] sizes = [1 << 21, 1 << 20, 1 << 20, 1 << 21];
        var rng = new Random(20261122);
        var slots = sizes.Select(n => ParamSlot.Of(
            Uniform(n, -0.1, 0.1, rng), Uniform(n, -1e-3, 1e-3, rng), new float[n], new float[n])).ToArray();
        var options = new AdamWOptions(Lr: 1e-4, WeightDecay: 0.01, MaxGradNorm: 1.0);
        int step = 0;
        return () => FusedAdamW.Step(slots, ++step, options);
    }

    private static Action Lora()
    {
        const int outF = 2048, inF = 2048, rank = 16;
        var rng = new Random(20261122);
        var w = Uniform(outF * inF, -0.05, 0.05, rng);
        var a = Uniform(rank * inF, -0.01, 0.01, rng);
        var b = Uniform(outF * rank, -0.01, 0.01, rng);
        return () => LoraMerge.Merge(w, a, b, new LoraShape(outF, inF, rank), new LoraOptions(16));
    }

    private static Action Pointwise()
    {
        const int images = 8;
        var shape = new ImageShape(3, 448, 448);
        var rng = new Random(20261122);
        var batch = Uniform(images * shape.Size, 0, 1, rng);
        var chains = Enumerable.Repeat(new PointwiseChain(1.1f, 0.9f, 1.2f, 0.03f), images).ToArray();
        var seeds = Enumerable.Range(0, images).Select(i => (ulong)i).ToArray();
        return () => Perturbation.Pointwise(batch, shape, chains, seeds);
    }
}
