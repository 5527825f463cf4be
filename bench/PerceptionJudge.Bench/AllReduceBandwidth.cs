using System.Diagnostics;
using System.Globalization;
using PerceptionJudge.Distributed;

namespace PerceptionJudge.Bench;

/// <summary>
/// All-reduce bandwidth against message size and rank count, for one host:
/// <c>mpirun -np K dotnet PerceptionJudge.Bench.dll allreduce [--max-mib 256]</c> (K = 1 without mpirun too).
/// <para>
/// Not BenchmarkDotNet: its child processes cannot be launched under mpirun. Each size is timed as nccl-tests
/// (<c>all_reduce_perf</c>) does: every rank enters a barrier, times one in-place sum of S bytes of floats, the
/// slowest rank's time counts (a max all-reduce of the timings), and the median over repetitions is reported.
/// algbw = S / t; busbw = algbw · 2(K − 1)/K, the bytes each rank must send and receive in a bandwidth-optimal
/// all-reduce, comparable across K. The reference, measured in the same run on rank 0 while the others wait, is a
/// one-thread memcpy of the same S bytes (S / t as well): a rank's MPI reduction also runs on one thread.
/// </para>
/// </summary>
public static class AllReduceBandwidth
{
    public static int Run(string[] args)
    {
        long maxBytes = 256L << 20;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            maxBytes = args[i] switch
            {
                "--max-mib" => long.Parse(args[i + 1], CultureInfo.InvariantCulture) << 20,
                _ => throw new ArgumentException($"unknown option {args[i]}; valid: --max-mib N"),
            };
        }
        return Communicator.Run(c =>
        {
            if (c.Rank == 0)
            {
                // mpirun binds each rank to a core by default, so ProcessorCount is what one rank may use.
                string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
                Console.WriteLine($"all-reduce (sum, float, in place), K = {c.Size} ({c.Backend}), " +
                    $"{Environment.ProcessorCount} logical core(s) per rank, load average {load}, " +
                    $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
                Console.WriteLine("| size | K | median all-reduce | algbw GB/s | busbw GB/s | median memcpy | " +
                    "memcpy GB/s | all-reduce / memcpy |");
                Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            }
            for (long bytes = 4096; bytes <= maxBytes; bytes *= 4)
            {
                Measure(c, bytes);
            }
            return 0;
        });
    }

    private static void Measure(ICommunicator c, long bytes)
    {
        int count = (int)(bytes / sizeof(float));
        int repetitions = (int)Math.Clamp((64L << 20) / bytes, 9, 301);
        var buffer = new float[count];
        buffer.AsSpan().Fill(c.Rank + 1);
        var times = new double[repetitions];
        double[] slowest = new double[1];
        for (int r = -2; r < repetitions; r++) // two warm-up calls
        {
            c.Barrier();
            long start = Stopwatch.GetTimestamp();
            c.AllReduceSum(buffer);
            slowest[0] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            c.AllReduce(slowest, ReduceOp.Max);
            if (r >= 0)
            {
                times[r] = slowest[0];
            }
        }
        double memcpy = 0;
        if (c.Rank == 0)
        {
            var source = new float[count];
            source.AsSpan().Fill(1);
            var copies = new double[repetitions];
            for (int r = -2; r < repetitions; r++)
            {
                long start = Stopwatch.GetTimestamp();
                source.AsSpan().CopyTo(buffer);
                if (r >= 0)
                {
                    copies[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            }
            memcpy = Median(copies);
        }
        c.Barrier();
        if (c.Rank == 0)
        {
            double t = Median(times);
            double algbw = bytes / t / 1e9;
            // K = 1 moves nothing (an in-place sum over one rank returns at once): no bandwidth to report.
            string bandwidth = c.Size == 1 ? "– | –" : $"{algbw:F2} | {algbw * 2 * (c.Size - 1) / c.Size:F2}";
            Console.WriteLine($"| {Size(bytes)} | {c.Size} | {Time(t)} | {bandwidth} | {Time(memcpy)} | " +
                $"{bytes / memcpy / 1e9:F2} | {t / memcpy:F2}× |");
        }
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";

    private static string Time(double seconds) => seconds switch
    {
        >= 1e-3 => $"{seconds * 1e3:F2} ms",
        >= 1e-6 => $"{seconds * 1e6:F1} µs",
        _ => $"{seconds * 1e9:F0} ns",
    };
}
