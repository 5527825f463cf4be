using System.Numerics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;

namespace PerceptionJudge.Bench.Tracking;

/// <summary>
/// BenchmarkDotNet's in-process toolchain leaves each benchmark's <c>HardwareIntrinsics</c> empty in the full JSON,
/// and that is what the machine fingerprint reads the vector ISA from. The benchmarks of such a run executed in
/// this very process, so the process's own intrinsics are the right value: <see cref="FillIntrinsics"/> writes them.
/// </summary>
public static class RunStamp
{
    /// <summary>This process's vector ISA in BenchmarkDotNet's spelling (the part the fingerprint reads).</summary>
    public static string ProcessIntrinsics()
    {
        var sets = new List<string>();
        if (Avx512F.IsSupported)
        {
            sets.Add("AVX-512F");
        }

        if (Avx2.IsSupported)
        {
            sets.Add("AVX2");
        }

        if (Fma.IsSupported)
        {
            sets.Add("FMA");
        }

        if (AdvSimd.IsSupported)
        {
            sets.Add("AdvSIMD");
        }

        return $"{string.Join(',', sets)} VectorSize={Vector<byte>.Count * 8}";
    }

    /// <summary>Fills empty <c>HardwareIntrinsics</c> fields of the full JSON at <paramref name="path"/>.</summary>
    public static void FillIntrinsics(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path));
        if (root?["Benchmarks"] is not JsonArray benchmarks)
        {
            return;
        }

        bool changed = false;
        foreach (var b in benchmarks.OfType<JsonObject>())
        {
            if (string.IsNullOrEmpty(b["HardwareIntrinsics"]?.GetValue<string>()))
            {
                b["HardwareIntrinsics"] = ProcessIntrinsics();
                changed = true;
            }
        }

        if (changed)
        {
            File.WriteAllText(path, root.ToJsonString());
        }
    }
}
