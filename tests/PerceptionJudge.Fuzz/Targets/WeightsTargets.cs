using PerceptionJudge.Model;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Fuzz.Targets;

/// <summary>
/// Checkpoint files from a hub: a <c>.safetensors</c> file (8-byte length, JSON header, data) opened through its
/// memory map, and a <c>model.safetensors.index.json</c> that maps tensor names onto shards in its folder.
/// </summary>
public static class WeightsTargets
{
    private static readonly string[] s_tokens =
    [
        "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"BF16\"", "\"F16\"", "\"I64\"",
        "\"U8\"", "\"weight_map\"", "\"a.safetensors\"", "\"x\"", "\"y\"", "18446744073709551615",
        "1152921504606846976", "9223372036854775807", "-1", "[]", "{}", "null", "\"..\"",
    ];

    private static readonly Scratch s_file = new("safetensors");

    // The index target's folder holds one valid shard with tensors x (F32 [2]) and y (U8 [3]).
    private static readonly Scratch s_index = new("safetensors-index", root => new SafetensorsWriter()
        .Add("x", new float[] { 1f, 2f }, 2)
        .Add("y", SafetensorsDType.U8, new byte[] { 1, 2, 3 }, 3)
        .Save(Path.Combine(root, "a.safetensors")));

    /// <summary>The targets of this family.</summary>
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "safetensors", "a .safetensors file: SafetensorsFile.Open, then every tensor's bytes and typed span",
            OpenFile, [typeof(ModelException)], s_tokens);
        yield return new FuzzTarget(
            "safetensors-index", "model.safetensors.index.json beside one shard: SafetensorsCheckpoint.Open",
            OpenIndex, [typeof(ModelException)], s_tokens);
    }

    private static void OpenFile(byte[] input)
    {
        using var file = SafetensorsFile.Open(s_file.Write("model.safetensors", input));
        long sum = 0;
        foreach (var tensor in file.Tensors)
        {
            sum += Touch(file.GetBytes(tensor.Name));
            if (tensor.DType == SafetensorsDType.F32)
            {
                sum += file.GetSpan<float>(tensor.Name).Length;
            }
        }
        GC.KeepAlive(sum);
    }

    private static void OpenIndex(byte[] input)
    {
        string index = s_index.Write(SafetensorsCheckpoint.IndexFileName, input);
        using var checkpoint = SafetensorsCheckpoint.Open(s_index.Root);
        long sum = 0;
        foreach (string name in checkpoint.Names)
        {
            sum += checkpoint.Info(name).Numel + Touch(checkpoint.GetBytes(name));
        }
        GC.KeepAlive((index, sum));
    }

    /// <summary>Reads every byte, so a span that points outside the map faults here rather than later.</summary>
    private static long Touch(ReadOnlySpan<byte> bytes)
    {
        long sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }
        return sum;
    }
}
