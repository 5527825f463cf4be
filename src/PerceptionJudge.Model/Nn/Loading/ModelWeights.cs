using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Loading;

/// <summary>
/// Moves a <see cref="Module"/>'s parameters to and from safetensors checkpoints under their dotted HF names
/// (<c>model.layers.0.self_attn.q_proj.weight</c>). Loading converts bf16/f16/f64 to each parameter's dtype (f32) and
/// accepts both Qwen2-VL layouts (<see cref="WeightNames"/>); saving writes the hub layout (our module names).
/// </summary>
public static class ModelWeights
{
    /// <summary>
    /// Names a checkpoint may hold that no model loads (HF <c>_keys_to_ignore_on_load_unexpected</c>): the RoPE
    /// inverse frequencies that older checkpoints saved as a buffer.
    /// </summary>
    public static bool IsIgnorable(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>
    /// Copies every parameter of <paramref name="module"/> from <paramref name="checkpoint"/>. A shape mismatch is
    /// always an error; with <paramref name="strict"/>, so are missing and unexpected tensors. Errors are one
    /// <see cref="ModelException"/> listing every offending tensor by name. Names in <paramref name="ignore"/> (a tied
    /// <c>lm_head.weight</c>) and <see cref="IsIgnorable"/> names are skipped. Checkpoint names are first mapped to the
    /// hub layout (<see cref="WeightNames.ToHubName"/>); the report lists the renamed tensors. Errors and the report
    /// name tensors as the checkpoint spells them. Nothing is copied when it throws.
    /// </summary>
    public static WeightLoadReport Load(
        Module module, SafetensorsCheckpoint checkpoint, bool strict = true, IReadOnlySet<string>? ignore = null)
    {
        var parameters = module.NamedParameters().ToList();
        var known = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var stored = WeightNames.ToHubNames(checkpoint.Names, checkpoint.Source); // hub name → checkpoint name
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<string>();
        foreach (var (name, tensor) in parameters)
        {
            if (!stored.TryGetValue(name, out var storedName))
            {
                missing.Add(name);
                continue;
            }
            var shape = checkpoint.Info(storedName).Shape;
            if (!shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                mismatched.Add(
                    $"{storedName}: checkpoint [{string.Join(", ", shape)}], model [{string.Join(", ", tensor.Shape)}]");
                continue;
            }
            loaded.Add(name);
        }
        var unexpected = stored
            .Where(p => !known.Contains(p.Key) && !IsIgnorable(p.Key) && !(ignore?.Contains(p.Key) ?? false))
            .Select(p => p.Value)
            .ToList();
        var renamed = stored.Where(p => p.Key != p.Value).Select(p => $"{p.Value} -> {p.Key}").ToList();
        var report = new WeightLoadReport(loaded, missing, unexpected, mismatched) { Renamed = renamed };
        if (mismatched.Count > 0 || (strict && !report.IsExact))
        {
            throw new ModelException(
                checkpoint.Source, null,
                $"does not match the model ({mismatched.Count} shape mismatches, {missing.Count} missing, " +
                $"{unexpected.Count} unexpected):{Environment.NewLine}{report.Describe()}");
        }
        using var noGrad = LibTorch.NoGrad();
        var byName = parameters.ToDictionary(p => p.Name, p => p.Tensor, StringComparer.Ordinal);
        foreach (var name in loaded)
        {
            using var scope = LibTorch.NewDisposeScope();
            byName[name].Copy_(checkpoint.ToTensor(stored[name]));
        }
        return report;
    }

    /// <summary>
    /// Writes every parameter of <paramref name="module"/> to one <c>.safetensors</c> file at <paramref name="path"/>
    /// as <paramref name="dtype"/> (float32, bfloat16 or float16), with <c>{"format": "pt"}</c> metadata as
    /// transformers writes.
    /// </summary>
    public static void Save(Module module, string path, DType dtype = DType.Float32)
    {
        if (dtype is not (DType.Float32 or DType.BFloat16 or DType.Float16))
        {
            throw new ArgumentException($"checkpoints are saved as Float32, BFloat16 or Float16, not {dtype}");
        }
        using var scope = LibTorch.NewDisposeScope();
        var writer = new SafetensorsWriter().AddMetadata("format", "pt");
        foreach (var (name, tensor) in module.NamedParameters())
        {
            writer.Add(name, tensor.Detach().To(dtype).Contiguous());
        }
        writer.Save(path);
    }
}
