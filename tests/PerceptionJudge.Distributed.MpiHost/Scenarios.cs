using System.Diagnostics;
using PerceptionJudge.Distributed.Mpi;

namespace PerceptionJudge.Distributed.MpiHost;

/// <summary>The scenarios the MPI tests run, by name. Values are chosen so sums over ranks are exact.</summary>
internal static class Scenarios
{
    /// <summary>The arguments after the scenario's name (e.g. a run folder).</summary>
    internal static string[] Arguments { get; set; } = [];

    internal static readonly Dictionary<string, Action<ICommunicator>> All = new()
    {
        ["train"] = c => TrainScenarios.Train(c, Arguments),
        ["train-killed"] = c => TrainScenarios.TrainKilled(c, Arguments),
        ["train-throws"] = c => TrainScenarios.TrainThrows(c, Arguments),
        ["allreduce"] = AllReduce,
        ["collectives"] = Collectives,
        ["bucketer"] = Bucketer,
        ["layout-mismatch"] = LayoutMismatch,
        ["errors-return"] = ErrorsReturn,
        ["rank-throws"] = RankThrows,
        ["rank-killed"] = RankKilled,
    };

    /// <summary>K(K+1)/2: Σ_r (r + 1).</summary>
    private static int Triangle(ICommunicator c) => c.Size * (c.Size + 1) / 2;

    /// <summary>
    /// Sums of floats and doubles, small and large (above any eager/rendezvous threshold and above one chunk when
    /// chunked): rank r contributes (r + 1)·(i mod 1024), so the sum is K(K+1)/2·(i mod 1024), exact.
    /// Then random values: every rank must get bit-identical sums.
    /// </summary>
    private static void AllReduce(ICommunicator c)
    {
        foreach (int n in new[] { 0, 1, 1000, (1 << 24) + 7 })
        {
            var floats = new float[n];
            for (int i = 0; i < n; i++)
            {
                floats[i] = (c.Rank + 1) * (i % 1024);
            }
            c.AllReduceSum(floats);
            Check.Exact<float>(floats, i => Triangle(c) * (i % 1024), c, $"float sum, n = {n}");
        }
        var doubles = new double[(1 << 23) + 3];
        for (int i = 0; i < doubles.Length; i++)
        {
            doubles[i] = (c.Rank + 1) * (i % 4096) + 0.5;
        }
        c.AllReduceSum(doubles);
        Check.Exact<double>(doubles, i => Triangle(c) * (i % 4096) + 0.5 * c.Size, c, "double sum");

        if (c is MpiCommunicator mpi)
        {
            // The chunked path: 10 007 elements in calls of at most 1000.
            mpi.MaxCountPerCall = 1000;
            var chunked = new float[10_007];
            chunked.AsSpan().Fill(c.Rank + 1);
            c.AllReduceSum(chunked);
            mpi.MaxCountPerCall = 1 << 30;
            Check.Exact<float>(chunked, _ => Triangle(c), c, "chunked float sum");
        }

        var random = new Random(20261122 + c.Rank);
        var noisy = new float[100_003];
        for (int i = 0; i < noisy.Length; i++)
        {
            noisy[i] = (float)(random.NextDouble() * 2 - 1);
        }
        c.AllReduceSum(noisy);
        var bits = BitConverter.SingleToInt32Bits(noisy.Aggregate(0f, (h, x) => h * 31 + x));
        var everyRank = new int[c.Size];
        c.AllGather([bits], everyRank);
        Check.That(everyRank.All(b => b == everyRank[0]), c, "every rank got the same bits for a random float sum");
    }

    /// <summary>Statistics (sum, max, min), broadcasts from the last and first rank, all-gathers, barrier.</summary>
    private static void Collectives(ICommunicator c)
    {
        int k = c.Size;
        double[] stats = [c.Rank, -c.Rank, c.Rank + 0.25];
        c.AllReduce(stats, ReduceOp.Sum);
        double ranks = k * (k - 1) / 2.0; // Σ_r r
        Check.Exact<double>(stats, i => new[] { ranks, -ranks, ranks + 0.25 * k }[i], c, "statistics sum");
        stats = [c.Rank, -c.Rank];
        c.AllReduce(stats, ReduceOp.Max);
        Check.Exact<double>(stats, i => i == 0 ? k - 1 : 0, c, "statistics max");
        stats = [c.Rank, -c.Rank];
        c.AllReduce(stats, ReduceOp.Min);
        Check.Exact<double>(stats, i => i == 0 ? 0 : -(k - 1), c, "statistics min");

        var bytes = new byte[3 * 1024 * 1024 + 1];
        if (c.Rank == k - 1)
        {
            new Random(7).NextBytes(bytes);
        }
        c.Broadcast(bytes, root: k - 1);
        var expectedBytes = new byte[bytes.Length];
        new Random(7).NextBytes(expectedBytes);
        Check.That(bytes.AsSpan().SequenceEqual(expectedBytes), c, "byte broadcast from the last rank");

        var floats = new float[4097];
        if (c.Rank == 0)
        {
            floats.AsSpan().Fill(1.5f);
        }
        c.Broadcast(floats, root: 0);
        Check.Exact<float>(floats, _ => 1.5f, c, "float broadcast from rank 0");

        var ints = new int[2 * k];
        c.AllGather([c.Rank, 10 * c.Rank], ints);
        Check.Exact<int>(ints, i => i % 2 == 0 ? i / 2 : 10 * (i / 2), c, "int all-gather");
        var reals = new double[k];
        c.AllGather([c.Rank + 0.5], reals);
        Check.Exact<double>(reals, i => i + 0.5, c, "double all-gather");
        c.Barrier();
    }

