using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// One LoRA update on a <see cref="Linear"/> (PEFT <c>lora.Linear</c>, peft/tuners/lora/layer.py):
/// <code>
/// y = base + scaling · (dropout(x)·Aᵀ)·Bᵀ        A = lora_A [r, in], B = lora_B [out, r]
/// </code>
/// computed as two thin matmuls, never materialising ΔW = B·A. Dropout acts only while the layer is in training
/// mode. Initialisation as PEFT's <c>init_lora_weights=True</c>: A ~ kaiming_uniform(a = √5), i.e.
/// U(−1/√in, 1/√in), B = 0, so the adapted layer starts equal to the base. A and B are float32 (PEFT's autocast of
/// adapter weights), or float64 over a float64 base. The adapter owns A and B; <see cref="Dispose"/> frees them.
/// </summary>
public sealed class LoraAdapter : ILinearAdapter, IDisposable
{
    private readonly AdapterSwitch _switch;
    private bool _disposed;

    /// <summary>A standalone adapter on <paramref name="layer"/> (not attached; set <c>layer.Adapter</c>).</summary>
    public LoraAdapter(Linear layer, LoraConfig config, ulong seed)
        : this(layer, config.Validate(), seed, new AdapterSwitch())
    {
    }

    internal LoraAdapter(Linear layer, LoraConfig config, ulong seed, AdapterSwitch adapterSwitch)
    {
        Layer = layer;
        Rank = config.R;
        Scaling = config.Scaling;
        Options = new LoraOptions(config.LoraAlpha, config.UseRsLora);
        DropoutProbability = config.LoraDropout;
        _switch = adapterSwitch;
        var dtype = layer.Weight.Dtype == DType.Float64 ? DType.Float64 : DType.Float32;
        LoraA = KaimingUniformA(Rank, layer.InFeatures, seed, dtype);
        LoraB = Tensor.Zeros([layer.OutFeatures, Rank], dtype).DetachFromDisposeScope();
        LoraB.RequiresGrad = true;
    }

    /// <summary>The adapted layer.</summary>
    public Linear Layer { get; }

    /// <summary><c>lora_A.weight</c> [r, in], trainable.</summary>
    public Tensor LoraA { get; }

    /// <summary><c>lora_B.weight</c> [out, r], trainable.</summary>
    public Tensor LoraB { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>α/r or α/√r.</summary>
    public double Scaling { get; }

    /// <summary><c>lora_dropout</c>.</summary>
    public double DropoutProbability { get; }

    /// <summary>True while ΔW is folded into the layer's weight (the forward then returns the base output).</summary>
    public bool Merged { get; private set; }

    /// <summary>True unless a <see cref="LoraModel.DisableAdapters"/> scope is open.</summary>
    public bool Enabled => _switch.DisabledDepth == 0;

    internal LoraOptions Options { get; }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input, Tensor baseOutput)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Enabled && Merged)
        {
            // PEFT: a disabled layer that is merged unmerges before returning the base output.
            Unmerge();
        }
        if (!Enabled || Merged)
        {
            return baseOutput;
        }
        var x = input.Dtype == LoraA.Dtype ? input : input.To(LoraA.Dtype);
        var dropped = Layer.Training && DropoutProbability > 0 ? Ops.Dropout(x, DropoutProbability, true) : x;
        var down = Ops.Linear(dropped, LoraA);    // [..., r]
        var up = Ops.Linear(down, LoraB);         // [..., out]
        var sum = Ops.Add(baseOutput, up, Scaling);
        var result = sum.Dtype == baseOutput.Dtype ? sum : sum.To(baseOutput.Dtype);
        DisposeAll(x == input ? null : x, dropped == x ? null : dropped, down, up, result == sum ? null : sum);
        return result;
    }

    /// <summary>W ← W + scaling·B·A through the Kernels.Lora merge kernel on the weight's own storage.</summary>
    public void Merge()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Merged)
        {
            LoraMerge.Merge(WeightSpan(), LoraA.AsSpan<float>(), LoraB.AsSpan<float>(), Shape(), Options);
            Merged = true;
        }
    }

    /// <summary>W ← W − scaling·B·A (restores W up to two float roundings).</summary>
    public void Unmerge()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Merged)
        {
            LoraMerge.Unmerge(WeightSpan(), LoraA.AsSpan<float>(), LoraB.AsSpan<float>(), Shape(), Options);
            Merged = false;
        }
    }

    /// <summary>Frees A and B (the layer and its weight are not touched).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            LoraA.Dispose();
            LoraB.Dispose();
        }
    }

    /// <summary>U(−bound, bound) with bound = gain·√(3/fan_in), gain = √(2/(1 + a²)), a = √5: bound = 1/√in.</summary>
    private static Tensor KaimingUniformA(int rank, long inFeatures, ulong seed, DType dtype)
    {
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using var u = Tensor.Rand([rank, inFeatures], seed, dtype);
        using var centred = Ops.Add(u, -0.5);
        var a = Ops.Mul(centred, 2 * bound).DetachFromDisposeScope();
        a.RequiresGrad = true;
        return a;
    }

    private Span<float> WeightSpan()
    {
        var w = Layer.Weight;
        if (w.Dtype != DType.Float32 || LoraA.Dtype != DType.Float32)
        {
            throw new ModelException(
                "LoraAdapter", "weight", $"merge needs a float32 weight and adapter, got {w.Dtype}/{LoraA.Dtype}");
        }
        if (w.Device != DeviceType.Cpu || !w.IsContiguous)
        {
            throw new ModelException("LoraAdapter", "weight", "merge needs a contiguous CPU weight");
        }
        return w.AsSpan<float>();
    }

    private LoraShape Shape() => new(checked((int)Layer.OutFeatures), checked((int)Layer.InFeatures), Rank);

    private static void DisposeAll(params Tensor?[] tensors)
    {
        foreach (var t in tensors)
        {
            t?.Dispose();
        }
    }
}

/// <summary>The enable flag shared by the adapters of one <see cref="LoraModel"/> (disable scopes nest).</summary>
internal sealed class AdapterSwitch
{
    public int DisabledDepth { get; set; }
}
