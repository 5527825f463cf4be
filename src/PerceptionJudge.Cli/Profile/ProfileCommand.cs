using System.CommandLine;
using System.Diagnostics;
using PerceptionJudge.Cli.Ppjd;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Profile;

/// <summary>
/// <c>pjudge profile demo|kernel NAME</c>: runs N steps of something real with <see cref="KernelTrace"/> on, writes a
/// Chrome trace-event JSON (open it in https://ui.perfetto.dev) with one span per kernel launch (bytes moved in its
/// args) under phase spans, and prints the top kernels by time with their share of the roofline: the STREAM
/// triad bandwidth measured at start on all cores. A launch that runs on one thread of a parallel phase (the
/// per-image perturbations of the demo) shows its single-launch bandwidth, so its % is a lower bound there.
/// </summary>
internal static class ProfileCommand
{
    public static Command Create(TextWriter stdout)
    {
        var output = new Option<string>("--out")
        {
            Description = "Trace file (Chrome trace-event JSON)",
            DefaultValueFactory = _ => Path.Combine("artifacts", "profile", "trace.json"),
            Recursive = true,
        };
        var top = new Option<int>("--top")
        {
            Description = "Kernels listed in the summary",
            DefaultValueFactory = _ => 10,
            Recursive = true,
        };
        var profile = new Command("profile", "Trace kernel launches into a Chrome/Perfetto trace and rank them")
        {
            output, top,
        };

        var demoSteps = new Option<int>("--steps") { Description = "Demo builds to run", DefaultValueFactory = _ => 1 };
        var pairs = new Option<int>("--pairs")
        {
            Description = "Synthetic pairs per build",
            DefaultValueFactory = _ => 8,
        };
        var demo = new Command("demo", "Profile the synthetic PPJD demo build (build, validate, preview)")
        {
            demoSteps, pairs,
        };
        demo.SetAction(parse => Run(
            stdout, parse.GetValue(output)!, parse.GetValue(top), $"demo, {parse.GetValue(pairs)} pairs",
            Steps(parse.GetValue(demoSteps)), step => DemoStep(parse.GetValue(output)!, parse.GetValue(pairs), step)));

        var name = new Argument<string>("name") { Description = "Kernel, e.g. advantage.grpo (see the list below)" };
        var kernelSteps = new Option<int>("--steps") { Description = "Launches", DefaultValueFactory = _ => 20 };
        var kernel = new Command(
            "kernel", "Profile one kernel on synthetic operands: " + string.Join(", ", KernelWorkloads.Names))
        {
            name, kernelSteps,
        };
        kernel.SetAction(parse =>
        {
            var launch = KernelWorkloads.Create(parse.GetValue(name)!);
            return Run(stdout, parse.GetValue(output)!, parse.GetValue(top), parse.GetValue(name)!,
                Steps(parse.GetValue(kernelSteps)), _ => launch());
        });
        profile.Add(demo);
        profile.Add(kernel);
        return profile;
    }

    private static int Steps(int steps) =>
        steps >= 1 ? steps : throw new CliInputException("--steps", $"must be at least 1, got {steps}");

    private static int Run(
        TextWriter stdout, string tracePath, int top, string what, int steps, Action<int> step)
    {
        double triadGbs = TriadProbe.MeasureGbPerSecond();
        var sink = new ChromeTraceSink();
        var wall = Stopwatch.StartNew();
        KernelTrace.Sink = sink;
        try
        {
            using var root = KernelTrace.Phase($"profile {what}");
            for (int i = 0; i < steps; i++)
            {
                using var phase = KernelTrace.Phase($"step {i}");
                step(i);
            }
        }
        finally
        {
            KernelTrace.Sink = null;
        }

        wall.Stop();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(tracePath))!);
        using (var file = File.Create(tracePath))
        {
            sink.Write(file, new Dictionary<string, string>
            {
                ["workload"] = what,
                ["steps"] = steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["backend"] = KernelBackend.Current.ToString().ToLowerInvariant(),
                ["triad_gb_per_s"] = triadGbs.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
                ["cores"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        stdout.WriteLine($"trace: {tracePath} ({sink.Events.Count} spans; open in https://ui.perfetto.dev)");
        stdout.WriteLine(
            $"{what}: {steps} steps in {wall.Elapsed.TotalMilliseconds:0} ms; triad {triadGbs:0.0} GB/s " +
            $"on {Environment.ProcessorCount} threads");
        TopKernels.Print(sink.Events, triadGbs, top, stdout);
        return PjudgeApp.Success;
    }

    private static void DemoStep(string tracePath, int pairs, int step)
    {
        string dir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tracePath))!, "demo-ppjd");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true); // the profile's own scratch folder, replaced each step
        }

        using (KernelTrace.Phase("ppjd.build"))
        {
            PpjdCommand.Build(dir, System.Math.Max(1, pairs), 20261122 + (ulong)step, TextWriter.Null, TextWriter.Null);
        }

        using (KernelTrace.Phase("ppjd.validate"))
        {
            PpjdManifest.Validate(dir);
        }

        using (KernelTrace.Phase("ppjd.preview"))
        {
            PpjdCommand.Preview(dir, Path.Combine(dir, "contact-sheet.png"), 4);
        }
    }
}
