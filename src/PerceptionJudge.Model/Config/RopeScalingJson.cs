using System.Text.Json;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// config.json's RoPE settings: <c>rope_scaling</c> (transformers ≤ 4.x) or <c>rope_parameters</c> (newer, which may
/// also carry rope_theta). Only the unscaled kinds are supported: absent/null, or an object whose
/// <c>rope_type</c> (older files: <c>type</c>) is "default" or "mrope", optionally with <c>mrope_section</c> (Qwen2-VL's
/// multimodal RoPE; HF maps "mrope" to "default" plus the section). Any other type is a <see cref="ModelException"/>.
/// </summary>
internal static class RopeScalingJson
{
    /// <summary>What the RoPE object says: its rope_theta (rope_parameters only) and M-RoPE section, each maybe null.
    /// </summary>
    public readonly record struct Settings(double? Theta, IReadOnlyList<int>? MropeSection);

    /// <summary>Reads rope_scaling, else rope_parameters, through <paramref name="f"/>.</summary>
    public static Settings Read(ConfigFields f, string source)
    {
        var name = f.Get("rope_scaling") is not null ? "rope_scaling" : "rope_parameters";
        if (f.Get(name) is not { } rope)
        {
            return default;
        }
        var field = f.Where(name);
        if (rope.ValueKind != JsonValueKind.Object)
        {
            throw new ModelException(source, field, "must be an object or null");
        }
        var o = new ConfigFields(source, rope, field + ".");
        var type = o.OptionalString("rope_type") ?? o.OptionalString("type") ?? "default";
        if (type is not ("default" or "mrope"))
        {
            throw new ModelException(
                source, field, $"RoPE scaling '{type}' is not supported; use null, \"default\" or \"mrope\"");
        }
        IReadOnlyList<int>? section = null;
        if (o.Get("mrope_section") is { } s)
        {
            if (s.ValueKind != JsonValueKind.Array
                || s.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out _)))
            {
                throw new ModelException(source, field + ".mrope_section", "must be an array of integers");
            }
            section = s.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }
        else if (type == "mrope")
        {
            throw new ModelException(source, field + ".mrope_section", "is required for RoPE type \"mrope\"");
        }
        return new Settings(o.OptionalDouble("rope_theta"), section);
    }

    /// <summary>
    /// Writes rope_scaling: null for plain RoPE, else {"type": "mrope", "mrope_section": [...]} as the hub's
    /// Qwen2-VL and Qwen2.5-VL configs hold it.
    /// </summary>
    public static void Write(Utf8JsonWriter w, IReadOnlyList<int>? mropeSection)
    {
        if (mropeSection is null)
        {
            w.WriteNull("rope_scaling");
            return;
        }
        w.WriteStartObject("rope_scaling");
        w.WriteString("type", "mrope");
        w.WriteStartArray("mrope_section");
        foreach (var s in mropeSection)
        {
            w.WriteNumberValue(s);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
