namespace PerceptionJudge.Model.Lora;

/// <summary>
/// LoRA hyper-parameters with PEFT's <c>LoraConfig</c> names and defaults (peft/tuners/lora/config.py): rank
/// <c>r</c> = 8, <c>lora_alpha</c> = 8, <c>lora_dropout</c> = 0, <c>use_rslora</c> = false, <c>bias</c> = "none".
/// The update is <c>ΔW = scaling·B·A</c> with <c>scaling = lora_alpha / r</c>, or <c>lora_alpha / √r</c> with
/// rsLoRA (Kalajdzievski 2023). Only what this engine implements is representable: bias "none", no DoRA, no
/// per-module rank patterns.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The source named in validation errors.</summary>
    public const string Source = "LoraConfig";

    /// <summary><c>r</c>: the rank, rows of A and columns of B.</summary>
    public int R { get; init; } = 8;

    /// <summary><c>lora_alpha</c>: the numerator of <see cref="Scaling"/>.</summary>
    public double LoraAlpha { get; init; } = 8;

    /// <summary><c>lora_dropout</c>: dropout probability on the adapter's input, in training mode only.</summary>
    public double LoraDropout { get; init; }

    /// <summary><c>use_rslora</c>: scale by α/√r instead of α/r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary><c>target_modules</c>: the Linear layers that get an adapter (required).</summary>
    public ModulePattern? TargetModules { get; init; }

    /// <summary><c>exclude_modules</c>: layers never adapted, even if targeted (e.g. <c>.*visual.*</c>).</summary>
    public ModulePattern? ExcludeModules { get; init; }

    /// <summary><c>bias</c>: only "none" (biases stay frozen and are not saved).</summary>
    public string Bias { get; init; } = "none";

    /// <summary><c>base_model_name_or_path</c>, written to adapter_config.json.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary><c>task_type</c>; "CAUSAL_LM" for the judge.</summary>
    public string TaskType { get; init; } = "CAUSAL_LM";

    /// <summary>α/r, or α/√r with <see cref="UseRsLora"/> (PEFT <c>LoraLayer.update_layer</c>).</summary>
    public double Scaling => UseRsLora ? LoraAlpha / Math.Sqrt(R) : LoraAlpha / R;

    /// <summary>Checks every field; throws <see cref="ModelException"/> naming the first bad one.</summary>
    public LoraConfig Validate(string source = Source)
    {
        if (R <= 0)
        {
            throw new ModelException(source, "r", $"must be a positive integer, got {R}");
        }
        if (!double.IsFinite(LoraAlpha) || LoraAlpha == 0)
        {
            throw new ModelException(source, "lora_alpha", $"must be finite and non-zero, got {LoraAlpha}");
        }
        if (!(LoraDropout >= 0 && LoraDropout < 1))
        {
            throw new ModelException(source, "lora_dropout", $"must lie in [0, 1), got {LoraDropout}");
        }
        if (Bias != "none")
        {
            throw new ModelException(
                source, "bias",
                $"'{Bias}' is not supported; only \"none\" (PEFT's \"all\"/\"lora_only\" train biases)");
        }
        if (TargetModules is null)
        {
            throw new ModelException(
                source, "target_modules", "must be set: a list of names, a full-match regex, or \"all-linear\"");
        }
        if (TargetModules.Names is { Count: 0 })
        {
            throw new ModelException(source, "target_modules", "is an empty list; name at least one module");
        }
        if (ExcludeModules?.IsAllLinear == true)
        {
            throw new ModelException(source, "exclude_modules", "\"all-linear\" is only meaningful for target_modules");
        }
        return this;
    }
}
