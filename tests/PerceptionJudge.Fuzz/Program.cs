using SharpFuzz;

namespace PerceptionJudge.Fuzz;

/// <summary>
/// <c>PerceptionJudge.Fuzz TARGET</c> runs one target under AFL++ (SharpFuzz's out-of-process runner, input on
/// stdin; only from the instrumented copy, where every other command would crash outside AFL++); <c>list</c>, <c>dict TARGET</c> (the AFL++ dictionary), <c>replay TARGET PATH...</c> (check files or
/// folders, such as a campaign's <c>crashes/</c>, against the property) and <c>write-seeds DIR</c> (regenerate the
/// generated part of the seed corpus) serve the Cake task and the person reading a campaign. docs/fuzzing.md.
/// </summary>
public static class Program
{
    /// <summary>Entry point; exit 0, 1 for a property violation found by replay, 2 for a usage error.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }
        switch (args[0])
        {
            case "list":
                foreach (var target in FuzzTargets.All)
                {
                    Console.WriteLine($"{target.Name,-18} {target.Description}");
                }
                return 0;
            case "dict" when args.Length == 2:
                foreach (string token in FuzzTargets.Get(args[1]).Dictionary)
                {
                    Console.WriteLine($"\"{Escape(token)}\"");
                }
                return 0;
            case "replay" when args.Length >= 3:
                return Replay(FuzzTargets.Get(args[1]), args.Skip(2));
            case "write-seeds" when args.Length == 2:
                SeedCorpus.Write(args[1]);
                return 0;
            case var name when args.Length == 1:
                // Nothing instrumented may run before SharpFuzz maps AFL++'s coverage memory, so the target (whose
                // registry touches our assemblies) is looked up inside the fuzzed action; Cake checks the name first
                // with the uninstrumented build (dict).
                FuzzTarget? fuzzed = null;
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    fuzzed ??= FuzzTargets.Get(name);
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    FuzzProperty.Check(fuzzed, buffer.ToArray());
                });
                return 0;
            default:
                return Usage();
        }
    }

    private static int Replay(FuzzTarget target, IEnumerable<string> paths)
    {
        int violations = 0;
        var files = paths.SelectMany(p => Directory.Exists(p) ? FuzzTargets.FilesIn(p) : [p]);
        foreach (string file in files.Where(f => !Path.GetFileName(f).StartsWith("README", StringComparison.Ordinal)))
        {
            try
            {
                string? refusal = FuzzProperty.CheckBounded(target, File.ReadAllBytes(file));
                Console.WriteLine(refusal is null ? $"value    {file}" : $"refused  {file}: {refusal}");
            }
            catch (FuzzPropertyException e)
            {
                violations++;
                Console.WriteLine($"VIOLATION {file}: {e.Message}");
                Console.WriteLine(e.InnerException?.ToString() ?? "");
            }
        }
        return violations == 0 ? 0 : 1;
    }

    private static string Escape(string token)
    {
        var escaped = new System.Text.StringBuilder();
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(token))
        {
            escaped.Append(b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:X2}");
        }
        return escaped.ToString();
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: PerceptionJudge.Fuzz TARGET | list | dict TARGET | replay TARGET PATH... | write-seeds DIR");
        Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.Names)}");
        return 2;
    }
}
