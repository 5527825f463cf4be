using System.Text.Json;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training;

/// <summary>
/// What a checkpoint holds besides the weights: the RL step, the prompt sampler's position and the seed every
/// counter-based random stream derives from (generation draws use (seed, step, global prompt index), shuffles
/// (seed, step)), so restoring these restores every stream exactly.
/// </summary>
/// <param name="Step">RL steps done.</param>
/// <param name="SamplerEpoch">Prompt sampler epoch.</param>
/// <param name="SamplerPosition">Prompt sampler position in the epoch.</param>
/// <param name="Seed">trainer.seed of the run.</param>
/// <param name="Finetune">"lora" or "full".</param>
public sealed record JudgeState(int Step, int SamplerEpoch, int SamplerPosition, ulong Seed, string Finetune)
{
    /// <summary>state.json.</summary>
    public const string FileName = "state.json";

    /// <summary>Adapter folder (PEFT layout) of a LoRA checkpoint.</summary>
    public const string AdapterFolder = "adapter";

    /// <summary>Model folder (HF layout) of a full fine-tune checkpoint, and of the post-SFT base.</summary>
    public const string ModelFolder = "model";

    /// <summary>The optimizer's moments and step count.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Writes the policy's trainable weights, optimizer state and this record into <paramref name="folder"/>.
    /// </summary>
    public void Write(string folder, JudgePolicy policy)
    {
        if (policy.Lora is { } lora)
        {
            PeftAdapter.Save(lora, Path.Combine(folder, AdapterFolder));
        }
        else
        {
            policy.Model.SavePretrained(Path.Combine(folder, ModelFolder));
        }

        policy.Optimizer.SaveState(Path.Combine(folder, OptimizerFile));
        File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, s_json));
    }

    /// <summary>Reads state.json of <paramref name="folder"/>.</summary>
    public static JudgeState Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        try
        {
            return JsonSerializer.Deserialize<JudgeState>(File.ReadAllText(path), s_json)
                ?? throw new TrainingException(path, "is empty");
        }
        catch (JsonException e)
        {
            throw new TrainingException(path, $"is not a valid checkpoint state ({e.Message})", inner: e);
        }
    }

    /// <summary>Loads the checkpoint's weights and optimizer state into <paramref name="policy"/>.</summary>
    public void Restore(string folder, JudgePolicy policy)
    {
        if (Finetune != (policy.Lora is null ? "full" : "lora"))
        {
            throw new TrainingException(folder,
                $"holds a {Finetune} checkpoint but the config asks for model.finetune = " +
                $"{(policy.Lora is null ? "full" : "lora")}; resume with the run's own config");
        }

        if (policy.Lora is { } lora)
        {
            PeftAdapter.LoadWeights(lora, Path.Combine(folder, AdapterFolder));
        }
        else
        {
            using var saved = VisionLanguageModel.FromPretrained(Path.Combine(folder, ModelFolder));
            CopyWeights(saved, policy.Model);
        }

        policy.Optimizer.LoadState(Path.Combine(folder, OptimizerFile));
    }

    /// <summary>Copies every parameter of <paramref name="from"/> into the same-named one of <paramref name="to"/>.
    /// </summary>
    public static void CopyWeights(VisionLanguageModel from, VisionLanguageModel to)
    {
        using var noGrad = Torch.LibTorch.NoGrad();
        var source = from.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor, StringComparer.Ordinal);
        foreach (var (name, t) in to.NamedParameters())
        {
            t.Copy_(source[name]);
        }
    }
}
