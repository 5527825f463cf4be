using System.Text;

namespace PerceptionJudge.Fuzz.Tests;

/// <summary>
/// The CI form of the fuzz campaign (docs/fuzzing.md): every target's committed corpus, its crash regressions and a
/// fixed number of seeded mutations go through the same target functions AFL++ runs, and each must end in a value or
/// the target's user error, in bounded time and allocation (<see cref="FuzzProperty"/>).
/// </summary>
[TestFixture]
public sealed class FuzzReplayTests
{
    private const int Seed = 20261122;

    private static IEnumerable<string> TargetNames => FuzzTargets.Names;

    [TestCaseSource(nameof(TargetNames))]
    public void Corpus_IsCommittedForEveryTarget(string name)
    {
        Assert.That(FuzzTargets.FilesIn(FuzzTargets.CorpusDir(name)), Is.Not.Empty, $"no seed corpus for {name}");
    }

    [TestCaseSource(nameof(TargetNames))]
    public void CorpusAndSeededMutations_EndInValueOrUserError(string name)
    {
        var target = FuzzTargets.Get(name);
        var seeds = FuzzTargets.FilesIn(FuzzTargets.CorpusDir(name))
            .Concat(FuzzTargets.FilesIn(FuzzTargets.RegressionDir(name)))
            .Select(File.ReadAllBytes)
            .ToList();
        var failures = new List<string>();
        int values = 0, refusals = 0;
        void Run(string what, byte[] input)
        {
            try
            {
                _ = FuzzProperty.CheckBounded(target, input) is null ? values++ : refusals++;
            }
            catch (FuzzPropertyException e) when (failures.Count < 5)
            {
                string saved = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"fuzz-{name}-{failures.Count}");
                File.WriteAllBytes(saved, input);
                failures.Add($"{what} (saved as {saved}): {e.Message}\n{e.InnerException}");
            }
        }

        for (int i = 0; i < seeds.Count; i++)
        {
            Run($"seed {i}", seeds[i]);
        }
        int index = 0;
        foreach (byte[] input in new Mutator(seeds, target.Dictionary).Generate(Seed, target.CiMutations))
        {
            Run($"mutation {index++} of seed {Seed}", input);
        }

        TestContext.Out.WriteLine($"{name}: {values} values, {refusals} user errors, {failures.Count} violations");
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures));
        Assert.That(values + refusals, Is.EqualTo(seeds.Count + target.CiMutations));
    }

    [TestCase("declares-2pow60-header.safetensors", "exceeds")]
    [TestCase("declares-2pow60-tensor.safetensors", "needs")]
    public void Safetensors_DeclaringTwoToTheSixtyBytes_IsRefusedNotAttempted(string seed, string reason)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(FuzzTargets.CorpusDir("safetensors"), seed));

        string? refusal = FuzzProperty.Check(FuzzTargets.Get("safetensors"), input);

        Assert.That(refusal, Does.Contain(reason));
    }

    [TestCase("png-declares-100000x100000.png")]
    [TestCase("jpeg-declares-65500x65500.jpg")]
    public void Image_DeclaringHugeDimensions_IsRefusedFromTheHeader(string seed)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(FuzzTargets.CorpusDir("images"), seed));

        string? refusal = FuzzProperty.Check(FuzzTargets.Get("images"), input);

        Assert.That(refusal, Does.Contain("declares").And.Contain("over the decode limit"));
    }

    [Test]
    public void Mutator_IsDeterministicForASeed()
    {
        var corpus = new[] { Encoding.UTF8.GetBytes("{\"a\": [1, 2]}"), Encoding.UTF8.GetBytes("x: 1\n") };

        var first = new Mutator(corpus, ["<answer>"]).Generate(7, 50).ToList();
        var second = new Mutator(corpus, ["<answer>"]).Generate(7, 50).ToList();

        Assert.That(second, Is.EqualTo(first));
        Assert.That(first.Distinct(new BytesComparer()).Count(), Is.GreaterThan(25));
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
