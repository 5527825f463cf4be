namespace PerceptionJudge.Fuzz.Tests;

/// <summary>
/// Every input a campaign or the CI replay found crashing, committed under <c>regressions/TARGET/</c> with the fix,
/// replays as its own test: it must now end in a value or the target's user error.
/// </summary>
[TestFixture]
public sealed class FuzzRegressionTests
{
    private static IEnumerable<TestCaseData> Regressions =>
        FuzzTargets.Names.SelectMany(name => FuzzTargets.FilesIn(FuzzTargets.RegressionDir(name))
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal))
            .Select(file => new TestCaseData(name, Path.GetFileName(file)).SetName($"{name}/{Path.GetFileName(file)}")));

    [TestCaseSource(nameof(Regressions))]
    public void CrashInput_NowEndsInValueOrUserError(string target, string file)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(FuzzTargets.RegressionDir(target), file));

        Assert.That(() => FuzzProperty.CheckBounded(FuzzTargets.Get(target), input), Throws.Nothing);
    }
}
