namespace PerceptionJudge.Model.Tests.Support;

/// <summary>Files committed beside the tests: found by walking up from the test binaries to the project folder.</summary>
public static class SourceFiles
{
    /// <summary>The path of <paramref name="relative"/> (e.g. "Tokenizer/Fixture") in the test project's source.</summary>
    public static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(Path.Combine(dir.FullName, "PerceptionJudge.Model.Tests.csproj")) &&
                (File.Exists(candidate) || Directory.Exists(candidate)))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
