using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// torch.optim.AdamW over libtorch parameters, run by our fused kernel (<see cref="FusedAdamW"/>): each step builds
/// one <see cref="ParamSlot"/> per parameter directly over the parameter's and its gradient's libtorch storage
/// (zero-copy, <see cref="TensorMemory"/>), with m/v in managed arrays, and makes ONE multi-tensor call that computes
/// the global grad norm, clips by <see cref="AdamWOptions.MaxGradNorm"/> when set, and updates in place. Bias
/// correction and decoupled weight decay are torch's (see <see cref="OptimReference.AdamW"/>). Every parameter
/// must be a contiguous float32 CPU tensor with requires_grad, and must have a gradient at each step: torch would
/// skip a parameter without one and let its step count fall behind, which one fused step cannot express.
/// </summary>
public sealed class LoraAdamW
{
    /// <summary>The source named in errors.</summary>
    public const string Source = "LoraAdamW";

    private readonly string[] _names;
    private readonly Tensor[] _params;
    private readonly float[][] _expAvg;
    private readonly float[][] _expAvgSq;

    /// <summary>
    /// An optimizer over <paramref name="parameters"/>, e.g. <see cref="LoraModel.NamedAdapterParameters"/>.
    /// </summary>
    public LoraAdamW(IEnumerable<(string Name, Tensor Tensor)> parameters, AdamWOptions options)
    {
        var list = parameters.ToList();
        if (list.Count == 0)
        {
            throw new ModelException(Source, null, "no parameters to optimise");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in list)
        {
            if (!seen.Add(name))
            {
                throw new ModelException(Source, name, "is listed twice");
            }
            if (!t.RequiresGrad)
            {
                throw new ModelException(
                    Source, name, "does not require grad; only trainable tensors can be optimised");
            }
        }
        _names = [.. list.Select(p => p.Name)];
        _params = [.. list.Select(p => p.Tensor)];
        var lengths = list.Select(p => TensorMemory.Over(p.Tensor, Source, p.Name).Memory.Length).ToArray();
        _expAvg = [.. lengths.Select(n => new float[n])];
        _expAvgSq = [.. lengths.Select(n => new float[n])];
        Options = options;
    }

    /// <summary>Hyper-parameters; replace between steps to schedule the learning rate.</summary>
    public AdamWOptions Options { get; set; }

    /// <summary>Steps taken (torch's <c>state["step"]</c>); the next step uses t = StepCount + 1.</summary>
    public int StepCount { get; private set; }

    /// <summary>Parameter names, in slot order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>
    /// One AdamW step over every parameter in one fused call; returns the pre-clip global grad norm. A missing or
    /// non-finite gradient throws <see cref="ModelException"/> naming the parameter; nothing is written then and
    /// the step count does not advance.
    /// </summary>
    public double Step()
    {
        var grads = new Tensor?[_params.Length];
        var slots = new ParamSlot[_params.Length];
        int t = StepCount + 1;
        try
        {
            for (int i = 0; i < _params.Length; i++)
            {
                if (_params[i].IsDisposed)
                {
                    throw new ObjectDisposedException(_names[i], "the parameter was freed (its LoraModel disposed?)");
                }
                // Storage is re-read every step, so the slots always point at the tensors' current memory.
                var paramMemory = TensorMemory.Over(_params[i], Source, _names[i]);
                var g = grads[i] = _params[i].Grad
                    ?? throw new ModelException(
                        Source, _names[i], $"step {t}: has no gradient; run backward through it before Step()");
                var gradMemory = TensorMemory.Over(g, Source, "grad of " + _names[i]);
                if (gradMemory.Memory.Length != paramMemory.Memory.Length)
                {
                    throw new ModelException(Source, _names[i], $"step {t}: gradient shape differs from the parameter");
                }
                slots[i] = new ParamSlot(paramMemory.Memory, gradMemory.Memory, _expAvg[i], _expAvgSq[i]);
            }
            double norm = FusedAdamW.Step(slots, t, Options);
            StepCount = t;
            return norm;
        }
        catch (KernelInputException e) when (e.Row is int row && row < _names.Length)
        {
            throw new ModelException(Source, _names[row], $"step {t}: {e.Message}", e);
        }
        finally
        {
            foreach (var g in grads)
            {
                g?.Dispose();
            }
        }
    }

    /// <summary>Drops every parameter's gradient (<c>zero_grad(set_to_none=True)</c>, torch's default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _params)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>m (<c>exp_avg</c>) of parameter <paramref name="index"/>, live.</summary>
    public ReadOnlySpan<float> ExpAvg(int index) => _expAvg[index];

    /// <summary>v (<c>exp_avg_sq</c>) of parameter <paramref name="index"/>, live.</summary>
    public ReadOnlySpan<float> ExpAvgSq(int index) => _expAvgSq[index];

    /// <summary>
    /// Writes the state atomically as safetensors: <c>&lt;name&gt;.exp_avg</c>, <c>&lt;name&gt;.exp_avg_sq</c>
    /// (float32, flat) and metadata <c>step</c>.
    /// </summary>
    public void SaveState(string path)
    {
        var writer = new SafetensorsWriter().AddMetadata("format", "pt").AddMetadata("step", StepCount.ToString());
        for (int i = 0; i < _names.Length; i++)
        {
            writer.Add(_names[i] + ".exp_avg", _expAvg[i], _expAvg[i].Length);
            writer.Add(_names[i] + ".exp_avg_sq", _expAvgSq[i], _expAvgSq[i].Length);
        }
        writer.Save(path);
    }

    /// <summary>Reads a <see cref="SaveState"/> file; every tensor must be there with this optimizer's sizes.</summary>
    public void LoadState(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("step", out var stepText) || !int.TryParse(stepText, out int step) || step < 0)
        {
            throw new ModelException(path, "__metadata__.step", "missing or not a non-negative integer");
        }
        var loaded = new List<(float[] Target, float[] Values)>();
        for (int i = 0; i < _names.Length; i++)
        {
            loaded.Add((_expAvg[i], Read(file, _names[i] + ".exp_avg", _expAvg[i].Length)));
            loaded.Add((_expAvgSq[i], Read(file, _names[i] + ".exp_avg_sq", _expAvgSq[i].Length)));
        }
        var expected = _names.SelectMany(n => new[] { n + ".exp_avg", n + ".exp_avg_sq" }).ToHashSet();
        var extra = file.Tensors.FirstOrDefault(t => !expected.Contains(t.Name));
        if (extra is not null)
        {
            throw new ModelException(path, extra.Name, "is not a state tensor of this optimizer's parameters");
        }
        foreach (var (target, values) in loaded)
        {
            values.CopyTo(target, 0);
        }
        StepCount = step;
    }

    private static float[] Read(SafetensorsFile file, string name, int length)
    {
        if (!file.Contains(name))
        {
            throw new ModelException(file.Path, name, "is missing from the optimizer state");
        }
        var info = file.Info(name);
        if (info.DType != SafetensorsDType.F32 || info.Numel != length)
        {
            throw new ModelException(
                file.Path, name,
                $"expected F32 with {length} elements, got {info.DType} [{string.Join(", ", info.Shape)}]");
        }
        return file.GetSpan<float>(name).ToArray();
    }
}
