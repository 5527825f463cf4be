using PerceptionJudge.Model.Nn.QwenVision;

namespace PerceptionJudge.Model.Tests.Nn.QwenVision;

/// <summary>Hand-computed rot_pos_emb order, cu_seqlens and get_window_index (HF modeling_qwen2_5_vl.py).</summary>
public sealed class QwenVisionGridTests : QwenVisionTest
{
    [Test]
    public void RotaryPositionsVisitEachTwoByTwoMergeWindowInTurnAndRepeatOverFrames()
    {
        var positions = QwenVisionGrid.RotaryPositions([(1, 4, 4), (2, 2, 4)], mergeSize: 2);

        (int, int)[] first =
        [
            (0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 3), (1, 2), (1, 3),
            (2, 0), (2, 1), (3, 0), (3, 1), (2, 2), (2, 3), (3, 2), (3, 3),
        ];
        (int, int)[] frame = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 3), (1, 2), (1, 3)];
        Assert.That(positions, Is.EqualTo(first.Concat(frame).Concat(frame).ToArray()));
    }

    [Test]
    public void CuSeqlensHaveOneSegmentPerFrame()
    {
        Assert.That(
            QwenVisionGrid.CuSeqlens([(1, 4, 6), (2, 2, 2), (1, 6, 4)]), Is.EqualTo(new[] { 0, 24, 28, 32, 56 }));
    }

    [Test]
    public void WindowIndexReadsUnitsWindowByWindowAndDropsEmptyPaddedWindows()
    {
        // Image 0: 2×3 merge units, windows of 2×2 units. HF pads rows 2 → 4 (a whole empty window row, as
        // 2 % 2 == 0) and columns 3 → 4. Units row-major: [0 1 2 / 3 4 5]; window (0,0) holds 0 1 3 4, window
        // (0,1) holds 2 5, windows (1,·) are empty. Image 1: 1×1 unit per frame, 2 frames, one window each
        // (offset 6).
        var (index, cu) = QwenVisionGrid.WindowIndex([(1, 4, 6), (2, 2, 2)], mergeSize: 2, mergerWindowSize: 2);

        Assert.That(index, Is.EqualTo(new[] { 0, 1, 3, 4, 2, 5, 6, 7 }));
        // Raw cumulative patch counts 0, 16, 24, 24, 24 | 28 | 32 → unique_consecutive.
        Assert.That(cu, Is.EqualTo(new[] { 0, 16, 24, 28, 32 }));
    }

    [Test]
    public void WindowIndexOfATallImageWithWindowsOfThreeUnits()
    {
        // 4×2 units (8×4 patches), windows 3×3: pad rows 4 → 6, columns 2 → 3. Units [0 1 / 2 3 / 4 5 / 6 7].
        var (index, cu) = QwenVisionGrid.WindowIndex([(1, 8, 4)], mergeSize: 2, mergerWindowSize: 3);

        Assert.That(index, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7 }));
        Assert.That(cu, Is.EqualTo(new[] { 0, 24, 32 }));
    }

    [Test]
    public void WindowIndexSplitsAWideImageIntoColumnsOfWindows()
    {
        // 1×5 units, windows 2×2: windows hold units {0,1}, {2,3}, {4}; each unit is 4 patches.
        var (index, cu) = QwenVisionGrid.WindowIndex([(1, 2, 10)], mergeSize: 2, mergerWindowSize: 2);

        Assert.That(index, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(cu, Is.EqualTo(new[] { 0, 8, 16, 20 }));
    }

    [Test]
    public void InverseUndoesThePermutation()
    {
        Assert.That(QwenVisionGrid.Inverse([0, 1, 3, 4, 2, 5]), Is.EqualTo(new[] { 0, 1, 4, 2, 3, 5 }));
    }

    [Test]
    public void RotaryAnglesAreRowThenColumnFrequenciesTwice()
    {
        // head_dim 8: dim 4, inv_freq = [1, 10000^(-1/2)] = [1, 0.01].
        var rotary = new QwenVisionRotary(8);
        using var angles = rotary.Angles([(3, 5), (0, 2)]);

        Assert.That(angles.Shape, Is.EqualTo(new long[] { 2, 8 }));
        double[] expected = [3, 0.03, 5, 0.05, 3, 0.03, 5, 0.05, 0, 0, 2, 0.02, 0, 0, 2, 0.02];
        var actual = Values(angles);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-6), $"element {i}");
        }
    }
}
