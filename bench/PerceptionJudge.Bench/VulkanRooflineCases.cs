using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Bench;

/// <summary>The roofline's kernels: operands, resident buffers, the timed dispatches, the Cpu call and the check.
/// Every dispatch comes from the family's own builder (the one its public call submits).</summary>
public static partial class VulkanRoofline
{
    private sealed partial class Runner
    {
        private Case Triad()
        {
            int n = Scaled(1 << 26);
            float[] a = new float[n], b = Filled(n, 1, 1, 1), c = Filled(n, 2, 2, 2);
            var k = New("STREAM triad a = b + s·c (vec4; the roof)", $"3 × {Millions(n)} floats", "12 B/elem",
                RooflineMath.TriadBytes(n), isRoof: true);
            var (ab, bb, cb) = (k.Own(ctx.Upload<float>(a)), k.Own(ctx.Upload<float>(b)), k.Own(ctx.Upload<float>(c)));
            k.Dispatches = [VulkanTriad.Dispatch(ab, bb, cb, n, 3f)];
            k.Cpu = () => PerceptionJudge.Bench.Triad.Run(a, b, c, 3f);
            k.Compare = () =>
            {
                ctx.Run(k.Dispatches);
                var back = new float[n];
                ctx.Download<float>(ab, back);
                return RooflineMath.RelativeDifference(back, a);
            };
            Emit($"Resident operands in {ctx.DescribeMemoryType(ab.MemoryTypeIndex)}; staging in "
                + $"{ctx.DescribeMemoryType(ctx.MemoryType(~0u, BufferMemory.Staging))}; the public calls' buffers in "
                + $"{ctx.DescribeMemoryType(ctx.MemoryType(~0u, BufferMemory.HostVisible))}. The triad's check reads "
                + "its timed output back; the others run the whole public Vulkan call once against the Cpu result.");
            return k;
        }

        private Case Grpo()
        {
            int rows = Scaled(1 << 24) / 8 * 8, groups = rows / 8;
            float[] rewards = [.. Filled(rows, 3, 0, 1).Select(x => x < 0.5f ? 0f : 1f)], mask = Filled(rows, 0, 1, 1);
            var index = GroupIndex.FromDense([.. Enumerable.Range(0, rows).Select(i => i / 8)], groups);
            var (adv, ret) = (new float[rows], new float[rows]);
            var options = new AdvantageOptions();
            var k = New("GRPO advantage (verl grpo, cols 1)", $"{Millions(rows)} rewards, groups of 8",
                "20 B/row", RooflineMath.GrpoBytes(rows, groups));
            VulkanBuffer[] buffers = [k.Own(ctx.Upload<float>(rewards)), k.Own(ctx.Upload<float>(mask)),
                k.Own(ctx.Upload<int>(index.Offsets)), k.Own(ctx.Upload<int>(index.Members)), k.Device(rows * 4L),
                k.Device(rows * 4L)];
            k.Dispatches = [AdvantageVulkan.GrpoDispatch(buffers, 1, index, options)];
            AdvantageInput Input() => new(rewards, mask, rows, 1, index);
            k.Cpu = () => new AdvantageCpu().Grpo(Input(), adv, ret, options);
            k.Compare = () => Diff(adv, a => new AdvantageVulkan(ctx).Grpo(Input(), a, new float[rows], options));
            return k;
        }

