// Thin build tasks chained with IsDependentOn (DESIGN.md, style 9). Run through ./build.sh.
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var benchFilter = Argument("filter", "*");
var benchGate = Argument("gate", "50%");
var readme = Argument("readme", "");
var solution = "./PerceptionJudge.sln";
var resultsDir = Directory("./artifacts/test-results");

Task("Clean")
    .Does(() =>
{
    CleanDirectory(resultsDir);
});

Task("Build")
    .IsDependentOn("Clean")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration });
});

Task("Format")
    .Does(() =>
{
    DotNetFormat(solution, new DotNetFormatSettings { VerifyNoChanges = true, NoRestore = false });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    var failedRun = false;
    foreach (var project in GetFiles("./tests/**/*.Tests.csproj"))
    {
        try
        {
            DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                Loggers = { $"trx;LogFileName={project.GetFilenameWithoutExtension()}.trx" },
                ResultsDirectory = resultsDir,
            });
        }
        catch (Exception)
        {
            failedRun = true; // keep running the other projects; the summary below counts every failure
        }
    }

    // The closing line CI reads: totals over every TRX file.
    int passed = 0, failed = 0, skipped = 0;
    var failedNames = new List<string>();
    foreach (var trx in GetFiles($"{resultsDir}/*.trx"))
    {
        var doc = System.Xml.Linq.XDocument.Load(trx.FullPath);
        failedNames.AddRange(doc.Descendants()
            .Where(e => e.Name.LocalName == "UnitTestResult" && (string)e.Attribute("outcome") == "Failed")
            .Select(e => $"{trx.GetFilenameWithoutExtension()}: {(string)e.Attribute("testName")}"));
        var counters = doc.Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed").Value);
        failed += int.Parse(counters.Attribute("failed").Value) + int.Parse(counters.Attribute("error").Value);
        // NUnit's Assert.Ignore results are outcome="NotExecuted" but the Counters' notExecuted stays 0: count them.
        skipped += doc.Descendants().Count(e => e.Name.LocalName == "UnitTestResult" &&
            (string)e.Attribute("outcome") == "NotExecuted");
    }

    var summary = $"{passed} passed, {failed} failed, {skipped} skipped";
    System.IO.File.WriteAllText($"{resultsDir}/summary.txt", summary + "\n");
    // CI prints this list just above its closing line, so a red run names what failed.
    System.IO.File.WriteAllLines($"{resultsDir}/failed.txt", failedNames.Select(n => "FAILED " + n));
    Information(summary);
    if (failedRun || failed > 0 || passed == 0)
    {
        throw new Exception($"tests failed: {summary}");
    }
});

Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
{
    // --readme=README.md also writes the demo's closing before/after table into that file's demo-table block.
    var demoArgs = new ProcessArgumentBuilder().Append("demo");
    if (readme.Length > 0)
    {
        demoArgs.Append("--readme").AppendQuoted(readme);
    }

    DotNetRun("./src/PerceptionJudge.Cli/PerceptionJudge.Cli.csproj", demoArgs,
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
});

Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetRun("./bench/PerceptionJudge.Bench/PerceptionJudge.Bench.csproj",
        new ProcessArgumentBuilder().Append("--quick").Append("--filter").AppendQuoted(benchFilter),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
});

// The CI benchmark step: the quick job in-process through `pjudge bench`, then the ratio gate against the stored
// baseline of this machine's fingerprint (bench/baselines/). A failed benchmark fails the task; a significant
// regression (pjudge exit code 3) is reported as a warning, because shared runners are too noisy for a hard gate
// on a 5-iteration job (bench/README.md, "Regression gate").
Task("BenchQuick")
    .IsDependentOn("Build")
    .Does(() =>
{
    var args = new ProcessArgumentBuilder()
        .Append("run").Append("--project").AppendQuoted("./src/PerceptionJudge.Cli/PerceptionJudge.Cli.csproj")
        .Append("-c").Append(configuration).Append("--no-build").Append("--")
        .Append("bench").Append("--quick").Append("--gate").Append(benchGate);
    int exit = StartProcess("dotnet", new ProcessSettings { Arguments = args });
    if (exit == 3)
    {
        Warning("pjudge bench: the ratio gate reported significant regressions (listed above)");
    }
    else if (exit != 0)
    {
        throw new Exception($"pjudge bench --quick failed with exit code {exit}");
    }
});

RunTarget(target);
