using System.Globalization;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Evaluation;

namespace PerceptionJudge.Training.Tests.Integration;

/// <summary>
/// The soak: the toy trainer runs RL steps and evaluations over and over while the process's resident memory
/// (VmRSS), the managed heap after a full collection, open file handles (<c>/proc/self/fd</c>) and live libtorch
/// tensors are sampled; growth past <see cref="Bounds"/> after the warm-up fails. In CI it runs
/// <see cref="CiIterations"/> rounds (well under two minutes); <c>PJUDGE_SOAK_MINUTES=60</c> makes it the long form,
/// and <c>PJUDGE_SOAK_CSV=FILE</c> writes the memory curve (docs/training.md, "Soak").
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SoakTests : LibTorchFixture
{
    /// <summary>Rounds (one RL step and one evaluation each) after the warm-up, in CI.</summary>
    public const int CiIterations = 12;

    /// <summary>Rounds before the baseline sample: JIT, libtorch's allocator and the thread pools settle.</summary>
    public const int WarmUp = 3;

    /// <summary>
    /// Growth allowed from the baseline to the last sample: 64 MiB of RSS (allocator slack, not a per-step leak: the
    /// long form's curve is flat), 16 MiB of managed heap, 4 file handles (none are held between steps), 0 tensors.
    /// </summary>
    public static readonly (long RssBytes, long ManagedBytes, int Handles, long Tensors) Bounds =
        (64L << 20, 16L << 20, 4, 0);

    private string _root = "";

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pj-soak-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    [Test]
    public void RepeatedStepsAndEvaluations_KeepMemoryAndHandlesFlat()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("samples /proc/self; Linux only");
        }

        double minutes = double.TryParse(Environment.GetEnvironmentVariable("PJUDGE_SOAK_MINUTES"),
            CultureInfo.InvariantCulture, out double m) ? m : 0;
        var samples = new List<Sample>();
        using (var trainer = new TrainingRun(ToyTrainConfig.Create(Path.Combine(_root, "run"), 1),
            NullTrainingProgress.Instance).Run(resume: false))
        {
            var validation = trainer.Samples.Validation.Take(4).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int round = 0; ; round++)
            {
                trainer.RunRlStep();
                var rows = JudgeRun.Run(trainer.Engine(), validation, maxNewTokens: 8, temperature: 1.0, (ulong)round);
                Assert.That(rows, Has.Count.EqualTo(validation.Count));
                if (round >= WarmUp)
                {
                    samples.Add(Sample.Take(round, clock.Elapsed.TotalSeconds));
                }
                bool done = minutes > 0 ? clock.Elapsed.TotalMinutes >= minutes : round + 1 >= WarmUp + CiIterations;
                if (done)
                {
                    break;
                }
            }
        }

        WriteCurve(samples);
        var (first, last) = (samples[0], samples[^1]);
        TestContext.Out.WriteLine($"baseline {first}\nlast     {last}");
        Assert.Multiple(() =>
        {
            Assert.That(last.Rss - first.Rss, Is.LessThanOrEqualTo(Bounds.RssBytes), "resident memory growth");
            Assert.That(last.Managed - first.Managed, Is.LessThanOrEqualTo(Bounds.ManagedBytes), "managed heap growth");
            Assert.That(last.Handles - first.Handles, Is.LessThanOrEqualTo(Bounds.Handles), "open file handles");
            Assert.That(last.Tensors - first.Tensors, Is.LessThanOrEqualTo(Bounds.Tensors), "live native tensors");
        });
    }

    private static void WriteCurve(List<Sample> samples)
    {
        string? csv = Environment.GetEnvironmentVariable("PJUDGE_SOAK_CSV");
        if (!string.IsNullOrEmpty(csv))
        {
            File.WriteAllLines(csv, samples.Select(s => s.ToCsv()).Prepend(Sample.CsvHeader));
        }
    }

    /// <summary>One sample of the process after a round.</summary>
    private sealed record Sample(int Round, double Seconds, long Rss, long Managed, int Handles, long Tensors)
    {
        public const string CsvHeader = "round,seconds,rss_bytes,managed_bytes,open_handles,native_tensors";

        public static Sample Take(int round, double seconds) => new(
            round, seconds, ResidentBytes(), GC.GetTotalMemory(forceFullCollection: true),
            Directory.GetFileSystemEntries("/proc/self/fd").Length, LibTorch.NativeLiveTensors);

        public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
            $"{Round},{Seconds:F1},{Rss},{Managed},{Handles},{Tensors}");

        public override string ToString() =>
            $"round {Round}: rss {Rss >> 20} MiB, managed {Managed >> 20} MiB, {Handles} fds, {Tensors} tensors";

        /// <summary>VmRSS of /proc/self/status, in bytes.</summary>
        private static long ResidentBytes()
        {
            string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
    }
}