        private Case PolicyLoss()
        {
            const int cols = 4096;
            int rows = Scaled(2048), n = rows * cols;
            var ops = PolicyLossOperands.Create(n, cols);
            var (grad, options) = (new float[n], new PolicyLossOptions());
            var k = New("policy loss + d/dlogp (vanilla dual-clip, token-mean; row shader)",
                $"{rows} × {cols} tokens", "20 B/token", RooflineMath.PolicyLossBytes(n, rows));
            VulkanBuffer[] buffers = [k.Own(ctx.Upload<float>(ops.Old)), k.Own(ctx.Upload<float>(ops.LogProb)),
                k.Own(ctx.Upload<float>(ops.Advantages)), k.Own(ctx.Upload<float>(ops.Mask)), k.Device(n * 4L),
                k.Device(PolicyLossVulkan.RowSumsBytes(rows))];
            k.Dispatches = [PolicyLossVulkan.VanillaDispatch(buffers, rows, cols, options)];
            PolicyLossInput Input() => new(ops.Old, ops.LogProb, ops.Advantages, ops.Mask, rows, cols);
            k.Cpu = () => new PolicyLossCpu().Compute(PolicyLossMode.Vanilla, Input(), grad, options);
            k.Compare = () =>
            {
                var g = new float[n];
                new PolicyLossVulkan(ctx).Compute(PolicyLossMode.Vanilla, Input(), g, options);
                var near = RooflineMath.NearClipBounds(ops.Old, ops.LogProb, ops.Advantages,
                    1 - options.Low, 1 + options.High, options.ClipRatioC);
                int skipped = near.Count(x => x), differ = 0;
                for (int i = 0; i < n; i++)
                {
                    differ += near[i] && g[i] != grad[i] ? 1 : 0;
                }

                k.CheckNote = $" ({skipped} tokens within 1e-6 of a clip bound left out; {differ} of them differ)";
                return RooflineMath.RelativeDifference(g, grad, near);
            };
            return k;
        }

        private Case Kl()
        {
            int n = Scaled(1 << 23);
            float[] lp = Filled(n, 4, -2, -1), rf = Filled(n, 5, -2, 0), kl = new float[n], grad = new float[n];
            var k = New("KL low_var_kl (k3) + d/dlogp", $"{Millions(n)} tokens", "16 B/elem",
                RooflineMath.KlBytes(n));
            VulkanBuffer[] buffers = [k.Own(ctx.Upload<float>(lp)), k.Own(ctx.Upload<float>(rf)), k.Device(n * 4L),
                k.Device(n * 4L)];
            k.Dispatches = [KlVulkan.Dispatch(buffers, n, KlEstimator.K3, false, true)];
            k.Cpu = () => new KlCpu().Compute(KlEstimator.K3, false, lp, rf, kl, grad);
            k.Compare = () => Diff(grad, g => new KlVulkan(ctx).Compute(KlEstimator.K3, false, lp, rf, new float[n],
                g));
            return k;
        }

        private Case LossAgg()
        {
            const int cols = 4096;
            int rows = Scaled(2048), n = rows * cols;
            var ops = PolicyLossOperands.Create(n, cols);
            var grad = new float[n];
            var k = New("loss aggregation token-mean + grad (rows, finish, scale)", $"{rows} × {cols}",
                "12 B/elem", RooflineMath.LossAggBytes(n));
            k.Dispatches = LossAggVulkan.Dispatches(k.Own(ctx.Upload<float>(ops.Advantages)),
                k.Own(ctx.Upload<float>(ops.Mask)), k.Device(rows * 8L), k.Device(rows * 4L), k.Device(4),
                k.Device(n * 4L), AggMode.TokenMean, rows, cols, cols);
            k.Cpu = () => new LossAggCpu().Aggregate(AggMode.TokenMean, ops.Advantages, ops.Mask, rows, cols, grad);
            k.Compare = () => Diff(grad, g => new LossAggVulkan(ctx).Aggregate(AggMode.TokenMean, ops.Advantages,
                ops.Mask, rows, cols, g));
            return k;
        }

