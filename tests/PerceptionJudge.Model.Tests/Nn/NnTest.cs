using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>Model tests' fixture: <see cref="TorchFixture"/> plus a micro config, id helpers and comparisons.</summary>
public abstract class NnTest : TorchFixture
{

    /// <summary>A micro Qwen2 + ViT: width 32, 2 layers, 4 query / 2 kv heads, 4 patches per 8 px image.</summary>
    protected static ModelConfig Micro { get; } = new()
    {
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        VocabSize = 48,
        TieWordEmbeddings = false,
        MaxPositionEmbeddings = 128,
        RopeTheta = 10000,
        ImageTokenId = 3,
        Vision = new VisionConfig
        {
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            PatchSize = 4,
            ImageSize = 8,
        },
    };

    /// <summary>Image placeholder id of <see cref="Micro"/>.</summary>
    protected const long ImageId = 3;

    /// <summary>Seeded token ids in [4, vocab) (no image placeholder), as int64 [rows, length].</summary>
    protected static Tensor RandomIds(int rows, int length, int seed, int vocab = 48)
    {
        var random = new Random(seed);
        var ids = new long[rows * length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = random.Next(4, vocab);
        }
        return Tensor.From<long>(ids, rows, length);
    }

    protected static Tensor Ids(long[] ids, int rows) => Tensor.From<long>(ids, rows, ids.Length / rows);

    protected static double MaxAbsDiff(Tensor a, Tensor b)
    {
        var x = Values(a);
        var y = Values(b);
        Assert.That(x, Has.Length.EqualTo(y.Length), "shapes differ");
        var max = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
        }
        return max;
    }

    protected static void AssertClose(Tensor actual, Tensor expected, double tolerance, string what = "")
    {
        var x = Values(actual);
        var y = Values(expected);
        Assert.That(x, Has.Length.EqualTo(y.Length), $"{what}: shapes differ");
        for (var i = 0; i < x.Length; i++)
        {
            Assert.That(x[i], Is.EqualTo(y[i]).Within(tolerance), $"{what}: element {i}");
        }
    }
}
