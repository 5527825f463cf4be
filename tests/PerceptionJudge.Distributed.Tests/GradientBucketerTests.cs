using FsCheck;
using FsCheck.Fluent;

namespace PerceptionJudge.Distributed.Tests;

[TestFixture]
public sealed class GradientBucketerTests
{
    private static Dictionary<string, int> Lengths(params (string Name, int Length)[] tensors) =>
        tensors.ToDictionary(t => t.Name, t => t.Length);

    [Test]
    public void DefaultBucketBytes_IsDdpsTwentyFiveMebibytes() =>
        Assert.That(GradientBucketer.DefaultBucketBytes, Is.EqualTo(25 * 1024 * 1024));

    [Test]
    public void Plan_PacksInOrdinalNameOrderUpToTheCapacity()
    {
        var bucketer = new GradientBucketer(new SingleProcessCommunicator(),
            Lengths(("b", 3), ("d", 1), ("a", 2), ("c", 4)), bucketBytes: 5 * sizeof(float));
        Assert.That(bucketer.Buckets, Has.Count.EqualTo(2));
        Assert.That(bucketer.Buckets[0].Entries,
            Is.EqualTo(new[] { new BucketEntry("a", 0, 2), new BucketEntry("b", 2, 3) }));
        Assert.That(bucketer.Buckets[1].Entries,
            Is.EqualTo(new[] { new BucketEntry("c", 0, 4), new BucketEntry("d", 4, 1) }));
        Assert.That(bucketer.Buckets.Select(b => b.Length), Is.EqualTo(new[] { 5, 5 }));
        Assert.That(bucketer.TotalElements, Is.EqualTo(10));
    }

    [Test]
    public void Plan_GivesATensorLargerThanABucketItsOwnBucket()
    {
        var bucketer = new GradientBucketer(new SingleProcessCommunicator(),
            Lengths(("a", 1), ("big", 10), ("c", 1)), bucketBytes: 4 * sizeof(float));
        Assert.That(bucketer.Buckets.Select(b => b.Entries.Select(e => e.Name)),
            Is.EqualTo(new[] { new[] { "a" }, new[] { "big" }, new[] { "c" } }));
        Assert.That(bucketer.Buckets[1].Length, Is.EqualTo(10));
    }

    [Test]
    public void Plan_OfNoGradients_HasNoBuckets()
    {
        var bucketer = new GradientBucketer(new ReplicatedCommunicator(2), Lengths());
        bucketer.AllReduceMean(_ => throw new AssertionException("no gradient should be asked for"));
        Assert.That(bucketer.Buckets, Is.Empty);
    }

    [Test]
    public void Constructor_ThrowsForADuplicateName() =>
        Assert.That(() => new GradientBucketer(new SingleProcessCommunicator(), [new("w", 1), new("w", 2)]),
            Throws.ArgumentException.With.Message.Contains("'w' is registered twice"));

    [Test]
    public void Constructor_ThrowsForANegativeLength() =>
        Assert.That(() => new GradientBucketer(new SingleProcessCommunicator(), Lengths(("w", -1))),
            Throws.ArgumentException.With.Message.Contains("'w' has a negative length"));

    [TestCase(0L)]
    [TestCase(3L)]
    [TestCase((1L << 31) + 1)]
    public void Constructor_ThrowsForABucketSizeOutOfRange(long bytes) =>
        Assert.That(() => new GradientBucketer(new SingleProcessCommunicator(), Lengths(("w", 1)), bytes),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("between 4 bytes and 2 GiB"));

    [Test]
    public void Constructor_ThrowsWhenAnotherRankHasAnotherLayout() =>
        Assert.That(() => new GradientBucketer(new ReplicatedCommunicator(3) { CorruptRank = 2 }, Lengths(("w", 1))),
            Throws.TypeOf<DistributedException>()
                .With.Message.Contains("gradient layouts differ across ranks: rank 2"));

    [Test]
    public void AllReduceMean_WithOneRank_LeavesTheGradientsBitIdentical()
    {
        var gradients = new Dictionary<string, float[]> { ["a"] = [1.1f, float.NaN], ["b"] = [-0f, 3e-38f, 7f] };
        var before = gradients.ToDictionary(g => g.Key, g => g.Value.ToArray());
        var bucketer = new GradientBucketer(new SingleProcessCommunicator(), Lengths(("a", 2), ("b", 3)), 8);
        bucketer.AllReduceMean(name => gradients[name]);
        foreach (var (name, values) in gradients)
        {
            Assert.That(values.Select(BitConverter.SingleToInt32Bits),
                Is.EqualTo(before[name].Select(BitConverter.SingleToInt32Bits)), name);
        }
    }