        private Case AdamW()
        {
            const int m = 1 << 20;
            int[] sizes = [.. new[] { 4 * m, m, m, 4 * m, 2 * m, 2 * m, 2 * m }.Select(Scaled)];
            int n = sizes.Sum();
            float[] p = Filled(n, 6, -1, 1), g = Filled(n, 7, -0.1f, 0.1f), mo = Filled(n, 8, -0.01f, 0.01f),
                v = Filled(n, 9, 0, 1e-4f);
            var options = new AdamWOptions(Lr: 1e-4, WeightDecay: 0.01);
            var k = New("fused multi-tensor AdamW (7 tensors, one dispatch)", $"{Millions(n)} params",
                "28 B/param", RooflineMath.AdamWBytes(n));
            k.Dispatches = [OptimVulkan.AdamWDispatch(k.Own(ctx.Upload<float>(p)), k.Own(ctx.Upload<float>(g)),
                k.Own(ctx.Upload<float>(mo)), k.Own(ctx.Upload<float>(v)), n, options, 1, 1.0)];
            ParamSlot[] Slots()
            {
                var (ps, gs, ms, vs) = (Split(sizes, p), Split(sizes, g), Split(sizes, mo), Split(sizes, v));
                return [.. sizes.Select((_, i) => ParamSlot.Of(ps[i], gs[i], ms[i], vs[i]))];
            }

            var timed = Slots();
            k.Cpu = () => new OptimCpu().AdamW(timed, options, 1, 1.0);
            k.Compare = () =>
            {
                var (cpu, gpu) = (Slots(), Slots());
                new OptimCpu().AdamW(cpu, options, 1, 1.0);
                new OptimVulkan(ctx).AdamW(gpu, options, 1, 1.0);
                return cpu.Zip(gpu).Max(s => RooflineMath.RelativeDifference(s.Second.Param.Span, s.First.Param.Span));
            };
            return k;
        }

        private Case Lora()
        {
            var shape = new LoraShape(Side(4096), Side(4096), 32);
            var (o, i, r) = (shape.OutFeatures, shape.InFeatures, shape.Rank);
            float[] w = Filled(o * i, 10, -0.1f, 0.1f), a = Filled(r * i, 11, -0.02f, 0.02f),
                b = Filled(o * r, 12, -0.02f, 0.02f);
            var k = New("LoRA merge W += (α/r)·B·A", $"{o} × {i}, r = {r}", "8 B/W elem + A, B",
                RooflineMath.LoraBytes(o, i, r), RooflineMath.LoraFlops(o, i, r), "GFLOP/s");
            k.Dispatches = [LoraVulkan.Dispatch(k.Own(ctx.Upload<float>(w)), k.Own(ctx.Upload<float>(a)),
                k.Own(ctx.Upload<float>(b)), shape, 1e-3f, true)];
            var timed = (float[])w.Clone();
            k.Cpu = () => new LoraCpu().AddScaledProduct(timed, a, b, shape, 1e-3f, true);
            k.Compare = () =>
            {
                var (cpu, gpu) = ((float[])w.Clone(), (float[])w.Clone());
                new LoraCpu().AddScaledProduct(cpu, a, b, shape, 1e-3f, true);
                new LoraVulkan(ctx).AddScaledProduct(gpu, a, b, shape, 1e-3f, true);
                return RooflineMath.RelativeDifference(gpu, cpu);
            };
            return k;
        }

        private (int Tokens, int Vocab, float[] Logits, int[] Labels) LogitOperands()
        {
            int tokens = Scaled(512), vocab = 32768;
            var rng = new Random(13);
            return (tokens, vocab, Filled(tokens * vocab, 14, -2, 2), [.. Enumerable.Range(0, tokens)
                .Select(_ => rng.Next(vocab))]);
        }

        private Case LogProbForward()
        {
            var (t, v, logits, labels) = LogitOperands();
            var (h, l) = (new float[t], new float[t]);
            var k = New("entropy + chosen log-prob from logits, forward", $"{t} × {v}", "4 B/logit",
                RooflineMath.LogProbForwardBytes(t, v));
            k.Dispatches = [LogProbVulkan.ForwardDispatch([k.Own(ctx.Upload<float>(logits)),
                k.Own(ctx.Upload<int>(labels)), k.Device(t * 4L), k.Device(t * 4L), k.Device(t * 4L)], t, v, 1f,
                true, true)];
            k.Cpu = () => new LogProbCpu().Forward(logits, labels, t, v, 1f, h, l);
            k.Compare = () =>
            {
                var (gh, gl) = (new float[t], new float[t]);
                new LogProbVulkan(ctx).Forward(logits, labels, t, v, 1f, gh, gl);
                return Math.Max(RooflineMath.RelativeDifference(gh, h), RooflineMath.RelativeDifference(gl, l));
            };
            return k;
        }

