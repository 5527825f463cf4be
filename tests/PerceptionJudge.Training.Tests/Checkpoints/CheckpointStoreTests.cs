using System.Diagnostics;
using PerceptionJudge.Training.Checkpoints;

namespace PerceptionJudge.Training.Tests.Checkpoints;

[TestFixture]
public sealed class CheckpointStoreTests
{
    private string _run = "";
    private List<string> _log = [];

    [SetUp]
    public void SetUp()
    {
        _run = Directory.CreateTempSubdirectory("pj-ckpt-").FullName;
        _log = [];
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_run, recursive: true);

    private CheckpointStore Store(int keepLast = 2) => new(_run, keepLast, _log.Add);

    private static Action<string> Writer(int step) => folder =>
    {
        File.WriteAllText(Path.Combine(folder, "state.json"), $"{{\"step\": {step}}}");
        Directory.CreateDirectory(Path.Combine(folder, "lora"));
        File.WriteAllBytes(Path.Combine(folder, "lora", "adapter.bin"), Enumerable.Repeat((byte)step, 1000).ToArray());
    };

    [Test]
    public void Save_ThenTryLatest_FindsTheStepWithAVerifiedMarker()
    {
        CheckpointStore store = Store();
        string saved = store.Save(10, Writer(10));
        Assert.That(store.TryLatest(out string folder, out int step), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That((folder, step), Is.EqualTo((saved, 10)));
            Assert.That(Path.GetFileName(folder), Is.EqualTo("step-000010"));
            Assert.That(File.ReadAllText(Path.Combine(store.Folder, "latest")), Is.EqualTo("step-000010\n"));
            CheckpointManifest manifest = CheckpointManifest.Read(folder);
            Assert.That(manifest.Step, Is.EqualTo(10));
            Assert.That(manifest.Files.Select(f => (f.Path, f.Size)),
                Is.EqualTo(new[] { ("lora/adapter.bin", 1000L), ("state.json", 12L) }));
            Assert.That(manifest.Files[1].Sha256,
                Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{\"step\": 10}"u8))));
            Assert.That(Directory.EnumerateFileSystemEntries(store.Folder, ".tmp-*"), Is.Empty);
        });
    }

    [Test]
    public void TryLatest_OnAnEmptyRun_IsFalse()
    {
        Assert.That(Store().TryLatest(out _, out _), Is.False);
    }

    [Test]
    public void Save_KeepsTheNewestKeepLast()
    {
        CheckpointStore store = Store(keepLast: 2);
        foreach (int step in new[] { 10, 20, 30, 40 })
        {
            store.Save(step, Writer(step));
        }
        Assert.That(store.List().Select(c => c.Step), Is.EqualTo(new[] { 30, 40 }));
    }

    [Test]
    public void Save_AfterResumingFromAnEarlierStep_DropsTheAbandonedLaterOnes()
    {
        CheckpointStore store = Store(keepLast: 3);
        foreach (int step in new[] { 10, 20, 30 })
        {
            store.Save(step, Writer(step));
        }
        store.Save(20, Writer(20));
        Assert.That(store.List().Select(c => c.Step), Is.EqualTo(new[] { 10, 20 }));
        Assert.That(store.TryLatest(out _, out int latest) && latest == 20, Is.True);
    }

    [Test]
    public void WriterThatThrowsMidway_LeavesThePreviousCheckpointAsLatest()
    {
        CheckpointStore store = Store();
        store.Save(10, Writer(10));
        Assert.Throws<InvalidOperationException>(() => store.Save(20, folder =>
        {
            File.WriteAllText(Path.Combine(folder, "half.bin"), "written");
            throw new InvalidOperationException("writer bug");
        }));
        Assert.That(store.TryLatest(out string folder, out int step), Is.True);
        Assert.That((Path.GetFileName(folder), step), Is.EqualTo(("step-000010", 10)));
        Assert.That(Directory.EnumerateFileSystemEntries(store.Folder, ".tmp-*"), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(store.Folder, "step-000020")), Is.False);
    }

    [Test]
    public void IoFailureDuringSave_IsATrainingExceptionNamingTheLastGoodCheckpoint()
    {
        CheckpointStore store = Store();
        store.Save(10, Writer(10));
        var e = Assert.Throws<TrainingException>(() => store.Save(20, folder =>
        {
            File.WriteAllText(Path.Combine(folder, "part.bin"), "x");
            throw new IOException("No space left on device");
        }));
        Assert.That(e!.Message, Does.Contain("the checkpoint save of step 20 failed (No space left on device)"));
        Assert.That(e.Message, Does.Contain("Free disk space"));
        string lastGood = Path.Combine(store.Folder, "step-000010");
        Assert.That(e.Message, Does.Contain($"the last good checkpoint '{lastGood}' is intact"));
        Assert.That(Directory.EnumerateFileSystemEntries(store.Folder, ".tmp-*"), Is.Empty);
        Assert.That(store.TryLatest(out _, out int step) && step == 10, Is.True);
    }

    [Test]
    public void IoFailureOnTheFirstSave_SaysThereIsNoEarlierCheckpoint()
    {
        var e = Assert.Throws<TrainingException>(() => Store().Save(5, _ => throw new IOException("disk full")));
        Assert.That(e!.Message, Does.Contain("there is no earlier checkpoint"));
    }

    [Test]
    public void CorruptedFile_IsReportedWithItsName()
    {
        CheckpointStore store = Store();
        string folder = store.Save(10, Writer(10));
        string adapter = Path.Combine(folder, "lora", "adapter.bin");
        byte[] bytes = File.ReadAllBytes(adapter);
        bytes[500] ^= 0xFF;
        File.WriteAllBytes(adapter, bytes);
        var e = Assert.Throws<TrainingException>(() => store.TryLatest(out _, out _));
        Assert.That(e!.Message, Does.Contain("file 'lora/adapter.bin' is damaged: its SHA-256"));
        Assert.That(e.Message, Does.Contain("delete"));

        File.WriteAllBytes(adapter, bytes[..10]);
        var truncated = Assert.Throws<TrainingException>(() => store.TryLatest(out _, out _));
        Assert.That(truncated!.Message, Does.Contain("file 'lora/adapter.bin' has 10 bytes, 1000 when saved"));
    }

    [Test]
    public void LatestNamingAMissingOrIncompleteFolder_FallsBackToTheNewestComplete()
    {
        CheckpointStore store = Store(keepLast: 5);
        store.Save(10, Writer(10));
        store.Save(20, Writer(20));
        File.WriteAllText(Path.Combine(store.Folder, "latest"), "step-000030\n");
        Assert.That(store.TryLatest(out _, out int step) && step == 20, Is.True);
        Assert.That(_log.Single(), Does.Contain("names 'step-000030', which is missing or incomplete"));

        File.Delete(Path.Combine(store.Folder, "step-000020", CheckpointManifest.FileName));
        File.WriteAllText(Path.Combine(store.Folder, "latest"), "step-000020\n");
        Assert.That(store.TryLatest(out _, out step) && step == 10, Is.True);
    }

    [Test]
    public void SavingTheSameStepAgain_ReplacesIt()
    {
        CheckpointStore store = Store();
        store.Save(10, Writer(10));
        string folder = store.Save(10, f => File.WriteAllText(Path.Combine(f, "other.txt"), "v2"));
        Assert.That(CheckpointManifest.Verify(folder, 10).Files.Select(f => f.Path), Is.EqualTo(new[] { "other.txt" }));
        Assert.That(Directory.EnumerateFileSystemEntries(store.Folder, ".tmp-*"), Is.Empty);
    }

    [Test]
    public void KilledWriterProcess_LeavesTheLastGoodCheckpointLoadable_AndItsLeftoverIsCleanedAtTheNextSave()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/sh"))
        {
            Assert.Ignore("needs /bin/sh on Linux to SIGKILL a writer process");
        }
        CheckpointStore store = Store();
        store.Save(10, Writer(10));

        // A real writer process filling a temp checkpoint folder and a temp 'latest', SIGKILLed mid-write.
        const string script = """
            tmp="$1/.tmp-step-000020-$$"; mkdir -p "$tmp"; printf 'step-0000' > "$1/.tmp-latest-$$"
            while :; do head -c 65536 /dev/zero >> "$tmp/model.bin"; sleep 0.005; done
            """;
        var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", script, "sh", store.Folder } };
        using Process writer = Process.Start(start)!;
        string model = Path.Combine(store.Folder, $".tmp-step-000020-{writer.Id}", "model.bin");
        var waited = Stopwatch.StartNew();
        while (!(File.Exists(model) && new FileInfo(model).Length >= 256 * 1024) && waited.Elapsed.TotalSeconds < 20)
        {
            Thread.Sleep(10);
        }
        writer.Kill(entireProcessTree: true);
        writer.WaitForExit();
        Assert.That(new FileInfo(model).Length, Is.GreaterThanOrEqualTo(256 * 1024), "the writer was killed mid-write");

        Assert.That(store.TryLatest(out string folder, out int step), Is.True);
        Assert.That((Path.GetFileName(folder), step), Is.EqualTo(("step-000010", 10)));

        store.Save(20, Writer(20));
        Assert.That(Directory.EnumerateFileSystemEntries(store.Folder, ".tmp-*"), Is.Empty);
        Assert.That(_log, Has.Some.Contains("left by an interrupted checkpoint save"));
        Assert.That(store.TryLatest(out _, out step) && step == 20, Is.True);
    }
}
