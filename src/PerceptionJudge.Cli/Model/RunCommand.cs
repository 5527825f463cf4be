using System.CommandLine;
using PerceptionJudge.Model.Nn.QwenVL;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Cli.Model;

/// <summary>
/// <c>pjudge model run --model DIR --inputs IN.safetensors --out OUT.safetensors [--capture NAMES]</c>: one forward of
/// a Qwen2-VL / Qwen2.5-VL folder (<see cref="QwenVLModel"/>). Reads <c>input_ids</c> (int64 [B, T]), optional
/// <c>attention_mask</c> (int64 [B, T]), <c>pixel_values</c> (float [L, C·Tp·p·p]) and <c>image_grid_thw</c> (int64
/// [N, 3]); writes <c>logits</c> (float32 [B, T, V]), <c>position_ids</c> (int64 [3, B, T]) and <c>rope_deltas</c>
/// (int64 [B, 1]). Without <c>input_ids</c> it runs the vision tower alone and writes <c>visual.merger</c>.
/// <c>--capture</c> adds intermediate states under HF's module names (<c>visual.patch_embed</c>,
/// <c>visual.blocks.N</c>, <c>visual.merger</c>, <c>model.embed_tokens</c>, <c>model.layers.N</c>, <c>model.norm</c>):
/// a comma-separated list of names or prefixes, or <c>all</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model")
        {
            Description = "HF model folder (qwen2_vl or qwen2_5_vl)",
            Required = true,
        };
        var inputs = new Option<string>("--inputs") { Description = "Input .safetensors", Required = true };
        var output = new Option<string>("--out") { Description = "Output .safetensors", Required = true };
        var capture = new Option<string?>("--capture")
        {
            Description =
                "Also write these states: names or prefixes, comma-separated (visual.blocks, model.layers.3), or all",
        };
        var command = new Command("run",
            "One forward of a Qwen2-VL / Qwen2.5-VL folder; logits, positions and states as safetensors")
        {
            model, inputs, output, capture,
        };
        command.SetAction(parse =>
        {
            var names = Run(parse.GetValue(model)!, parse.GetValue(inputs)!, parse.GetValue(output)!,
                parse.GetValue(capture));
            stdout.WriteLine($"wrote {parse.GetValue(output)}: {string.Join(", ", names)}");
            return 0;
        });
        return command;
    }

    /// <summary>Runs the forward and writes the dump; returns the tensor names written.</summary>
    public static IReadOnlyList<string> Run(string modelFolder, string inputPath, string output, string? capture)
    {
        using var qwen = QwenVLModel.FromPretrained(modelFolder);
        using var file = SafetensorsFile.Open(inputPath);
        var wanted = CaptureFilter(capture, qwen);
        var grids = file.Contains("image_grid_thw") ? Grids(file, inputPath) : null;
        using var noGrad = LibTorch.NoGrad();
        using var scope = LibTorch.NewDisposeScope();
        var pixels = file.Contains("pixel_values") ? Pixels(file, inputPath, qwen) : null;
        if ((pixels is null) != (grids is null))
        {
            throw new CliInputException(inputPath,
                "pixel_values and image_grid_thw come together; give both or neither");
        }
        var writer = new SafetensorsWriter().AddMetadata("format", "pt");
        var names = new List<string>();
        void Keep(string name, Tensor t)
        {
            if (wanted(name))
            {
                // Copied now: the state lives in the callee's dispose scope, the writer reads at Save.
                using var copy = t.Detach().To(DType.Float32).Contiguous();
                writer.Add(name, copy.ToArray<float>(), t.Shape.ToArray());
                names.Add(name);
            }
        }

        if (!file.Contains("input_ids"))
        {
            if (pixels is null)
            {
                throw new CliInputException(inputPath, "holds neither input_ids nor pixel_values; nothing to run");
            }
            var merged = qwen.Visual.Forward(pixels, grids!, (n, t) => Keep($"visual.{n}", t));
            if (!names.Contains("visual.merger"))
            {
                writer.Add("visual.merger", merged.Contiguous());
                names.Add("visual.merger");
            }
            writer.Save(output);
            return names;
        }

        var ids = Matrix(file, "input_ids", inputPath);
        var mask = file.Contains("attention_mask") ? Matrix(file, "attention_mask", inputPath) : null;
        if (mask is not null && (mask.GetLength(0) != ids.GetLength(0) || mask.GetLength(1) != ids.GetLength(1)))
        {
            throw new CliInputException(inputPath,
                $"attention_mask is [{mask.GetLength(0)}, {mask.GetLength(1)}] but input_ids is " +
                $"[{ids.GetLength(0)}, {ids.GetLength(1)}]");
        }
        using var result = qwen.Forward(ids, mask, pixels, grids, Keep);
        int batch = ids.GetLength(0), length = ids.GetLength(1);
        var positions = new long[3 * batch * length];
        Buffer.BlockCopy(result.PositionIds, 0, positions, 0, positions.Length * sizeof(long));
        writer.Add("logits", result.Logits.Contiguous())
            .Add("position_ids", positions, 3, batch, length)
            .Add("rope_deltas", result.RopeDeltas, batch, 1);
        names.InsertRange(0, ["logits", "position_ids", "rope_deltas"]);
        writer.Save(output);
        return names;
    }

    /// <summary>Which captured states to write: none, all, or names equal to or under a listed prefix.</summary>
    private static Func<string, bool> CaptureFilter(string? capture, QwenVLModel model)
    {
        if (string.IsNullOrWhiteSpace(capture))
        {
            return _ => false;
        }
        var known = new List<string> { "visual.patch_embed", "visual.merger", "model.embed_tokens", "model.norm" };
        known.AddRange(Enumerable.Range(0, model.VisionConfig.Depth).Select(i => $"visual.blocks.{i}"));
        known.AddRange(Enumerable.Range(0, model.Config.NumHiddenLayers).Select(i => $"model.layers.{i}"));
        var entries = capture.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Contains("all"))
        {
            return _ => true;
        }
        bool Matches(string entry, string name) =>
            name == entry || name.StartsWith(entry + ".", StringComparison.Ordinal);
        foreach (var entry in entries)
        {
            if (!known.Any(n => Matches(entry, n)))
            {
                throw new CliInputException("--capture",
                    $"'{entry}' names no state of this model; known: all, {string.Join(", ", known)}");
            }
        }
        return name => entries.Any(e => Matches(e, name));
    }

    private static long[,] Matrix(SafetensorsFile file, string name, string source)
    {
        var array = file.ReadLongs(name);
        if (array.Shape.Length != 2)
        {
            throw new CliInputException(source, $"{name} must be int64 [B, T], got [{string.Join(", ", array.Shape)}]");
        }
        var matrix = new long[array.Shape[0], array.Shape[1]];
        Buffer.BlockCopy(array.Values, 0, matrix, 0, array.Values.Length * sizeof(long));
        return matrix;
    }

    private static List<(int T, int H, int W)> Grids(SafetensorsFile file, string source)
    {
        var array = file.ReadLongs("image_grid_thw");
        if (array.Shape.Length != 2 || array.Shape[1] != 3)
        {
            throw new CliInputException(source,
                $"image_grid_thw must be int64 [N, 3], got [{string.Join(", ", array.Shape)}]");
        }
        return Enumerable.Range(0, (int)array.Shape[0])
            .Select(i => ((int)array.Values[3 * i], (int)array.Values[3 * i + 1], (int)array.Values[3 * i + 2]))
            .ToList();
    }

    private static Tensor Pixels(SafetensorsFile file, string source, QwenVLModel model)
    {
        var array = file.ReadFloats("pixel_values");
        var v = model.VisionConfig;
        long cols = (long)v.InChannels * v.TemporalPatchSize * v.PatchSize * v.PatchSize;
        if (array.Shape.Length != 2 || array.Shape[1] != cols)
        {
            throw new CliInputException(source,
                $"pixel_values must be float [L, {cols}] (C·Tp·p·p of this model), got " +
                $"[{string.Join(", ", array.Shape)}]");
        }
        return Tensor.From<float>(array.Values, array.Shape[0], cols);
    }
}
