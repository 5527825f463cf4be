using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Training.Tests.Metrics;

[TestFixture]
public sealed class MetricsWriterTests
{
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("pj-metrics-").FullName;
        _path = Path.Combine(_dir, "run", "metrics.jsonl");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, double> Values(double reward) => new()
    {
        ["reward"] = reward,
        ["actor/pg_clipfrac"] = 0.25,
    };

    [Test]
    public void Write_OneSortedSnakeCaseObjectPerLine_NaNAsNull()
    {
        using (MetricsWriter writer = MetricsWriter.Create(_path))
        {
            writer.Write(1, MetricsWriter.Sft, new Dictionary<string, double> { ["loss"] = 2.5 });
            writer.Write(1, MetricsWriter.Rl, new Dictionary<string, double>
            {
                ["reward"] = 0.5,
                ["kl"] = double.NaN,
                ["entropy"] = double.PositiveInfinity,
            });
        }
        Assert.That(File.ReadAllLines(_path), Is.EqualTo(new[]
        {
            "{\"step\":1,\"phase\":\"sft\",\"loss\":2.5}",
            "{\"step\":1,\"phase\":\"rl\",\"entropy\":null,\"kl\":null,\"reward\":0.5}",
        }));
    }

    [Test]
    public void Write_IsOnDiskBeforeDispose()
    {
        using MetricsWriter writer = MetricsWriter.Create(_path);
        writer.Write(3, MetricsWriter.Rl, Values(1));
        using var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Assert.That(new StreamReader(reader).ReadToEnd(), Does.EndWith("}\n"));
    }

    [Test]
    public void Write_RejectsAStepThatDoesNotMoveForward()
    {
        using MetricsWriter writer = MetricsWriter.Create(_path);
        writer.Write(2, MetricsWriter.Rl, Values(1));
        Assert.Throws<InvalidOperationException>(() => writer.Write(2, MetricsWriter.Rl, Values(1)));
        Assert.Throws<InvalidOperationException>(() => writer.Write(5, MetricsWriter.Sft, Values(1)));
        Assert.Throws<ArgumentException>(() => writer.Write(3, "eval", Values(1)));
        var pascal = new Dictionary<string, double> { ["Reward"] = 1 };
        var reserved = new Dictionary<string, double> { ["step"] = 1 };
        Assert.Throws<ArgumentException>(() => writer.Write(3, MetricsWriter.Rl, pascal));
        Assert.Throws<ArgumentException>(() => writer.Write(3, MetricsWriter.Rl, reserved));
    }

    [Test]
    public void Resume_CutsLinesBeyondTheResumedStep_SoNoStepIsDuplicated()
    {
        using (MetricsWriter first = MetricsWriter.Create(_path))
        {
            first.Write(1, MetricsWriter.Sft, Values(0));
            for (int step = 1; step <= 7; step++)
            {
                first.Write(step, MetricsWriter.Rl, Values(step));
            }
        }
        File.AppendAllText(_path, "{\"step\":8,\"pha");   // a kill in the middle of a line

        using (MetricsWriter resumed = MetricsWriter.Resume(_path, MetricsWriter.Rl, 5))
        {
            Assert.Throws<InvalidOperationException>(() => resumed.Write(5, MetricsWriter.Rl, Values(5)));
            resumed.Write(6, MetricsWriter.Rl, Values(60));
            resumed.Write(7, MetricsWriter.Rl, Values(70));
        }
        IReadOnlyList<MetricsRecord> records = MetricsReader.Read(_path);
        Assert.That(records.Select(r => (r.Phase, r.Step)), Is.EqualTo(new[]
        {
            ("sft", 1), ("rl", 1), ("rl", 2), ("rl", 3), ("rl", 4), ("rl", 5), ("rl", 6), ("rl", 7),
        }));
        Assert.That(records[^1].Values["reward"], Is.EqualTo(70));
        Assert.That(records[^1].Values["actor/pg_clipfrac"], Is.EqualTo(0.25));
    }

    [Test]
    public void Resume_InTheSftPhase_CutsTheRlLines()
    {
        using (MetricsWriter first = MetricsWriter.Create(_path))
        {
            first.Write(1, MetricsWriter.Sft, Values(0));
            first.Write(2, MetricsWriter.Sft, Values(0));
            first.Write(1, MetricsWriter.Rl, Values(1));
        }
        using (MetricsWriter resumed = MetricsWriter.Resume(_path, MetricsWriter.Sft, 1))
        {
            resumed.Write(2, MetricsWriter.Sft, Values(2));
        }
        Assert.That(MetricsReader.Read(_path).Select(r => (r.Phase, r.Step)),
            Is.EqualTo(new[] { ("sft", 1), ("sft", 2) }));
    }

    [Test]
    public void Resume_OfAMissingFile_StartsIt()
    {
        using (MetricsWriter resumed = MetricsWriter.Resume(_path, MetricsWriter.Rl, 10))
        {
            resumed.Write(11, MetricsWriter.Rl, Values(1));
        }
        Assert.That(MetricsReader.Read(_path).Single().Step, Is.EqualTo(11));
    }

    [Test]
    public void MalformedLine_IsReportedWithItsLine()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(_path, "{\"step\":1,\"phase\":\"rl\"}\nnot json\n");
        var e = Assert.Throws<TrainingException>(() => MetricsReader.Read(_path));
        Assert.That(e!.Message, Does.StartWith($"{_path}:2: not a JSON metrics line"));
        var resume = Assert.Throws<TrainingException>(() => MetricsWriter.Resume(_path, MetricsWriter.Rl, 5));
        Assert.That(resume!.Line, Is.EqualTo(2));

        File.WriteAllText(_path, "{\"step\":1}\n");
        var noPhase = Assert.Throws<TrainingException>(() => MetricsReader.Read(_path));
        Assert.That(noPhase!.Message, Does.Contain(":1: a metrics line needs an integer \"step\" and a \"phase\""));
    }

    [Test]
    public void NullValues_ReadBackAsNaN()
    {
        using (MetricsWriter writer = MetricsWriter.Create(_path))
        {
            writer.Write(1, MetricsWriter.Rl, new Dictionary<string, double> { ["kl"] = double.NaN });
        }
        Assert.That(MetricsReader.Read(_path).Single().Values["kl"], Is.NaN);
    }
}
