using System.Text;
using System.Text.Json;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// <see cref="LoraConfig"/> as PEFT's <c>adapter_config.json</c> (PEFT 0.14 <c>LoraConfig</c> fields, written with
/// sorted keys and two-space indent as <c>PeftConfigMixin.save_pretrained</c> does). Reading checks
/// <c>peft_type</c> and every field this engine relies on, and rejects features it does not implement (DoRA,
/// bias training, rank/alpha patterns, layers_to_transform, modules_to_save, fan_in_fan_out, LoRA bias) with a
/// <see cref="ModelException"/> naming the file and field. Unknown fields are ignored, as PEFT ignores them.
/// </summary>
public static class PeftConfigJson
{
    /// <summary>PEFT's <c>CONFIG_NAME</c>.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>The JSON text PEFT writes for <paramref name="config"/> (target_modules already expanded).</summary>
    public static string ToJson(LoraConfig config)
    {
        config.Validate();
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("alpha_pattern");
            w.WriteEndObject();
            w.WriteNull("auto_mapping");
            WriteStringOrNull(w, "base_model_name_or_path", config.BaseModelNameOrPath);
            w.WriteString("bias", config.Bias);
            w.WriteNull("eva_config");
            WritePattern(w, "exclude_modules", config.ExcludeModules);
            w.WriteBoolean("fan_in_fan_out", false);
            w.WriteBoolean("inference_mode", true);
            w.WriteBoolean("init_lora_weights", true);
            w.WriteNull("layer_replication");
            w.WriteNull("layers_pattern");
            w.WriteNull("layers_to_transform");
            w.WriteStartObject("loftq_config");
            w.WriteEndObject();
            WriteNumber(w, "lora_alpha", config.LoraAlpha);
            w.WriteBoolean("lora_bias", false);
            w.WriteNumber("lora_dropout", config.LoraDropout);
            w.WriteNull("megatron_config");
            w.WriteString("megatron_core", "megatron.core");
            w.WriteNull("modules_to_save");
            w.WriteString("peft_type", "LORA");
            w.WriteNumber("r", config.R);
            w.WriteStartObject("rank_pattern");
            w.WriteEndObject();
            w.WriteNull("revision");
            WritePattern(w, "target_modules", config.TargetModules);
            WriteStringOrNull(w, "task_type", config.TaskType);
            w.WriteBoolean("use_dora", false);
            w.WriteBoolean("use_rslora", config.UseRsLora);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <paramref name="config"/> to <paramref name="path"/> atomically (temp file, rename).</summary>
    public static void Save(LoraConfig config, string path) => AtomicFile.WriteAllText(path, ToJson(config) + "\n");

    /// <summary>Reads an adapter_config.json (or a folder holding one) and validates it.</summary>
    public static LoraConfig Load(string path)
    {
        var (file, json) = JsonObjectFile.ReadText(path, FileName);
        return Parse(json, file);
    }

    /// <summary>Parses adapter_config.json text; <paramref name="source"/> names it in errors.</summary>
    public static LoraConfig Parse(string json, string source = FileName)
    {
        using (var document = JsonObjectFile.ParseObject(json, source))
        {
            var root = document.RootElement;
            var f = new Fields(source, root);
            var peftType = f.String("peft_type");
            if (peftType != "LORA")
            {
                throw new ModelException(source, "peft_type", $"'{peftType}' is not a LoRA adapter; expected \"LORA\"");
            }
            f.RejectUnless("use_dora", v => v.ValueKind is JsonValueKind.False, "DoRA is not supported");
            f.RejectUnless("fan_in_fan_out", v => v.ValueKind is JsonValueKind.False, "Conv1D layouts are unsupported");
            f.RejectUnless("lora_bias", v => v.ValueKind is JsonValueKind.False, "LoRA bias terms are not supported");
            f.RejectUnless("modules_to_save", IsEmpty, "fully trained extra modules are not supported");
            f.RejectUnless("layers_to_transform", IsEmpty, "layer selection is not supported; use target_modules");
            f.RejectUnless("layer_replication", IsEmpty, "layer replication is not supported");
            f.RejectUnless("rank_pattern", IsEmpty, "per-module ranks are not supported");
            f.RejectUnless("alpha_pattern", IsEmpty, "per-module alphas are not supported");
            var config = new LoraConfig
            {
                R = f.Int("r"),
                LoraAlpha = f.Number("lora_alpha"),
                LoraDropout = f.OptionalNumber("lora_dropout") ?? 0,
                UseRsLora = f.OptionalBool("use_rslora") ?? false,
                Bias = f.OptionalString("bias") ?? "none",
                TargetModules = f.Pattern("target_modules"),
                ExcludeModules = f.Pattern("exclude_modules"),
                BaseModelNameOrPath = f.OptionalString("base_model_name_or_path"),
                TaskType = f.OptionalString("task_type") ?? "CAUSAL_LM",
            };
            return config.Validate(source);
        }
    }

    private static bool IsEmpty(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => true,
        JsonValueKind.Array => v.GetArrayLength() == 0,
        JsonValueKind.Object => !v.EnumerateObject().Any(),
        _ => false,
    };

    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        // PEFT writes lora_alpha as the int users pass; keep integers integral.
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            w.WriteNumber(name, (long)value);
        }
        else
        {
            w.WriteNumber(name, value);
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WritePattern(Utf8JsonWriter w, string name, ModulePattern? pattern)
    {
        if (pattern is null)
        {
            w.WriteNull(name);
        }
        else if (pattern.Pattern is not null)
        {
            w.WriteString(name, pattern.Pattern);
        }
        else
        {
            w.WriteStartArray(name);
            foreach (var n in pattern.Names!)
            {
                w.WriteStringValue(n);
            }
            w.WriteEndArray();
        }
    }

    private readonly struct Fields(string source, JsonElement root)
    {
        public string String(string name) => OptionalString(name)
            ?? throw new ModelException(source, name, "is required");

        public string? OptionalString(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            var v => throw Mistyped(name, "a string", v.Value),
        };

        public int Int(string name) => Get(name) switch
        {
            null => throw new ModelException(source, name, "is required"),
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out int i) => i,
            var v => throw Mistyped(name, "an integer", v.Value),
        };

        public double Number(string name) => OptionalNumber(name)
            ?? throw new ModelException(source, name, "is required");

        public double? OptionalNumber(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v => v.GetDouble(),
            var v => throw Mistyped(name, "a number", v.Value),
        };

        public bool? OptionalBool(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            var v => throw Mistyped(name, "true or false", v.Value),
        };

        public ModulePattern? Pattern(string name)
        {
            var v = Get(name);
            if (v is null)
            {
                return null;
            }
            try
            {
                if (v.Value.ValueKind == JsonValueKind.String)
                {
                    return ModulePattern.Regex(v.Value.GetString()!);
                }
                if (v.Value.ValueKind == JsonValueKind.Array
                    && v.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                {
                    return ModulePattern.Of([.. v.Value.EnumerateArray().Select(e => e.GetString()!)]);
                }
            }
            catch (ArgumentException e)
            {
                throw new ModelException(source, name, e.Message, e);
            }
            throw Mistyped(name, "a list of module names or a regex string", v.Value);
        }

        public void RejectUnless(string name, Func<JsonElement, bool> ok, string why)
        {
            if (Get(name) is { } v && !ok(v))
            {
                throw new ModelException(source, name, $"{v.GetRawText()} is not supported here: {why}");
            }
        }

        /// <summary>The field, or null when absent or JSON null.</summary>
        private JsonElement? Get(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private ModelException Mistyped(string name, string expected, JsonElement v) =>
            new(source, name, $"must be {expected}, got {v.ValueKind} {v.GetRawText()}");
    }
}
