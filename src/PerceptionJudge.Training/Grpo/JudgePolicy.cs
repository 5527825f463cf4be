using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Torch;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Grpo;

/// <summary>
/// The judge being trained: the model, its LoRA adapters (or none, for a full fine-tune), the fused AdamW over the
/// trainable tensors, and the reference policy. With LoRA the reference is the same model with adapters disabled
/// (verl <c>ref_in_actor</c>); a full fine-tune keeps a frozen copy of the starting weights.
/// </summary>
public sealed class JudgePolicy : IDisposable
{
    private readonly VisionLanguageModel? _frozenReference;

    /// <summary>
    /// Wraps <paramref name="model"/> (owned from now on) for <paramref name="finetune"/>. A
    /// <paramref name="textOnly"/> full fine-tune freezes the vision tower: no prompt reaches it, so it gets no
    /// gradient (LoRA never adapts it).
    /// </summary>
    public JudgePolicy(VisionLanguageModel model, Tokenizer tokenizer, string finetune, LoraSection lora,
        AdamWOptions optimizer, ulong seed, bool textOnly = false)
    {
        Model = model;
        Tokenizer = tokenizer;
        ImageSize = model.Config.Vision?.ImageSize
            ?? throw new TrainingException("the judge model has no vision tower (vision_config)");
        if (finetune == "lora")
        {
            Lora = LoraModel.Inject(model, new LoraConfig
            {
                R = lora.R,
                LoraAlpha = lora.Alpha,
                TargetModules = lora.TargetModules == "all-linear"
                    ? ModulePattern.AllLinear
                    : ModulePattern.Of(lora.TargetModules.Split(',', StringSplitOptions.TrimEntries)),
                ExcludeModules = string.IsNullOrEmpty(lora.ExcludeModules)
                    ? null
                    : ModulePattern.Regex(lora.ExcludeModules),
            }, seed);
            Optimizer = new LoraAdamW(Lora.NamedAdapterParameters(), optimizer);
        }
        else
        {
            model.RequiresGrad(true);
            if (textOnly)
            {
                model.Visual?.RequiresGrad(false);
            }

            Optimizer = new LoraAdamW(model.TrainableParameters(), optimizer);
            _frozenReference = Snapshot(model);
        }
    }

    /// <summary>The backbone.</summary>
    public VisionLanguageModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>The adapters, or null for a full fine-tune.</summary>
    public LoraModel? Lora { get; }

    /// <summary>Fused AdamW over the trainable tensors (Kernels.Optim, zero-copy on libtorch storage).</summary>
    public LoraAdamW Optimizer { get; }

    /// <summary>Side of the square images the vision tower takes.</summary>
    public int ImageSize { get; }

    /// <summary>Trainable parameter count.</summary>
    public long TrainableParameters => Lora?.AdapterParameterCount() ?? Model.ParameterCount();

    /// <summary>
    /// The reference policy's model for the duration of the returned scope: the same model with adapters off
    /// (LoRA), or the frozen copy (full).
    /// </summary>
    public (VisionLanguageModel Model, IDisposable Scope) Reference() =>
        Lora is { } lora ? (Model, lora.DisableAdapters()) : (_frozenReference!, new NoScope());

    /// <inheritdoc/>
    public void Dispose()
    {
        Lora?.Dispose();
        _frozenReference?.Dispose();
        Model.Dispose();
    }

    /// <summary>A frozen copy of <paramref name="model"/>'s current weights.</summary>
    public static VisionLanguageModel Snapshot(VisionLanguageModel model)
    {
        var copy = VisionLanguageModel.Create(model.Config, 0);
        JudgeState.CopyWeights(model, copy);
        copy.RequiresGrad(false);
        copy.Eval();
        return copy;
    }

    private sealed class NoScope : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