    /// <summary>
    /// 40 LoRA-like gradients (seeded lengths, the same on every rank) in 64 KiB buckets: rank r's gradient is
    /// (r + 1)·v, so the mean is Σ_r (r + 1)·v/K = (K + 1)/2·v.
    /// </summary>
    private static void Bucketer(ICommunicator c)
    {
        var (lengths, gradients) = LoraLikeGradients(c.Rank + 1);
        var bucketer = new GradientBucketer(c, lengths, bucketBytes: 64 * 1024);
        Check.That(bucketer.Buckets.Count > 3, c, $"several buckets, got {bucketer.Buckets.Count}");
        bucketer.AllReduceMean(name => gradients[name]);
        var (_, unit) = LoraLikeGradients(1);
        foreach (var (name, values) in gradients)
        {
            float[] v = unit[name];
            for (int i = 0; i < values.Length; i++)
            {
                // Σ_r ((r+1)·v)·(1/K) in float: exact for K a power of two, else within a few ulps.
                float expected = (c.Size + 1) / 2f * v[i];
                Check.That(Math.Abs(values[i] - expected) <= 1e-6f * Math.Abs(expected), c,
                    $"mean of '{name}'[{i}] is {values[i]}, expected {expected}");
            }
        }
    }

    /// <summary>Rank 1 registers one extra gradient: every rank must get the layout error, no rank may hang.</summary>
    private static void LayoutMismatch(ICommunicator c)
    {
        var (lengths, _) = LoraLikeGradients(1);
        if (c.Rank == 1)
        {
            lengths["extra.lora_B.weight"] = 16;
        }
        try
        {
            _ = new GradientBucketer(c, lengths);
            Check.That(c.Size == 1, c, "the layout mismatch was not detected");
        }
        catch (DistributedException e)
        {
            Console.WriteLine($"rank {c.Rank} caught: {e.Message}");
        }
    }

    /// <summary>
    /// An invalid MPI call (a broadcast root outside the job, passed straight to libmpi) must come back as an error
    /// code (MPI_ERRORS_RETURN is set) and become a DistributedException with MPI_Error_string's text, on every rank;
    /// under Open MPI's default handler it would have aborted the job.
    /// </summary>
    private static unsafe void ErrorsReturn(ICommunicator c)
    {
        Check.That(c is MpiCommunicator, c, "runs under mpirun");
        var mpi = MpiNative.Predefined;
        float value = 0;
        int status = MpiNative.MPI_Bcast(&value, 1, mpi.Float, c.Size + 5, mpi.CommWorld);
        try
        {
            MpiCommunicator.Check(status, "MPI_Bcast", c.Rank);
            Check.That(false, c, "MPI_Bcast with an invalid root returned MPI_SUCCESS");
        }
        catch (DistributedException e)
        {
            Check.That(e.MpiErrorCode == status, c, "the exception carries the MPI error code");
            Console.WriteLine($"rank {c.Rank} caught: {e.Message}");
        }
    }

    /// <summary>Rank 1 throws while rank 0 waits in an all-reduce: Communicator.Run must abort the job.</summary>
    private static void RankThrows(ICommunicator c)
    {
        c.Barrier();
        if (c.Rank == 1)
        {
            throw new InvalidOperationException("scenario rank-throws: rank 1 fails on purpose");
        }
        c.AllReduceSum(new float[1024]);
    }

    /// <summary>Rank 1 SIGKILLs itself while rank 0 waits in an all-reduce: mpirun must end the job.</summary>
    private static void RankKilled(ICommunicator c)
    {
        c.Barrier();
        if (c.Rank == 1)
        {
            Console.WriteLine($"rank 1 SIGKILL at unix-ms {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
            Console.Out.Flush();
            Process.GetCurrentProcess().Kill(); // SIGKILL on Linux
        }
        c.AllReduceSum(new float[1024]);
    }

    private static (Dictionary<string, int> Lengths, Dictionary<string, float[]> Gradients) LoraLikeGradients(
        int multiplier)
    {
        var random = new Random(20261122);
        var lengths = new Dictionary<string, int>();
        var gradients = new Dictionary<string, float[]>();
        for (int layer = 0; layer < 20; layer++)
        {
            foreach (var part in new[] { "lora_A", "lora_B" })
            {
                string name = $"base_model.model.layers.{layer}.self_attn.q_proj.{part}.weight";
                int length = random.Next(1, 12_000);
                lengths[name] = length;
                var values = new float[length];
                for (int i = 0; i < length; i++)
                {
                    values[i] = multiplier * ((i + 7 * layer) % 97 - 48);
                }
                gradients[name] = values;
            }
        }
        return (lengths, gradients);
    }
}
