using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.QwenVision;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn.QwenVision;

/// <summary>Tiny towers of both types and helpers shared by the Qwen vision tests.</summary>
public abstract class QwenVisionTest : NnTest
{
    /// <summary>Qwen2-VL: width 32, 2 heads (head_dim 16), MLP 64 (mlp_ratio 2), 4 px patches, out 24.</summary>
    protected static QwenVisionConfig TinyQwen2 { get; } = new()
    {
        ModelType = QwenVisionConfig.Qwen2Vl,
        Depth = 2,
        EmbedDim = 32,
        NumHeads = 2,
        MlpHidden = 64,
        HiddenAct = "quick_gelu",
        PatchSize = 4,
        OutHiddenSize = 24,
    };

    /// <summary>
    /// Qwen2.5-VL: width 32, 2 heads, MLP 48, 4 px patches, window 16 px = 2×2 merge units, block 1 full attention.
    /// </summary>
    protected static QwenVisionConfig TinyQwen25 { get; } = new()
    {
        ModelType = QwenVisionConfig.Qwen25Vl,
        Depth = 3,
        EmbedDim = 32,
        NumHeads = 2,
        MlpHidden = 48,
        HiddenAct = "silu",
        PatchSize = 4,
        OutHiddenSize = 24,
        WindowSize = 16,
        FullAttBlockIndexes = [1],
    };

    /// <summary>
    /// Four images: non-square, one of two frames, merged sides that are and are not multiples of the 2-unit window
    /// (96 patches).
    /// </summary>
    protected static IReadOnlyList<(int T, int H, int W)> MixedGrid { get; } =
        [(1, 4, 6), (2, 2, 2), (1, 6, 4), (1, 4, 10)];

    /// <summary>
    /// A seeded tower with N(0, 0.2²) weights, N(0, 0.1²) biases and norm weights 1 + N(0, 0.2²), so every
    /// parameter matters.
    /// </summary>
    protected static QwenVisionTower RandomTower(QwenVisionConfig config, ulong seed)
    {
        var tower = QwenVisionTower.Create(config, seed, std: 0.2);
        tower.RequiresGrad(false);
        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        var n = 0UL;
        foreach (var (name, p) in tower.NamedParameters())
        {
            if (name.Contains("norm", StringComparison.Ordinal) || name.Contains("ln_q", StringComparison.Ordinal))
            {
                var noise = Ops.Mul(Tensor.Randn(p.Shape, seed + 1000 + n++), 0.2);
                p.Copy_(name.EndsWith(".weight", StringComparison.Ordinal) ? Ops.Add(noise, 1.0) : noise);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.Copy_(Ops.Mul(Tensor.Randn(p.Shape, seed + 1000 + n++), 0.1));
            }
        }
        return tower;
    }

    /// <summary>Every parameter as doubles, by HF name.</summary>
    protected static Dictionary<string, double[]> Weights(QwenVisionTower tower) =>
        tower.NamedParameters().ToDictionary(p => p.Name, p => Array.ConvertAll(Values(p.Tensor), v => (double)v));

    /// <summary>Seeded N(0, 1) patches [L, features] as floats.</summary>
    protected static float[] RandomPatches(int length, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[length * features];
        for (var i = 0; i < x.Length; i++)
        {
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            x[i] = (float)(radius * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        return x;
    }

    /// <summary>Σ t·h·w.</summary>
    protected static int Patches(IReadOnlyList<(int T, int H, int W)> grid) => grid.Sum(g => g.T * g.H * g.W);
}
