using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>FsCheck properties over the binding: zero-copy agreement, rotary isometry, view round trips.</summary>
[TestFixture]
public sealed class PropertyTests : TorchTest
{
    [Test]
    public void Span_AndLibTorchSeeTheSameElements() =>
        Prop.ForAll<int[]>(ints =>
        {
            using var scope = LibTorch.NewDisposeScope();
            var data = ints.Select(i => (float)i).ToArray();
            var t = Tensor.From<float>(data, data.Length);
            // Small integers are exact in float32, so libtorch's sum must equal ours exactly.
            return t.AsSpan<float>().SequenceEqual(data) && t.Sum().Item() == ints.Sum(i => (double)i);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Rotary_PreservesTheNormOfEveryRotatedPair() =>
        Prop.ForAll<int[], int>((ints, angle) =>
        {
            using var scope = LibTorch.NewDisposeScope();
            var half = Math.Max(1, ints.Length);
            var x = Enumerable.Range(0, 2 * half).Select(i => i < ints.Length ? ints[i] * 0.1f : 1f).ToArray();
            // Per-pair angles theta_i = angle * 0.01 * (i + 1), laid out half-split: [theta, theta].
            var theta = Enumerable.Range(0, 2 * half).Select(i => angle * 0.01 * (i % half + 1)).ToArray();
            var cos = Tensor.From<float>(theta.Select(t => (float)Math.Cos(t)).ToArray(), 2 * half);
            var sin = Tensor.From<float>(theta.Select(t => (float)Math.Sin(t)).ToArray(), 2 * half);
            var y = Ops.Rotary(Tensor.From<float>(x, 2 * half), cos, sin).ToArray<float>();
            return Enumerable.Range(0, half).All(i =>
            {
                var before = x[i] * x[i] + x[i + half] * x[i + half];
                var after = y[i] * y[i] + y[i + half] * y[i + half];
                return Math.Abs(before - after) <= 1e-4 * (1 + before);
            });
        }).QuickCheckThrowOnFailure();

    [Test]
    public void TransposeReshape_RoundTrip() =>
        Prop.ForAll<PositiveInt, PositiveInt>((rows, cols) =>
        {
            using var scope = LibTorch.NewDisposeScope();
            long r = rows.Get % 9 + 1, c = cols.Get % 9 + 1;
            var x = Tensor.Randn([r, c], (ulong)(r * 31 + c));
            var back = x.Transpose(0, 1).Contiguous().Transpose(0, 1).Reshape(-1).Reshape(r, c);
            return back.Shape.SequenceEqual(new[] { r, c }) && back.ToArray<float>().SequenceEqual(x.ToArray<float>());
        }).QuickCheckThrowOnFailure();
}