        private Case LogProbBackward()
        {
            var (t, v, logits, labels) = LogitOperands();
            float[] gh = Filled(t, 15, -1, 1), gl = Filled(t, 16, -1, 1), grad = new float[t * v];
            var k = New("the same, backward (d logits)", $"{t} × {v}", "8 B/logit",
                RooflineMath.LogProbBackwardBytes(t, v));
            k.Dispatches = [LogProbVulkan.BackwardDispatch([k.Own(ctx.Upload<float>(logits)),
                k.Own(ctx.Upload<int>(labels)), k.Own(ctx.Upload<float>(gh)), k.Own(ctx.Upload<float>(gl)),
                k.Device(t * (long)v * 4), k.Device(t * 4L)], t, v, 1f, true, true)];
            k.Cpu = () => new LogProbCpu().Backward(logits, labels, t, v, 1f, gh, gl, grad);
            k.Compare = () => Diff(grad, g => new LogProbVulkan(ctx).Backward(logits, labels, t, v, 1f, gh, gl, g));
            return k;
        }

        private Case Permutation()
        {
            const int places = 5;
            int rows = Scaled(1 << 20);
            var (predicted, truth, rewards) = (new int[rows * places], new int[rows * places], new float[rows]);
            var rng = new Random(17);
            for (int i = 0; i < predicted.Length; i++)
            {
                (predicted[i], truth[i]) = (i % places, i % places);
            }

            for (int row = 0; row < rows; row++)
            {
                rng.Shuffle(predicted.AsSpan(row * places, places));
                rng.Shuffle(truth.AsSpan(row * places, places));
            }

            var k = New("batch-ranking reward, discordant pairs (parse on host, not timed)",
                $"{Millions(rows)} rollouts, n = {places}", "8 B/place + 4 B/row",
                RooflineMath.PermutationBytes(rows, places));
            k.Dispatches = [RankingVulkan.DiscordantDispatch(k.Own(ctx.Upload<int>(predicted)),
                k.Own(ctx.Upload<int>(truth)), k.Device(rows * 4L), places, rows)];
            k.Cpu = () => new RankingCpu().PermutationRewards(predicted, truth, places, rewards);
            k.Compare = () => Diff(rewards, r => new RankingVulkan(ctx).PermutationRewards(predicted, truth, places,
                r));
            return k;
        }

        private Case Pointwise()
        {
            var shape = new ImageShape(3, Side(448), Side(448));
            const int images = 32;
            var batch = Filled(images * shape.Size, 18, 0, 1);
            var chains = Enumerable.Repeat(new PointwiseChain(1.1f, 0.9f, 1.2f, 0.03f), images).ToArray();
            var seeds = Enumerable.Range(0, images).Select(i => (ulong)i).ToArray();
            var k = New("perturbation chain, fused (brightness, contrast, saturation, noise; in place)",
                $"{images} × 3 × {shape.Height}²", "8 B/value", RooflineMath.PointwiseBytes(batch.Length));
            k.Dispatches = [PerturbVulkan.PointwiseDispatch(k.Own(ctx.Upload<float>(batch)),
                k.Own(PerturbVulkan.PointwiseParameters(ctx, chains, seeds)), shape, images)];
            var timed = (float[])batch.Clone();
            k.Cpu = () => new PerturbCpu().Pointwise(timed, shape, chains, seeds);
            k.Compare = () =>
            {
                var (cpu, gpu) = ((float[])batch.Clone(), (float[])batch.Clone());
                new PerturbCpu().Pointwise(cpu, shape, chains, seeds);
                new PerturbVulkan(ctx).Pointwise(gpu, shape, chains, seeds);
                return RooflineMath.RelativeDifference(gpu, cpu);
            };
            return k;
        }