    [Test]
    public void AllReduceMean_ThrowsNamingTheGradientWhoseLengthChanged() =>
        Assert.That(() => new GradientBucketer(new ReplicatedCommunicator(2), Lengths(("lora_A", 4)))
                .AllReduceMean(_ => new float[3]),
            Throws.TypeOf<DistributedException>().With.Message.Contains("'lora_A' has 3 elements but 4"));

    // K identical ranks: each bucket is one all-reduce of the planned length, and every gradient comes back as the
    // reference mean Σ_r g·(1/K) (DDP's divide-then-sum), in its own place: values are distinct per tensor and index,
    // so a wrong offset shows.
    [Test]
    public void AllReduceMean_OverReplicatedRanks_MatchesTheReferenceMeanInPlace() =>
        Prop.ForAll<int, int, int>((seed, rawCount, rawCapacity) =>
        {
            var random = new Random(seed);
            int k = new[] { 2, 3, 4, 7 }[random.Next(4)];
            int count = 1 + Math.Abs(rawCount % 30);
            var gradients = new Dictionary<string, float[]>();
            for (int t = 0; t < count; t++)
            {
                var values = new float[random.Next(0, 300)];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() * 200 - 100);
                }
                gradients[$"layers.{random.Next(1000)}.{t}.lora_{(t % 2 == 0 ? 'A' : 'B')}"] = values;
            }
            var expected = gradients.ToDictionary(g => g.Key, g => g.Value.Select(x => ReferenceMean(x, k)).ToArray());
            var communicator = new ReplicatedCommunicator(k);
            long capacityBytes = sizeof(float) * (1 + Math.Abs(rawCapacity % 700));
            var bucketer = new GradientBucketer(
                communicator, gradients.ToDictionary(g => g.Key, g => g.Value.Length), capacityBytes);

            bucketer.AllReduceMean(name => gradients[name]);

            return communicator.ReducedLengths.SequenceEqual(bucketer.Buckets.Select(b => b.Length))
                && bucketer.Buckets.All(b => b.Length <= capacityBytes / sizeof(float) || b.Entries.Count == 1)
                && gradients.All(g => g.Value.SequenceEqual(expected[g.Key]));
        }).QuickCheckThrowOnFailure();

    // The sum variant (losses already divided by a global normaliser): no 1/K scaling, each bucket one all-reduce,
    // every gradient the rank-order float sum of its K copies.
    [TestCase(2)]
    [TestCase(3)]
    public void AllReduceSum_OverReplicatedRanks_AddsEveryRanksGradientWithoutScaling(int k)
    {
        var random = new Random(20261122);
        var gradients = Enumerable.Range(0, 9).ToDictionary(
            t => $"layers.{t}.lora_{(t % 2 == 0 ? 'A' : 'B')}",
            t => Enumerable.Range(0, 50 + 37 * t).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        var expected = gradients.ToDictionary(g => g.Key, g => g.Value.Select(x =>
        {
            float sum = x;
            for (int r = 1; r < k; r++)
            {
                sum += x;
            }
            return sum;
        }).ToArray());
        var communicator = new ReplicatedCommunicator(k);
        var bucketer = new GradientBucketer(
            communicator, gradients.ToDictionary(g => g.Key, g => g.Value.Length), bucketBytes: 1024);

        bucketer.AllReduceSum(name => gradients[name]);

        Assert.That(communicator.ReducedLengths, Is.EqualTo(bucketer.Buckets.Select(b => b.Length)));
        foreach (var (name, values) in gradients)
        {
            Assert.That(values, Is.EqualTo(expected[name]), name);
        }
    }

    /// <summary>Σ over K ranks of g·(1/K), added in rank order, in float.</summary>
    private static float ReferenceMean(float g, int k)
    {
        float scaled = g * (1f / k);
        float sum = 0;
        for (int r = 0; r < k; r++)
        {
            sum += scaled;
        }
        return sum;
    }
}
