using System.Diagnostics;
using System.Globalization;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Bench;

/// <summary>
/// The Vulkan roofline: <c>PerceptionJudge.Bench --vulkan-roofline [--scale gpu|small] [--reps 20] [--out FILE]
/// [--no-check] [--only KEYS] [--keys]</c>. Not BenchmarkDotNet: one pass over every ported kernel family on the device
/// <c>PJ_VULKAN_DEVICE</c> picks (the first discrete GPU by default), in a few seconds to a minute.
/// <para>
/// The operands of each kernel are uploaded once into device-local buffers (a staging copy where the device's memory is
/// not host-visible); then the kernel's own dispatch (the one its public call submits) runs 3 times to warm up (at
/// least half a second of calls at gpu scale, so the clocks have ramped) and <c>--reps</c> times timed. The GPU time is
/// the median of the timestamp queries around the dispatches of a call: host work of a whole call (buffers, copies, the
/// host's finish of a reduction) is not in it. Bytes follow <see cref="RooflineMath"/>'s compulsory-traffic models; the
/// roof is the STREAM triad (<c>triad.comp</c>, vec4 loads) over 3 × 64M floats in the same run. The Cpu backend runs
/// the same inputs (median of a few calls), and the whole public Vulkan call is compared with it once
/// (<c>--no-check</c> skips that: it allocates host-visible buffers and reads results back through them). Sizes:
/// <c>gpu</c> is the CPU benchmark classes' main sizes, <c>small</c> 1/64 of the data (Kendall 1/1024 of the pairs) so
/// lavapipe finishes in seconds. The table goes to stdout, and to <c>--out</c> after every row.
/// </para>
/// </summary>
public static partial class VulkanRoofline
{
    public static int Run(string[] args)
    {
        var (scale, reps, outPath, check, only) = ("gpu", 20, (string?)null, true, (string[]?)null);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--scale": scale = Value(); break;
                case "--reps": reps = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--out": outPath = Value(); break;
                case "--no-check": check = false; break;
                case "--only": only = Value().Split(','); break;
                case "--keys":
                    Console.WriteLine(string.Join(' ', Runner.Keys)); // for scripts that run one key per process
                    return 0;
                default:
                    throw new ArgumentException($"unknown option {args[i]}; valid: --scale gpu|small, --reps N, "
                        + "--out FILE, --no-check, --keys, --only KEY,KEY (keys: triad, "
                        + string.Join(", ", Runner.Keys) + "; the triad always runs)");
            }
        }

        int shrink = scale switch
        {
            "gpu" => 1,
            "small" => 64,
            _ => throw new ArgumentException($"--scale {scale}: valid are gpu, small"),
        };
        if (!VulkanRuntime.IsAvailable)
        {
            Console.Error.WriteLine(VulkanRuntime.UnavailableReason);
            return 2;
        }

        var roofline = new Runner(VulkanRuntime.Shared, shrink, Math.Max(reps, 1), check, outPath);
        roofline.Run($"scale {scale}", only);
        return 0;
    }

    /// <summary>
    /// One run in two passes. First every case in order: built, timed on the GPU and the CPU, printed (its check
    /// pending) and its device buffers released. Then the checks, whose whole calls read results back through
    /// host-visible memory (slow where that is a PCIe window), each row rewritten as its check completes; so a
    /// timeout in the checks loses no timing.
    /// </summary>
    private sealed partial class Runner(VulkanContext ctx, int shrink, int reps, bool check, string? outPath)
    {
        private const string Pending = "pending";
        private readonly List<string> _lines = [];
        private readonly List<(Case Case, int Line)> _rows = [];
        private readonly Stopwatch _checkTime = new();
        private double _roof = double.NaN;

        /// <summary>The keys of <c>--only</c>, in run order after the triad.</summary>
        public static string[] Keys { get; } =
        [
            "grpo", "policy_loss", "kl", "loss_agg", "adamw", "lora", "log_prob", "log_prob_backward", "ranking",
            "perturb", "kendall", "levenshtein",
        ];

        private int WarmUps => Math.Min(3, reps);

        private double WarmUpSeconds => shrink == 1 ? 0.5 : 0.05;

        private int CpuReps => shrink == 1 ? 3 : 5;

        public void Run(string scale, string[]? only)
        {
            string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
            Emit($"Vulkan roofline, {scale}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: device {ctx.Device}; timestamps "
                + $"{(ctx.Timestamps ? $"{ctx.Device.TimestampPeriodNs} ns/tick" : "none")}; GPU time = median of "
                + $"{reps} calls after {WarmUps} warm-ups; CPU backend on {Environment.ProcessorCount} logical cores "
                + $"(load average {load}), median of {CpuReps} calls.");
            Func<Case>[] cases =
            [
                Grpo, PolicyLoss, Kl, LossAgg, AdamW, Lora, LogProbForward, LogProbBackward, Permutation, Pointwise,
                Kendall, Levenshtein,
            ];
            Build("triad", Triad);
            for (int i = 0; i < cases.Length; i++)
            {
                if (only is null || only.Contains(Keys[i]))
                {
                    Build(Keys[i], cases[i]);
                }
            }

            Console.WriteLine();
            Console.WriteLine(check ? "Checks (the whole public Vulkan call against the Cpu result):" : "");
            foreach (var (c, line) in _rows.Where(r => r.Case.Check == Pending))
            {
                c.Check = RunCheck(c);
                _lines[line] = Row(c);
                Emit(null);
                Console.WriteLine($"{c.Kernel}: {c.Check}");
            }

            Console.WriteLine();
            Console.WriteLine(string.Join('\n', _lines));
        }

        /// <summary>Builds and measures one case, then releases its device buffers; a Vulkan failure (out of
        /// memory, a lost device) becomes its row.</summary>
        private void Build(string key, Func<Case> make)
        {
            Case? c = null;
            try
            {
                c = make();
                Measure(c);
            }
            catch (VulkanException e)
            {
                Header();
                Emit($"| {key} | failed: {e.Message} | | | | | | | | |");
            }
            finally
            {
                c?.Dispose();
            }
        }

        private void Header()
        {
            if (!_lines.Contains(RooflineMath.Header))
            {
                Emit("");
                Emit(RooflineMath.Header);
            }
        }

        private void Measure(Case c)
        {
            try
            {
                // Every kernel warms up for half a second of calls at least (the GPU may have dropped its clocks
                // while the previous row's Cpu backend ran). This did not remove the in-process slowdown docs/gpu.md
                // describes (short kernels 2–3× slower than in a process of their own), whose cause is still open.
                var warm = Stopwatch.StartNew();
                for (int i = 0; i < WarmUps || warm.Elapsed.TotalSeconds < WarmUpSeconds; i++)
                {
                    ctx.Run(c.Dispatches);
                }

                var times = new double[reps];
                for (int i = 0; i < reps; i++)
                {
                    times[i] = ctx.Run(c.Dispatches).Sum(t => t.GpuNanoseconds);
                }

                c.GpuNs = RooflineMath.Median(times);

                // The same calls back to back in one submission: no host gap between them, so the clocks stay up.
                int per = c.Dispatches.Length;
                var chained = new VulkanDispatch[per * reps];
                for (int i = 0; i < reps; i++)
                {
                    c.Dispatches.CopyTo(chained, i * per);
                }

                var timings = ctx.Run(chained);
                c.BackToBackNs = RooflineMath.Median([.. Enumerable.Range(1, reps - 1)
                    .Select(i => timings.Skip(i * per).Take(per).Sum(t => t.GpuNanoseconds))]);
            }
            catch (VulkanException e)
            {
                c.Check = $"GPU timing failed: {e.Message}";
            }

            c.Cpu();
            var cpuTimes = new double[CpuReps];
            for (int i = 0; i < cpuTimes.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                c.Cpu();
                cpuTimes[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            }

            c.CpuNs = RooflineMath.Median(cpuTimes);
            if (c.IsRoof)
            {
                _roof = RooflineMath.GigabytesPerSecond(c.Bytes,
                    double.IsFinite(c.BackToBackNs) ? c.BackToBackNs : c.GpuNs);
                c.Check ??= RunCheck(c); // reads the resident output: before the buffers go
            }

            c.Check ??= check && c.Compare is not null ? Pending : "not checked";
            Header();
            Emit(Row(c));
            _rows.Add((c, _lines.Count - 1));
        }

        private string Row(Case c) => RooflineMath.FormatRow(new RooflineRow(c.Kernel, c.Size, c.Model, c.Bytes,
            c.GpuNs, c.CpuNs, c.Work, c.WorkUnit, c.Check ?? "", c.BackToBackNs), _roof);

        private string RunCheck(Case c)
        {
            if (!check || c.Compare is null)
            {
                return "not checked";
            }

            if (_checkTime.Elapsed.TotalSeconds > 90)
            {
                return "skipped (90 s of checks spent)";
            }

            _checkTime.Start();
            try
            {
                double diff = c.Compare();
                return $"max rel. diff {diff:0.0e+0}{c.CheckNote}";
            }
            catch (Exception e) when (e is VulkanException or KernelInputException)
            {
                return $"failed: {e.Message}";
            }
            finally
            {
                _checkTime.Stop();
            }
        }

        /// <summary>Prints and appends <paramref name="line"/> (null: only rewrites the file).</summary>
        private void Emit(string? line)
        {
            if (line is not null)
            {
                Console.WriteLine(line);
                _lines.Add(line);
            }

            if (outPath is not null)
            {
                File.WriteAllLines(outPath, _lines);
            }
        }

        private int Scaled(int n) => Math.Max(n / shrink, 1);

        /// <summary>A side of a square operand: 1/8 of it at small scale, so 1/64 of the data.</summary>
        private int Side(int n) => shrink == 1 ? n : n / 8;
    }

    /// <summary>One kernel's resident operands, dispatches, Cpu call and check; owns its device buffers.</summary>
    private sealed class Case(
        VulkanContext ctx, string kernel, string size, string model, long bytes, double work, string unit,
        bool isRoof) : IDisposable
    {
        private readonly List<VulkanBuffer> _owned = [];

        public string Kernel => kernel;

        public string Size => size;

        public string Model => model;

        public long Bytes => bytes;

        public bool IsRoof => isRoof;

        public double Work => work;

        public string WorkUnit => unit;

        public VulkanDispatch[] Dispatches { get; set; } = [];

        public Action Cpu { get; set; } = () => { };

        public Func<double>? Compare { get; set; }

        /// <summary>What the check left out, appended to its result.</summary>
        public string CheckNote { get; set; } = "";

        public string? Check { get; set; }

        public double GpuNs { get; set; } = double.NaN;

        public double BackToBackNs { get; set; } = double.NaN;

        public double CpuNs { get; set; } = double.NaN;

        public VulkanBuffer Own(VulkanBuffer buffer)
        {
            _owned.Add(buffer);
            return buffer;
        }

        public VulkanBuffer Device(long bytes) => Own(VulkanBuffer.Create(ctx, bytes, BufferMemory.DeviceLocal));

        /// <summary>Frees the device buffers; the host operands stay for the check.</summary>
        public void Dispose()
        {
            foreach (var b in _owned)
            {
                b.Dispose();
            }

            _owned.Clear();
            Dispatches = [];
        }
    }
}