        private Case Kendall()
        {
            int n = shrink == 1 ? 65536 : 2048; // O(n²) pairs: 1/1024 of the work at small scale
            double[] x = [.. Filled(n, 19, 0, 1).Select(f => (double)f)], y = [.. Filled(n, 20, 0, 1)
                .Select(f => (double)f)];
            var k = New("Kendall τ-b pair counts (64-bit order keys)", $"n = {n}", "16 B/value",
                RooflineMath.KendallBytes(n), n * (n - 1.0) / 2, "Gpairs/s");
            k.Dispatches = [RankingVulkan.KendallDispatch(k.Own(ctx.Upload<ulong>(RankingVulkan.OrderKeys(x))),
                k.Own(ctx.Upload<ulong>(RankingVulkan.OrderKeys(y))),
                k.Device(RankingVulkan.KendallGroups(n) * 16L), n)];
            k.Cpu = () => new RankingCpu().KendallTau(x, y);
            k.Compare = () => Math.Abs(new RankingVulkan(ctx).KendallTau(x, y) - new RankingCpu().KendallTau(x, y));
            return k;
        }

        private Case Levenshtein()
        {
            int n = Side(4096);
            var rng = new Random(21);
            string a = new([.. Enumerable.Range(0, n).Select(_ => (char)('a' + rng.Next(4)))]),
                b = new([.. Enumerable.Range(0, n).Select(_ => (char)('a' + rng.Next(4)))]);
            var k = New("Levenshtein (one pair, anti-diagonal wavefront)", $"{n} × {n} chars", "4 B/char",
                RooflineMath.LevenshteinBytes(n, n), (double)n * n, "Gcells/s");
            k.Dispatches = [RankingVulkan.LevenshteinDispatch(k.Own(ctx.Upload<int>([.. a.Select(ch => (int)ch)])),
                k.Own(ctx.Upload<int>([.. b.Select(ch => (int)ch)])),
                k.Device(RankingVulkan.LevenshteinScratchBytes(n)), k.Device(4), n, n)];
            k.Cpu = () => new RankingCpu().Levenshtein(a, b);
            k.Compare = () => Math.Abs(new RankingVulkan(ctx).Levenshtein(a, b) - new RankingCpu().Levenshtein(a, b));
            return k;
        }

        /// <summary>Runs <paramref name="vulkan"/> into a fresh array shaped like <paramref name="cpu"/>, which
        /// holds the Cpu backend's last result on the same inputs.</summary>
        private static double Diff(float[] cpu, Action<float[]> vulkan)
        {
            var gpu = new float[cpu.Length];
            vulkan(gpu);
            return RooflineMath.RelativeDifference(gpu, cpu);
        }

        private static float[][] Split(int[] sizes, float[] all)
        {
            var parts = new float[sizes.Length][];
            for (int i = 0, at = 0; i < sizes.Length; at += sizes[i], i++)
            {
                parts[i] = all.AsSpan(at, sizes[i]).ToArray();
            }

            return parts;
        }

        /// <summary>Seeded uniform values in [lo, hi] (SplitMix64, fast enough for 64M values).</summary>
        private static float[] Filled(int n, ulong seed, float lo, float hi)
        {
            var values = new float[n];
            ulong s = seed * 0x9E3779B97F4A7C15UL;
            for (int i = 0; i < n; i++)
            {
                ulong z = s += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                values[i] = lo + (hi - lo) * ((z ^ (z >> 31)) >> 40) / (float)(1 << 24);
            }

            return values;
        }

        private static string Millions(int n) =>
            n >= 1 << 20 ? $"{n / (double)(1 << 20):0.##}M" : $"{n / 1024.0:0.##}K";

        private Case New(string kernel, string size, string model, long bytes, double work = 0, string unit = "",
            bool isRoof = false) => new(ctx, kernel, size, model, bytes, work, unit, isRoof);
    }
}
