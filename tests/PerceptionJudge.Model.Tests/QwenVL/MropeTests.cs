using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Qwen2;
using PerceptionJudge.Model.Tests.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.QwenVL;

/// <summary>
/// M-RoPE (HF Qwen2VLRotaryEmbedding + apply_multimodal_rotary_pos_emb) in RotaryEmbedding and Qwen2Model.
/// </summary>
[TestFixture]
public sealed class MropeTests : NnTest
{
    private static readonly int[] s_section = [2, 3, 3]; // head_dim 16 → 8 frequencies

    /// <summary>Micro's text side as a Qwen2-VL language model: head_dim 8 → section [1, 1, 2].</summary>
    private static ModelConfig MicroVl => Micro with
    {
        Vision = null,
        ModelType = ModelConfig.Qwen2VLType,
        MropeSection = [1, 1, 2],
        VisionStartTokenId = 4,
        VideoTokenId = 5,
        VisionEndTokenId = 6,
    };

    [Test]
    public void EqualAxes_AreBitIdenticalToPlainRope()
    {
        var rope = new RotaryEmbedding(16, 10000, s_section);
        var plain = new RotaryEmbedding(16, 10000);
        var positions = new long[] { 0, 1, 2, 7, 1, 1, 3, 40 };
        using var ids2 = Tensor.From<long>(positions, 2, 4);
        using var ids3 = Ops.Expand(ids2.Unsqueeze(0), 3, 2, 4);
        var (c2, s2) = plain.Compute(ids2);
        var (c3, s3) = rope.Compute(ids3);
        var (cm, sm) = rope.Compute(ids2);
        using (c2) using (s2) using (c3) using (s3) using (cm) using (sm)
        {
            Assert.That(c3.Shape, Is.EqualTo(new long[] { 2, 1, 4, 16 }));
            Assert.That(Values(c3), Is.EqualTo(Values(c2)));
            Assert.That(Values(s3), Is.EqualTo(Values(s2)));
            Assert.That(Values(cm), Is.EqualTo(Values(c2)));
            Assert.That(Values(sm), Is.EqualTo(Values(s2)));
        }
    }

    [Test]
    public void DistinctAxes_MatchALoopReference()
    {
        const int d = 16;
        var rope = new RotaryEmbedding(d, 1000000, s_section);
        var random = new Random(3);
        int batch = 2, length = 5;
        var positions = new long[3 * batch * length];
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = random.Next(0, 300);
        }
        using var ids = Tensor.From<long>(positions, 3, batch, length);
        var (cos, sin) = rope.Compute(ids);
        using (cos) using (sin)
        {
            var c = Values(cos);
            var s = Values(sin);
            var inv = rope.InverseFrequencies.ToArray();
            double worst = 0;
            for (var b = 0; b < batch; b++)
            {
                for (var t = 0; t < length; t++)
                {
                    for (var col = 0; col < d; col++)
                    {
                        // HF: split the d columns by section ++ section; chunk k comes from axis k % 3.
                        int k = 0, edge = s_section[0];
                        while (col >= edge)
                        {
                            k++;
                            edge += s_section[k % 3];
                        }
                        var p = positions[((k % 3) * batch + b) * length + t];
                        var angle = (double)p * inv[col % (d / 2)];
                        var at = (b * length + t) * d + col;
                        worst = Math.Max(worst, Math.Abs(c[at] - Math.Cos(angle)));
                        worst = Math.Max(worst, Math.Abs(s[at] - Math.Sin(angle)));
                    }
                }
            }
            // float32 angle (≤ 300 rad, ulp 3e-5) then float32 cos/sin.
            Assert.That(worst, Is.LessThan(1e-4));
        }
    }

    [Test]
    public void ModelForward_ThreeEqualAxesEqualsTwoDimensionalPositions()
    {
        using var model = VisionLanguageModel.Create(MicroVl, seed: 7);
        using var ids = RandomIds(2, 6, seed: 1);
        using var positions = Ops.Add(Tensor.Arange(0, 6).Unsqueeze(0), Tensor.From<long>([0, 3], 2, 1));
        using var positions3 = Ops.Expand(positions.Unsqueeze(0), 3, 2, 6).Contiguous();
        using var a = model.Forward(ids, positionIds: positions);
        using var b = model.Forward(ids, positionIds: positions3);
        Assert.That(Values(b), Is.EqualTo(Values(a)));
    }

    [Test]
    public void ModelForward_DistinctAxesChangeTheOutput()
    {
        using var model = VisionLanguageModel.Create(MicroVl, seed: 7);
        using var ids = RandomIds(1, 4, seed: 1);
        using var positions3 = Tensor.From<long>([0, 1, 1, 3, 0, 1, 2, 3, 0, 1, 2, 3], 3, 1, 4);
        using var plain = Tensor.From<long>([0, 1, 2, 3], 1, 4);
        using var a = model.Forward(ids, positionIds: plain);
        using var b = model.Forward(ids, positionIds: positions3);
        Assert.That(MaxAbsDiff(a, b), Is.GreaterThan(1e-6));
    }

    [Test]
    public void ThreeAxisPositions_OnAPlainRopeModel_Throw()
    {
        using var model = VisionLanguageModel.Create(Micro with { Vision = null, ImageTokenId = null }, seed: 7);
        using var ids = RandomIds(1, 3, seed: 1);
        using var positions3 = Tensor.Zeros([3, 1, 3], DType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(ids, positionIds: positions3).Dispose());
        Assert.That(e!.Message, Does.Contain("mrope_section"));
    }

    [Test]
    public void BadSection_Throws() =>
        Assert.Throws<ArgumentException>(() => _ = new RotaryEmbedding(16, 10000, [2, 3, 2]));
}
