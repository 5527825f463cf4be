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

// The long coverage-guided campaign (docs/fuzzing.md): publish the fuzz project, instrument our assemblies with
// SharpFuzz, then run AFL++ on each target for --minutes (resuming earlier findings), and print per target the
// executions, paths, crashes and hangs from AFL++'s fuzzer_stats. --targets=a,b picks targets (default: all).
Task("Fuzz")
    .Does(() =>
{
    var minutes = Argument("minutes", 30);
    var root = MakeAbsolute(Directory("./artifacts/fuzz"));
    var bin = root.Combine("bin");
    CleanDirectory(bin); // a fresh copy: instrumenting an instrumented assembly fails
    DotNetPublish("./tests/PerceptionJudge.Fuzz/PerceptionJudge.Fuzz.csproj",
        new DotNetPublishSettings { Configuration = configuration, OutputDirectory = bin });
    // Our libraries, and ImageSharp: the images target's coverage is mostly inside its decoders.
    foreach (var assembly in new[] { "PerceptionJudge.Kernels", "PerceptionJudge.Data", "PerceptionJudge.Model",
        "PerceptionJudge.Training", "SixLabors.ImageSharp" })
    {
        RunOrThrow("dotnet", $"tool run sharpfuzz {bin}/{assembly}.dll");
    }
    var harness = $"{bin}/PerceptionJudge.Fuzz.dll";
    // Instrumented code crashes outside AFL++ (no coverage map), so dictionaries come from the plain build that
    // publish made on its way.
    var plain = MakeAbsolute(File($"./tests/PerceptionJudge.Fuzz/bin/{configuration}/net10.0/PerceptionJudge.Fuzz.dll"));
    var targets = Argument("targets", "");
    var names = targets.Length > 0
        ? targets.Split(',')
        : System.IO.Directory.GetDirectories("./tests/PerceptionJudge.Fuzz/corpus").Select(d => System.IO.Path.GetFileName(d)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
    var failed = new List<string>();
    var summary = new List<string> { $"{"target",-18} {"execs",12} {"paths",7} {"crashes",8} {"hangs",6}" };
    foreach (var name in names)
    {
        var dict = root.CombineWithFilePath($"dict/{name}.dict");
        System.IO.Directory.CreateDirectory(dict.GetDirectory().FullPath);
        IEnumerable<string> tokens;
        StartProcess("dotnet", new ProcessSettings { Arguments = $"{plain} dict {name}", RedirectStandardOutput = true }, out tokens);
        System.IO.File.WriteAllLines(dict.FullPath, tokens);
        var findings = root.Combine($"findings/{name}");
        System.IO.Directory.CreateDirectory(root.Combine("findings").FullPath);
        // -t 20000: FuzzProperty.TimeLimit; the first input of a process also pays for the JIT.
        var args = $"-i ./tests/PerceptionJudge.Fuzz/corpus/{name} -o {findings} -x {dict} -t 20000 -m none " +
            $"-V {minutes * 60} -- dotnet {harness} {name}";
        Information($"afl-fuzz {args}");
        // AFL_SKIP_BIN_CHECK: the binary is dotnet, the instrumentation is in our assemblies (SharpFuzz).
        int exit = StartProcess("afl-fuzz", new ProcessSettings { Arguments = args, EnvironmentVariables = new Dictionary<string, string>
        {
            ["AFL_SKIP_BIN_CHECK"] = "1", ["AFL_NO_UI"] = "1", ["AFL_AUTORESUME"] = "1", ["AFL_SKIP_CPUFREQ"] = "1",
            ["AFL_NO_AFFINITY"] = "1", ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",
        } });
        if (exit != 0 || !System.IO.File.Exists($"{findings}/default/fuzzer_stats"))
        {
            summary.Add($"{name,-18} afl-fuzz failed (exit {exit}); see its output above");
            failed.Add(name);
            continue;
        }
        var stats = System.IO.File.ReadAllLines($"{findings}/default/fuzzer_stats")
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        summary.Add($"{name,-18} {stats["execs_done"],12} {stats["corpus_count"],7} {stats["saved_crashes"],8} " +
            $"{stats["saved_hangs"],6}");
    }
    System.IO.File.WriteAllLines($"{root}/summary.txt", summary);
    foreach (var line in summary)
    {
        Information(line);
    }
    if (failed.Count > 0)
    {
        throw new Exception($"afl-fuzz failed for {string.Join(", ", failed)}");
    }
});

void RunOrThrow(string tool, string arguments)
{
    int exit = StartProcess(tool, new ProcessSettings { Arguments = arguments });
    if (exit != 0)
    {
        throw new Exception($"{tool} {arguments} failed with exit code {exit}");
    }
}

RunTarget(target);
