using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Training.Checkpoints;

namespace PerceptionJudge.Training.Tests.Checkpoints;

[TestFixture]
public sealed class TrainingRandomTests
{
    /// <summary>
    /// xoshiro256** from state {1, 2, 3, 4}: the outputs of Vigna's reference C code (as pinned by the rand_xoshiro
    /// crate's reference test).
    /// </summary>
    [Test]
    public void NextUInt64_MatchesTheReferenceOutputs()
    {
        var rng = new TrainingRandom(new RngState(1, 2, 3, 4));
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600,
            16172922978634559625, 8476171486693032832, 10595114339597558777, 2904607092377533576];
        Assert.That(Enumerable.Range(0, 10).Select(_ => rng.NextUInt64()), Is.EqualTo(expected));
    }

    /// <summary>SplitMix64 from seed 1477776061723855037: reference splitmix64.c outputs (rand_xoshiro test).</summary>
    [Test]
    public void SplitMix64_MatchesTheReferenceOutputs()
    {
        ulong x = 1477776061723855037;
        ulong[] actual = [TrainingRandom.SplitMix64(ref x), TrainingRandom.SplitMix64(ref x),
            TrainingRandom.SplitMix64(ref x)];
        Assert.That(actual, Is.EqualTo(new ulong[] { 1985237415132408290, 2979275885539914483, 13511426838097143398 }));
    }

    [Test]
    public void RestoredState_ContinuesTheSameStream()
    {
        Prop.ForAll<ulong, byte>((seed, skip) =>
        {
            var original = new TrainingRandom(seed);
            for (int i = 0; i < skip; i++)
            {
                original.NextUInt64();
            }
            RngState saved = RngState.FromJson(original.State.ToJson());
            var resumed = new TrainingRandom(saved);
            for (int i = 0; i < 50; i++)
            {
                Assert.That(resumed.NextUInt64(), Is.EqualTo(original.NextUInt64()));
            }
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void State_SavesAndLoadsThroughAFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            var rng = new TrainingRandom(42);
            rng.NextDouble();
            rng.State.Save(path);
            Assert.That(File.ReadAllText(path), Does.StartWith("{\"algorithm\":\"xoshiro256**\",\"state\":["));
            Assert.That(RngState.Load(path), Is.EqualTo(rng.State));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("{\"algorithm\":\"pcg\",\"state\":[1,2,3,4]}", "not a random-generator state")]
    [TestCase("{\"algorithm\":\"xoshiro256**\",\"state\":[1,2,3]}", "not a random-generator state")]
    [TestCase("{\"algorithm\":\"xoshiro256**\",\"state\":[0,0,0,0]}", "all zero")]
    [TestCase("nonsense", "not a random-generator state")]
    public void BadState_IsATrainingExceptionNamingTheSource(string json, string message)
    {
        var e = Assert.Throws<TrainingException>(() => RngState.FromJson(json, "ckpt/rng.json"));
        Assert.That(e!.Message, Does.StartWith("ckpt/rng.json: "));
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void Next_StaysInRange()
    {
        Prop.ForAll<ulong, PositiveInt>((seed, max) =>
        {
            var rng = new TrainingRandom(seed);
            for (int i = 0; i < 20; i++)
            {
                int value = rng.Next(max.Get);
                Assert.That(value, Is.InRange(0, max.Get - 1));
                double d = rng.NextDouble();
                Assert.That(d, Is.GreaterThanOrEqualTo(0.0).And.LessThan(1.0));
                int wide = rng.Next(int.MinValue, int.MaxValue);
                Assert.That(wide, Is.LessThan(int.MaxValue));
            }
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void Next_IsUniformOnASmallRange()
    {
        // 60 000 draws over 6 values: each count within 5 standard deviations of 10 000 (sd ≈ 91).
        var rng = new TrainingRandom(20261122);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++)
        {
            counts[rng.Next(6)]++;
        }
        Assert.That(counts, Has.All.InRange(10_000 - 456, 10_000 + 456));
    }

    [Test]
    public void Shuffle_IsAPermutation_AndTheSameForSpanAndList()
    {
        Prop.ForAll<ulong, int[]>((seed, items) =>
        {
            int[] span = items.ToArray();
            var list = items.ToList();
            new TrainingRandom(seed).Shuffle(span.AsSpan());
            new TrainingRandom(seed).Shuffle((IList<int>)list);
            Assert.That(span, Is.EquivalentTo(items));
            Assert.That(list, Is.EqualTo(span));
        }).QuickCheckThrowOnFailure();
    }

    [Test]
    public void AllZeroState_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => _ = new TrainingRandom(new RngState(0, 0, 0, 0)));
    }
}
