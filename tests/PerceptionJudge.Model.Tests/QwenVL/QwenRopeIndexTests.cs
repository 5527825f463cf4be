using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.QwenVL;

namespace PerceptionJudge.Model.Tests.QwenVL;

/// <summary>
/// <see cref="QwenRopeIndex"/> against hand-computed cases of HF get_rope_index and an independent token-by-token
/// reference. Ids: text ≥ 10, vision_start 5, image 6, vision_end 7, video 8; spatial_merge_size 2.
/// </summary>
[TestFixture]
public sealed class QwenRopeIndexTests
{
    private const int Start = 5, Image = 6, End = 7, Video = 8, Merge = 2;

    private static (long[,,] Positions, long[] Deltas) Run(
        long[][] rows, long[][]? mask, (int, int, int)[]? grids, string type = ModelConfig.Qwen2VLType) =>
        QwenRopeIndex.Compute(To2D(rows), mask is null ? null : To2D(mask), grids, Merge, Image, Start, Video, type);

    private static long[,] To2D(long[][] rows)
    {
        var a = new long[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length; j++)
            {
                a[i, j] = rows[i][j];
            }
        }
        return a;
    }

    private static long[] Axis(long[,,] p, int axis, int row) =>
        Enumerable.Range(0, p.GetLength(2)).Select(j => p[axis, row, j]).ToArray();

    [Test]
    public void OneImageMidSentence()
    {
        // text 10, start; a 4x4 patch grid merged 2x2 → 2x2 = 4 tokens at offset 2; then end, 11 at 4, 5.
        var (p, d) = Run([[10, Start, Image, Image, Image, Image, End, 11]], null, [(1, 4, 4)]);
        Assert.Multiple(() =>
        {
            Assert.That(Axis(p, 0, 0), Is.EqualTo(new long[] { 0, 1, 2, 2, 2, 2, 4, 5 }));
            Assert.That(Axis(p, 1, 0), Is.EqualTo(new long[] { 0, 1, 2, 2, 3, 3, 4, 5 }));
            Assert.That(Axis(p, 2, 0), Is.EqualTo(new long[] { 0, 1, 2, 3, 2, 3, 4, 5 }));
            Assert.That(d, Is.EqualTo(new long[] { -2 }));
        });
    }

    [Test]
    public void TwoImages()
    {
        // image 1: 1x2 tokens at offset 1; text 7, 10, 5 at 3..5; image 2: 2x2 at offset 6; end at 8.
        var (p, d) = Run(
            [[Start, Image, Image, End, 10, Start, Image, Image, Image, Image, End]], null, [(1, 2, 4), (1, 4, 4)]);
        Assert.Multiple(() =>
        {
            Assert.That(Axis(p, 0, 0), Is.EqualTo(new long[] { 0, 1, 1, 3, 4, 5, 6, 6, 6, 6, 8 }));
            Assert.That(Axis(p, 1, 0), Is.EqualTo(new long[] { 0, 1, 1, 3, 4, 5, 6, 6, 7, 7, 8 }));
            Assert.That(Axis(p, 2, 0), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 6, 7, 8 }));
            Assert.That(d, Is.EqualTo(new long[] { -2 }));
        });
    }

    [Test]
    public void LeftPadding_GetsOneAndTheGridsRunAcrossRows()
    {
        var (p, d) = Run(
            [[10, Start, Image, Image, Image, Image, End, 11], [0, 0, 10, Start, Image, Image, End, 11]],
            [[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]],
            [(1, 4, 4), (1, 2, 4)]);
        Assert.Multiple(() =>
        {
            Assert.That(Axis(p, 0, 1), Is.EqualTo(new long[] { 1, 1, 0, 1, 2, 2, 4, 5 }));
            Assert.That(Axis(p, 1, 1), Is.EqualTo(new long[] { 1, 1, 0, 1, 2, 2, 4, 5 }));
            Assert.That(Axis(p, 2, 1), Is.EqualTo(new long[] { 1, 1, 0, 1, 2, 3, 4, 5 }));
            Assert.That(Axis(p, 2, 0), Is.EqualTo(new long[] { 0, 1, 2, 3, 2, 3, 4, 5 }));
            Assert.That(d, Is.EqualTo(new long[] { -2, -2 }));
        });
    }

    [Test]
    public void TemporalIndex_IsTheGridForQwen2VLAndZeroForQwen25VL()
    {
        long[][] row = [[Start, Image, Image, 10]];
        var (p2, d2) = Run(row, null, [(2, 2, 2)]);
        var (p25, d25) = Run(row, null, [(2, 2, 2)], ModelConfig.Qwen25VLType);
        Assert.Multiple(() =>
        {
            Assert.That(Axis(p2, 0, 0), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
            Assert.That(Axis(p2, 1, 0), Is.EqualTo(new long[] { 0, 1, 1, 3 }));
            Assert.That(d2, Is.EqualTo(new long[] { 0 }));
            Assert.That(Axis(p25, 0, 0), Is.EqualTo(new long[] { 0, 1, 1, 2 }));
            Assert.That(Axis(p25, 2, 0), Is.EqualTo(new long[] { 0, 1, 1, 2 }));
            Assert.That(d25, Is.EqualTo(new long[] { -1 }));
        });
    }

    [Test]
    public void TextOnly_IsCumsumMinusOneWithPaddingOne()
    {
        var (p, d) = Run([[0, 10, 11], [10, 11, 12]], [[0, 1, 1], [1, 1, 1]], null);
        Assert.Multiple(() =>
        {
            for (var axis = 0; axis < 3; axis++)
            {
                Assert.That(Axis(p, axis, 0), Is.EqualTo(new long[] { 1, 0, 1 }));
                Assert.That(Axis(p, axis, 1), Is.EqualTo(new long[] { 0, 1, 2 }));
            }
            Assert.That(d, Is.EqualTo(new long[] { -1, 0 }));
        });
        var (plain, zero) = Run([[10, 11, 12]], null, null);
        Assert.That((Axis(plain, 1, 0), zero), Is.EqualTo((new long[] { 0, 1, 2 }, new long[] { 0 })));
    }

    [Test]
    public void TextRowInAnImageBatch_TakesHfsLoopPath()
    {
        // HF takes the per-row loop whenever image_grid_thw is given: padding counts in the text-only max but not here.
        var (_, loop) = Run([[0, 0, 10]], [[0, 0, 1]], []);
        var (_, text) = Run([[0, 0, 10]], [[0, 0, 1]], null);
        Assert.That((loop[0], text[0]), Is.EqualTo((-2L, -1L)));
    }

    [Test]
    public void DecodePositions_AddPastAndDeltaOnAllAxes_RepeatingForExpandedBatches()
    {
        var p = QwenRopeIndex.DecodePositionIds([-2, 3], batch: 4, pastLength: 8, length: 2);
        for (var axis = 0; axis < 3; axis++)
        {
            Assert.That(Axis(p, axis, 0), Is.EqualTo(new long[] { 6, 7 }));
            Assert.That(Axis(p, axis, 1), Is.EqualTo(new long[] { 6, 7 }));
            Assert.That(Axis(p, axis, 3), Is.EqualTo(new long[] { 11, 12 }));
        }
        Assert.Throws<ArgumentException>(() => QwenRopeIndex.DecodePositionIds([1, 2], 3, 0, 1));
    }

    [Test]
    public void Video_IsRefused() =>
        Assert.That(Assert.Throws<ModelException>(() => Run([[10, Start, Video, Video, End]], null, [(1, 2, 4)]))!
            .Message, Does.Contain("video"));

    [Test]
    public void TooFewGrids_AndGridsThatDoNotCoverThePlaceholders_Throw()
    {
        Assert.That(Assert.Throws<ModelException>(() => Run([[Start, Image, End, Start, Image, End]], null, [(1, 2, 2)]))!
            .Message, Does.Contain("image_grid_thw lists 1"));
        Assert.That(Assert.Throws<ModelException>(() => Run([[Start, Image, Image, End]], null, [(1, 4, 4)]))!
            .Message, Does.Contain("does not match"));
    }

    [Test]
    public void RandomBatches_MatchATokenByTokenReference([Values] bool qwen25)
    {
        var type = qwen25 ? ModelConfig.Qwen25VLType : ModelConfig.Qwen2VLType;
        var random = new Random(11);
        for (var trial = 0; trial < 50; trial++)
        {
            var rows = new List<long[]>();
            var grids = new List<(int, int, int)>();
            var batch = random.Next(1, 4);
            for (var b = 0; b < batch; b++)
            {
                var row = new List<long>();
                for (var piece = random.Next(0, 4); piece >= 0; piece--)
                {
                    row.AddRange(Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(10, 20)));
                    if (random.Next(3) > 0)
                    {
                        var g = (random.Next(1, 3), 2 * random.Next(1, 4), 2 * random.Next(1, 4));
                        grids.Add(g);
                        row.Add(Start);
                        row.AddRange(Enumerable.Repeat((long)Image, g.Item1 * g.Item2 / 2 * (g.Item3 / 2)));
                        row.Add(End);
                    }
                }
                rows.Add([.. row, 30]);
            }
            var length = rows.Max(r => r.Length);
            var ids = rows.Select(r => Enumerable.Repeat(0L, length - r.Length).Concat(r).ToArray()).ToArray();
            var mask = rows.Select(r => Enumerable.Repeat(0L, length - r.Length).Concat(r.Select(_ => 1L)).ToArray())
                .ToArray();
            var (p, d) = Run(ids, mask, [.. grids], type);
            var (rp, rd) = Reference(ids, mask, grids, !qwen25);
            Assert.That(p, Is.EqualTo(rp), $"trial {trial} positions");
            Assert.That(d, Is.EqualTo(rd), $"trial {trial} deltas");
        }
    }

    /// <summary>
    /// Walks each row once: padding 1; a text token takes `next` on all axes and advances it; an image run (the
    /// placeholders after vision_start) takes next + (t·[qwen2_vl], row, column) and sets next to its max + 1.
    /// </summary>
    private static (long[,,], long[]) Reference(
        long[][] ids, long[][] mask, List<(int T, int H, int W)> grids, bool temporal)
    {
        int batch = ids.Length, length = ids[0].Length, image = 0;
        var p = new long[3, batch, length];
        var d = new long[batch];
        for (var b = 0; b < batch; b++)
        {
            long next = 0, max = 0;
            var j = 0;
            while (j < length)
            {
                if (mask[b][j] == 0)
                {
                    p[0, b, j] = p[1, b, j] = p[2, b, j] = 1;
                    j++;
                }
                else if (ids[b][j] == Image)
                {
                    var (t, h, w) = grids[image++];
                    h /= Merge;
                    w /= Merge;
                    var top = next;
                    for (var k = 0; k < t * h * w; k++, j++)
                    {
                        long pt = next + (temporal ? k / (h * w) : 0), ph = next + k / w % h, pw = next + k % w;
                        (p[0, b, j], p[1, b, j], p[2, b, j]) = (pt, ph, pw);
                        top = Math.Max(top, Math.Max(pt, Math.Max(ph, pw)));
                    }
                    next = top + 1;
                    max = Math.Max(max, top);
                }
                else
                {
                    p[0, b, j] = p[1, b, j] = p[2, b, j] = next;
                    max = Math.Max(max, next++);
                    j++;
                }
            }
            d[b] = max + 1 - length;
        }
        return (p, d);
    }
}
