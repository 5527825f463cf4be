using System.Text.Json;

namespace PerceptionJudge.Training.Checkpoints;

/// <summary>
/// The four 64-bit words of a <see cref="TrainingRandom"/>, saved in a checkpoint as
/// <c>{"algorithm": "xoshiro256**", "state": [s0, s1, s2, s3]}</c> (exact integers; System.Text.Json writes ulong
/// without loss).
/// </summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3)
{
    /// <summary>The algorithm name written with the state, checked on load.</summary>
    public const string Algorithm = "xoshiro256**";

    /// <summary>Whether every word is zero (a state xoshiro never leaves, so never a valid one).</summary>
    public bool IsAllZero => (S0 | S1 | S2 | S3) == 0;

    /// <summary>The state as one line of JSON.</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(new Stored(Algorithm, [S0, S1, S2, S3]), s_options);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads a state written by <see cref="Save"/>; a bad file is a <see cref="TrainingException"/>.</summary>
    public static RngState Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingException(path, $"cannot read the random-generator state: {e.Message}", inner: e);
        }
        return FromJson(text, path);
    }

    /// <summary>Parses <see cref="ToJson"/> text; <paramref name="source"/> names it in errors.</summary>
    public static RngState FromJson(string json, string source = "rng state")
    {
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(json, s_options);
        }
        catch (JsonException e)
        {
            throw new TrainingException(source, $"not a random-generator state: {e.Message}", inner: e);
        }
        if (stored is null || stored.Algorithm != Algorithm || stored.State is not { Length: 4 } s)
        {
            throw new TrainingException(source,
                $"not a random-generator state: expected {{\"algorithm\": \"{Algorithm}\", \"state\": [4 integers]}}");
        }
        var state = new RngState(s[0], s[1], s[2], s[3]);
        if (state.IsAllZero)
        {
            throw new TrainingException(source, "the random-generator state is all zero, which xoshiro never reaches");
        }
        return state;
    }

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Stored(string Algorithm, ulong[] State);
}
