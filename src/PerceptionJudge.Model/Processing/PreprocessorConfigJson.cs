using System.Text.Json;

namespace PerceptionJudge.Model.Processing;

/// <summary>
/// Reads <see cref="PreprocessorConfig"/> from HF <c>preprocessor_config.json</c>. Absent fields take
/// Qwen2VLImageProcessor's defaults; <c>size</c> {shortest_edge, longest_edge} (newer files) gives the pixel bounds,
/// and min_pixels / max_pixels override it when present, as HF's constructor does. A mistyped field is a
/// <see cref="ModelException"/> naming the file and the field; unknown fields are ignored.
/// </summary>
public static class PreprocessorConfigJson
{
    /// <summary>The file name HF saves the image processor settings under.</summary>
    public const string FileName = "preprocessor_config.json";

    /// <summary>Reads <paramref name="path"/> (the file, or a folder holding it) and validates it.</summary>
    public static PreprocessorConfig Load(string path)
    {
        var (file, json) = JsonObjectFile.ReadText(path, FileName);
        return Parse(json, file);
    }

    /// <summary>Parses preprocessor_config.json text; <paramref name="source"/> names it in errors.</summary>
    public static PreprocessorConfig Parse(string json, string source = FileName)
    {
        using var document = JsonObjectFile.ParseObject(json, source);
        var root = document.RootElement;
        var d = new PreprocessorConfig();
        long minPixels = d.MinPixels, maxPixels = d.MaxPixels;
        if (Field(root, "size") is { } size)
        {
            if (size.ValueKind != JsonValueKind.Object)
            {
                throw new ModelException(source, "size", "must be an object {shortest_edge, longest_edge}");
            }

            minPixels = Long(source, size, "size.", "shortest_edge") ?? throw new ModelException(source,
                "size.shortest_edge", "missing; size must hold shortest_edge and longest_edge (pixel counts)");
            maxPixels = Long(source, size, "size.", "longest_edge") ?? throw new ModelException(source,
                "size.longest_edge", "missing; size must hold shortest_edge and longest_edge (pixel counts)");
        }

        var config = new PreprocessorConfig
        {
            DoResize = Bool(source, root, "do_resize") ?? d.DoResize,
            DoRescale = Bool(source, root, "do_rescale") ?? d.DoRescale,
            RescaleFactor = Double(source, root, "rescale_factor") ?? d.RescaleFactor,
            DoNormalize = Bool(source, root, "do_normalize") ?? d.DoNormalize,
            ImageMean = Doubles(source, root, "image_mean") ?? d.ImageMean,
            ImageStd = Doubles(source, root, "image_std") ?? d.ImageStd,
            DoConvertRgb = Bool(source, root, "do_convert_rgb") ?? d.DoConvertRgb,
            MinPixels = Long(source, root, "", "min_pixels") ?? minPixels,
            MaxPixels = Long(source, root, "", "max_pixels") ?? maxPixels,
            PatchSize = Int(source, root, "patch_size") ?? d.PatchSize,
            TemporalPatchSize = Int(source, root, "temporal_patch_size") ?? d.TemporalPatchSize,
            MergeSize = Int(source, root, "merge_size") ?? d.MergeSize,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>The settings as preprocessor_config.json text (flat min_pixels / max_pixels, as Qwen2-VL ships).
    /// </summary>
    public static string ToJson(PreprocessorConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("image_processor_type", "Qwen2VLImageProcessor");
            w.WriteBoolean("do_resize", config.DoResize);
            w.WriteBoolean("do_rescale", config.DoRescale);
            w.WriteNumber("rescale_factor", config.RescaleFactor);
            w.WriteBoolean("do_normalize", config.DoNormalize);
            WriteArray(w, "image_mean", config.ImageMean);
            WriteArray(w, "image_std", config.ImageStd);
            w.WriteBoolean("do_convert_rgb", config.DoConvertRgb);
            w.WriteNumber("min_pixels", config.MinPixels);
            w.WriteNumber("max_pixels", config.MaxPixels);
            w.WriteNumber("patch_size", config.PatchSize);
            w.WriteNumber("temporal_patch_size", config.TemporalPatchSize);
            w.WriteNumber("merge_size", config.MergeSize);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    private static bool? Bool(string source, JsonElement obj, string name) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new ModelException(source, name, "must be true or false"),
    };

    private static double? Double(string source, JsonElement obj, string name) =>
        Field(obj, name) is { } e
            ? e.ValueKind == JsonValueKind.Number ? e.GetDouble()
            : throw new ModelException(source, name, "must be a number")
            : null;

    private static long? Long(string source, JsonElement obj, string prefix, string name) =>
        Field(obj, name) is { } e
            ? e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v
            : throw new ModelException(source, prefix + name, "must be an integer")
            : null;

    private static int? Int(string source, JsonElement obj, string name) =>
        Long(source, obj, "", name) is long v
            ? v is >= int.MinValue and <= int.MaxValue ? (int)v
            : throw new ModelException(source, name, $"{v} is out of range")
            : null;

    /// <summary>A list of numbers, or one number meaning the same value for every channel (as HF accepts).</summary>
    private static IReadOnlyList<double>? Doubles(string source, JsonElement obj, string name)
    {
        if (Field(obj, name) is not { } e)
        {
            return null;
        }

        if (e.ValueKind == JsonValueKind.Number)
        {
            return [e.GetDouble(), e.GetDouble(), e.GetDouble()];
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            throw new ModelException(source, name, "must be a list of numbers (one per channel)");
        }

        var values = new List<double>();
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number)
            {
                throw new ModelException(source, $"{name}[{i}]", "must be a number");
            }

            values.Add(item.GetDouble());
            i++;
        }

        return values;
    }
}
