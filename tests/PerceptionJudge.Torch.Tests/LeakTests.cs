using System.Diagnostics;
using System.Runtime.InteropServices;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>
/// 2,000 forward/backward/update steps, each inside a DisposeScope, with parameters detached from every scope
/// (DESIGN.md style 7). The live-handle counts (managed and native) must return to their start without any GC.
/// The malloc heap in use (glibc mallinfo2: every arena plus mmapped blocks, which is where libtorch's CPU allocator
/// gets tensor memory) is sampled at steps 200, 1,100 and 2,000: a leak grows it in both 900-step halves, while
/// one-off runtime allocations (JIT, test host) land in one, so the smaller half's growth must stay under
/// <see cref="HeapBoundBytes"/>; one leaked 16x64 activation per step would add 3.5 MiB per half. Process RSS (which
/// also holds the managed heap and JIT code) may grow by at most <see cref="RssBoundBytes"/> from step 200 to the end.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class LeakTests : TorchTest
{
    private const int Steps = 2_000;
    private const int Warmup = 200;
    private const long HeapBoundBytes = 1L << 20;
    private const long RssBoundBytes = 32L << 20;

    [Test]
    public void TrainingSteps_ReturnEveryHandleAndKeepRssFlat()
    {
        var liveStart = LibTorch.LiveTensors;
        var nativeStart = LibTorch.NativeLiveTensors;
        var w1 = Tensor.Randn([32, 64], 1).Mul_(0.1).DetachFromDisposeScope();
        var w2 = Tensor.Randn([8, 32], 2).Mul_(0.1).DetachFromDisposeScope();
        w1.RequiresGrad = true;
        w2.RequiresGrad = true;
        long rssAfterWarmup = 0;
        var heap = new long[3];
        double firstLoss = 0, lastLoss = 0;
        try
        {
            for (var step = 0; step < Steps; step++)
            {
                using (LibTorch.NewDisposeScope())
                {
                    // Fixed batch: the loss must fall, so the updates really reach libtorch memory.
                    var x = Tensor.Randn([16, 64], 3);
                    var target = Tensor.Randn([16, 8], 4);
                    var hidden = Ops.Silu(Ops.Linear(Ops.RmsNorm(x, null, 1e-6), w1));
                    var loss = Ops.Pow(Ops.Linear(hidden, w2) - target, 2).Mean();
                    loss.Backward();
                    lastLoss = loss.Item();
                    if (step == 0)
                    {
                        firstLoss = lastLoss;
                    }
                    foreach (var p in new[] { w1, w2 })
                    {
                        // SGD on the tensors' own memory, as our optimizer kernels will do.
                        var grad = p.Grad!;
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                            grad.AsSpan<float>(), -0.05f, p.AsSpan<float>(), p.AsSpan<float>());
                        p.ZeroGrad();
                    }
                }
                if (step == Warmup)
                {
                    rssAfterWarmup = Rss();
                    heap[0] = MallocHeapInUse();
                }
                if (step == (Warmup + Steps) / 2)
                {
                    heap[1] = MallocHeapInUse();
                }
            }
            heap[2] = MallocHeapInUse();
            var rssGrowth = Rss() - rssAfterWarmup;
            var heapGrowth = Math.Min(heap[1] - heap[0], heap[2] - heap[1]);
            TestContext.Out.WriteLine(
                $"leak test: {Steps} steps, loss {firstLoss:F4} -> {lastLoss:E2}; growth after step {Warmup}: " +
                $"malloc heap {(heap[1] - heap[0]) / 1024.0:F0} + {(heap[2] - heap[1]) / 1024.0:F0} KiB " +
                $"(bound on the smaller: {HeapBoundBytes >> 10} KiB), " +
                $"RSS {rssGrowth / 1024.0:F0} KiB (bound {RssBoundBytes >> 20} MiB); " +
                $"extra live handles {LibTorch.LiveTensors - liveStart - 2}");
            Assert.That(lastLoss, Is.LessThan(firstLoss * 0.1));
            Assert.That(heapGrowth, Is.LessThan(HeapBoundBytes));
            Assert.That(rssGrowth, Is.LessThan(RssBoundBytes));
            Assert.That(LibTorch.LiveTensors, Is.EqualTo(liveStart + 2), "only the two parameters are alive");
            Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(nativeStart + 2));
        }
        finally
        {
            w1.Dispose();
            w2.Dispose();
        }
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(liveStart));
        Assert.That(LibTorch.NativeLiveTensors, Is.EqualTo(nativeStart));
    }

    private static long Rss()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    // glibc's allocator statistics: arena bytes in use plus mmapped blocks (tensor buffers above the mmap threshold).
    private static long MallocHeapInUse()
    {
        var info = MallInfo2();
        return (long)(info.Uordblks + info.Hblkhd);
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallocInfo2 MallInfo2();

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo2
    {
        public readonly nuint Arena;
        public readonly nuint Ordblks;
        public readonly nuint Smblks;
        public readonly nuint Hblks;
        public readonly nuint Hblkhd;
        public readonly nuint Usmblks;
        public readonly nuint Fsmblks;
        public readonly nuint Uordblks;
        public readonly nuint Fordblks;
        public readonly nuint Keepcost;
    }
}
