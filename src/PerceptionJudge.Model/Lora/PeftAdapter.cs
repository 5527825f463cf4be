using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// PEFT's adapter folder (<c>PeftModel.save_pretrained</c> / <c>from_pretrained</c>): <c>adapter_config.json</c>
/// plus <c>adapter_model.safetensors</c> holding float32 <c>base_model.model.&lt;path&gt;.lora_A.weight</c> [r, in]
/// and <c>.lora_B.weight</c> [out, r], without the adapter name (PEFT strips ".default" when saving). Both files are
/// written atomically. Loading checks the config and every key and shape and names the offending tensor. It accepts
/// the keys of both Qwen2-VL layouts (<c>base_model.model.model.layers.N...</c> and, from transformers ≥ 4.52,
/// <c>base_model.model.model.language_model.layers.N...</c>; <see cref="HubKey"/>); saving writes the first.
/// </summary>
public static class PeftAdapter
{
    /// <summary>PEFT's <c>SAFETENSORS_WEIGHTS_NAME</c>.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>Writes the adapter folder <paramref name="folder"/> (created if needed).</summary>
    public static void Save(LoraModel model, string folder)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafetensorsWriter().AddMetadata("format", "pt");
        var scratch = new List<Tensor>();
        try
        {
            foreach (var (name, t) in model.NamedAdapterParameters())
            {
                var f32 = t.Dtype == DType.Float32 ? t : t.To(DType.Float32).DetachFromDisposeScope();
                if (!ReferenceEquals(f32, t))
                {
                    scratch.Add(f32);
                }
                writer.Add(name, f32);
            }
            writer.Save(Path.Combine(folder, WeightsFileName));
        }
        finally
        {
            scratch.ForEach(t => t.Dispose());
        }
        PeftConfigJson.Save(model.Config, Path.Combine(folder, PeftConfigJson.FileName));
    }

    /// <summary>
    /// Reads the adapter folder, injects LoRA into <paramref name="root"/> with its config and loads the weights:
    /// the result behaves as the model that was saved.
    /// </summary>
    public static LoraModel Load(Module root, string folder)
    {
        var config = PeftConfigJson.Load(folder);
        var model = LoraModel.Inject(root, config);
        try
        {
            LoadWeights(model, folder);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// Loads the weights of <paramref name="folder"/> into an already adapted model. The folder's config must have
    /// the same r, lora_alpha and use_rslora, and the file must hold exactly the model's adapter tensors with their
    /// shapes; anything else throws <see cref="ModelException"/> naming the field or tensor. Nothing is written
    /// unless every check passes.
    /// </summary>
    public static void LoadWeights(LoraModel model, string folder)
    {
        var configFile = Path.Combine(folder, PeftConfigJson.FileName);
        var saved = PeftConfigJson.Load(configFile);
        var have = model.Config;
        if (saved.R != have.R)
        {
            throw new ModelException(configFile, "r", $"is {saved.R} but the model's adapters have r = {have.R}");
        }
        if (saved.LoraAlpha != have.LoraAlpha || saved.UseRsLora != have.UseRsLora)
        {
            throw new ModelException(
                configFile, saved.LoraAlpha != have.LoraAlpha ? "lora_alpha" : "use_rslora",
                $"gives scaling {saved.Scaling} but the model's adapters use {have.Scaling}");
        }

        var file = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(file))
        {
            throw new ModelException(file, null, "is missing; an adapter folder needs it next to adapter_config.json");
        }
        using var weights = SafetensorsFile.Open(file);
        var expected = model.NamedAdapterParameters().ToList();
        var expectedNames = expected.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var stored = new Dictionary<string, string>(StringComparer.Ordinal); // our key → key in the file
        foreach (var info in weights.Tensors)
        {
            var key = HubKey(info.Name);
            if (!expectedNames.Contains(key))
            {
                throw new ModelException(file, info.Name, UnexpectedReason(info.Name));
            }
            if (!stored.TryAdd(key, info.Name))
            {
                throw new ModelException(
                    file, info.Name, $"and '{stored[key]}' are the same adapter tensor in two layouts; keep one");
            }
        }

        using var scope = LibTorch.NewDisposeScope();
        var loaded = new List<(Tensor Target, Tensor Source)>();
        foreach (var (key, target) in expected)
        {
            if (!stored.TryGetValue(key, out var name))
            {
                throw new ModelException(
                    file, key, "is missing: the adapter was saved for another set of target modules");
            }
            var info = weights.Info(name);
            if (!info.Shape.SequenceEqual(target.Shape))
            {
                throw new ModelException(
                    file, name,
                    $"has shape [{string.Join(", ", info.Shape)}], " +
                    $"the model expects [{string.Join(", ", target.Shape)}]");
            }
            if (info.DType is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16))
            {
                throw new ModelException(file, name, $"has dtype {info.DType}; LoRA weights are F32 (or F16/BF16)");
            }
            var source = weights.ToTensor(name);
            using (var f64 = source.To(DType.Float64))
            using (var finite = Ops.Sum(Ops.Abs(f64)))
            {
                if (!double.IsFinite(finite.Item()))
                {
                    throw new ModelException(file, name, "holds NaN or infinite values");
                }
            }
            loaded.Add((target, source));
        }
        model.Unmerge();
        using (LibTorch.NoGrad())
        {
            foreach (var (target, source) in loaded)
            {
                target.Copy_(source);
            }
        }
    }

    /// <summary>
    /// A PEFT key with the module path in the hub layout: <c>base_model.model.model.language_model.X</c> →
    /// <c>base_model.model.model.X</c>, <c>base_model.model.model.visual.X</c> → <c>base_model.model.visual.X</c>
    /// (<see cref="WeightNames.ToHubName"/> after the PEFT prefix); other keys unchanged.
    /// </summary>
    public static string HubKey(string key) =>
        key.StartsWith(LoraModel.KeyPrefix, StringComparison.Ordinal)
            ? LoraModel.KeyPrefix + WeightNames.ToHubName(key[LoraModel.KeyPrefix.Length..])
            : key;

    private static string UnexpectedReason(string name)
    {
        if (name.Contains(".lora_A.default.", StringComparison.Ordinal)
            || name.Contains(".lora_B.default.", StringComparison.Ordinal))
        {
            return "carries PEFT's in-memory adapter name; saved adapters drop '.default'";
        }
        return name.StartsWith(LoraModel.KeyPrefix, StringComparison.Ordinal)
            ? "is not an adapter of this model: the adapter was saved for another set of target modules"
            : $"is not a PEFT LoRA key (expected '{LoraModel.KeyPrefix}<module>.lora_A.weight')";
    }
}
