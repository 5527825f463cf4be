using PerceptionJudge.Cli.Model;
using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Cli.Tests.Model;

/// <summary><c>pjudge model compare</c> in-process: exit codes, the table's findings and the one-line user errors.</summary>
[TestFixture]
public sealed class CompareCommandTests
{
    private static readonly float[] Hidden = [0.5f, -1.25f, 3f, 1e-3f, 7f, -0.0625f];
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void IdenticalFiles_ExitZero_EveryTensorOk()
    {
        string a = Save("a", w => w.Add("hidden", Hidden, 2, 3).Add("ids", new[] { 1L, 2L }, 2));
        string b = Save("b", w => w.Add("hidden", Hidden, 2, 3).Add("ids", new[] { 1L, 2L }, 2));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout + r.Stderr);
        var lines = Lines(r);
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo($"A: {a}"));
            Assert.That(lines[1], Is.EqualTo($"B: {b} (reference)"));
            Assert.That(Row(lines, "hidden"), Is.EqualTo(
                new[] { "ok", "hidden", "F32", "[2,", "3]", "0.000e+00", "0.000e+00", "0/6", "-" }));
            Assert.That(Row(lines, "ids"), Is.EqualTo(
                new[] { "ok", "ids", "I64", "[2]", "0.000e+00", "0.000e+00", "0/2", "-" }));
            Assert.That(lines[^1], Does.StartWith("PASS: 2 compared: 2 within tolerance, 0 over, 0 mismatched"));
            Assert.That(r.Stderr, Is.Empty);
        });
    }

    [Test]
    public void PerturbedElement_ExitsThree_ReportingItsFlatAndMultiIndex()
    {
        var perturbed = (float[])Hidden.Clone();
        perturbed[4] = 7.5f; // flat 4 of [2, 3] is [1, 1]; |a-b| = 0.5, relative 0.5 / 7
        string a = Save("a", w => w.Add("hidden", perturbed, 2, 3).Add("other", new[] { 1f }, 1));
        string b = Save("b", w => w.Add("hidden", Hidden, 2, 3).Add("other", new[] { 1f }, 1));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(CompareCommand.Different), r.Stdout + r.Stderr);
        var line = Lines(r).Single(l => l.StartsWith("OVER", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain("hidden").And.Contain("5.000e-01").And.Contain("7.143e-02"));
            Assert.That(line, Does.Contain("1/6").And.EndWith("4 [1, 1]: a=7.5 b=7"));
            Assert.That(Lines(r)[^1], Does.StartWith("FAIL: 2 compared: 1 within tolerance, 1 over, 0 mismatched"));
        });
    }

    [Test]
    public void Tolerance_FollowsNumpyAllclose_WithBAsTheReference()
    {
        // |a-b| <= atol + rtol*|b| with rtol = atol = 1e-5: element 0 is 1.5e-5 <= 2e-5 (close), element 1 is
        // 1.5e-5 > 1e-5 + 0 (over); swapped (b = 1.000015) element 0 stays close: 1.5e-5 <= 2.000015e-5.
        string a = Save("a", w => w.Add("x", new[] { 1.000015, 1.5e-5 }, 2));
        string b = Save("b", w => w.Add("x", new[] { 1.0, 0.0 }, 2));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(CompareCommand.Different), r.Stdout);
        Assert.That(Lines(r).Single(l => l.StartsWith("OVER", StringComparison.Ordinal)),
            Does.EndWith("1 [1]: a=1.5E-05 b=0"));
        var loose = CliRun.Run("model", "compare", a, b, "--atol", "2e-5");
        Assert.That(loose.ExitCode, Is.EqualTo(0), loose.Stdout);
        var relativeOnly = CliRun.Run("model", "compare", b, a, "--atol", "0", "--rtol", "1e-4");
        Assert.That(relativeOnly.ExitCode, Is.EqualTo(CompareCommand.Different), relativeOnly.Stdout);
        Assert.That(relativeOnly.Stdout, Does.Contain("1/2").And.Contain("1 [1]: a=0 b=1.5E-05"));
    }

    [Test]
    public void DtypeAndShapeMismatch_AreFailuresSayingHowTheyDiffer()
    {
        string a = Save("a", w => w.Add("d", new[] { 1f, 2f }, 2).Add("s", Hidden, 2, 3).Add("ok", new[] { 1f }, 1));
        string b = Save("b", w => w.Add("d", new[] { 1.0, 2.0 }, 2).Add("s", Hidden, 3, 2).Add("ok", new[] { 1f }, 1));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(CompareCommand.Different), r.Stdout + r.Stderr);
        var lines = Lines(r);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Some.Match(@"^MISMATCH +d +dtype F32 vs F64$"));
            Assert.That(lines, Has.Some.Match(@"^MISMATCH +s +shape \[2, 3\] vs \[3, 2\]$"));
            Assert.That(lines[^1], Does.StartWith("FAIL: 3 compared: 1 within tolerance, 0 over, 2 mismatched"));
        });
    }

    [Test]
    public void NamesInOneFile_AreListed_AndOnlyFailWhenNothingIsInCommon()
    {
        string a = Save("a", w => w.Add("both", new[] { 1f }, 1).Add("ours", new[] { 1f }, 1));
        string b = Save("b", w => w.Add("both", new[] { 1f }, 1).Add("theirs", new[] { 1f }, 1));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout);
        var lines = Lines(r);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Some.Match(@"^only in A +ours$"));
            Assert.That(lines, Has.Some.Match(@"^only in B +theirs$"));
            Assert.That(lines[^1], Does.Contain("1 only in A, 1 only in B"));
        });
        string c = Save("c", w => w.Add("other", new[] { 1f }, 1));
        var disjoint = CliRun.Run("model", "compare", a, c);
        Assert.That(disjoint.ExitCode, Is.EqualTo(CompareCommand.Different), disjoint.Stdout);
        Assert.That(Lines(disjoint)[^1], Does.StartWith("FAIL: 0 compared").And.EndWith("no tensor name in common"));
    }

    [Test]
    public void Names_RestrictTheComparisonToTheListedTensors()
    {
        string a = Save("a", w => w.Add("x", new[] { 1f }, 1).Add("y", new[] { 2f }, 1).Add("z", new[] { 3f }, 1));
        string b = Save("b", w => w.Add("x", new[] { 1f }, 1).Add("y", new[] { 9f }, 1).Add("z", new[] { 3f }, 1));
        var r = CliRun.Run("model", "compare", a, b, "--names", "z, x");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout);
        var rows = Lines(r).Skip(3).SkipLast(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.That(rows, Is.EqualTo(new[] { "z", "x" }));
        Assert.That(CliRun.Run("model", "compare", a, b, "--names", "y").ExitCode, Is.EqualTo(CompareCommand.Different));
    }

    [Test]
    public void Int64_IsComparedExactly_IgnoringTolerance()
    {
        // 2^53 + 1 and 2^53 are the same float64, so only an exact integer comparison sees them differ.
        string a = Save("a", w => w.Add("pos", new[] { 0L, 9007199254740993L, long.MinValue }, 3));
        string b = Save("b", w => w.Add("pos", new[] { 0L, 9007199254740992L, long.MinValue }, 3));
        var r = CliRun.Run("model", "compare", a, b, "--atol", "10", "--rtol", "1");
        Assert.That(r.ExitCode, Is.EqualTo(CompareCommand.Different), r.Stdout);
        Assert.That(Lines(r).Single(l => l.StartsWith("OVER", StringComparison.Ordinal)),
            Does.Contain("1.000e+00").And.Contain("1/3").And.EndWith("1 [1]: a=9007199254740993 b=9007199254740992"));
        string wide = Save("wide", w => w.Add("pos", new[] { long.MaxValue }, 1));
        string narrow = Save("narrow", w => w.Add("pos", new[] { long.MinValue }, 1));
        var extreme = CliRun.Run("model", "compare", wide, narrow);
        Assert.That(extreme.ExitCode, Is.EqualTo(CompareCommand.Different));
        Assert.That(extreme.Stdout, Does.Contain("1.845e+19"), "|2^63-1 - (-2^63)| = 2^64 - 1 without overflow");
    }

    [Test]
    public void Bf16_IsComparedAsFloat64AfterConversion()
    {
        // 0x3F81 = 1 + 2^-7 = 1.0078125 against 0x3F80 = 1: |a-b| = 7.8125e-3, over 1e-5 but within rtol 1e-2.
        string a = Save("a", w => w.Add("h", SafetensorsDType.BF16, new ushort[] { 0x3F81, 0xC010 }, 2));
        string b = Save("b", w => w.Add("h", SafetensorsDType.BF16, new ushort[] { 0x3F80, 0xC010 }, 2));
        var strict = CliRun.Run("model", "compare", a, b);
        Assert.That(strict.ExitCode, Is.EqualTo(CompareCommand.Different), strict.Stdout);
        Assert.That(Lines(strict).Single(l => l.StartsWith("OVER", StringComparison.Ordinal)),
            Does.Contain("BF16").And.Contain("7.813e-03").And.EndWith("0 [0]: a=1.0078125 b=1"));
        var loose = CliRun.Run("model", "compare", a, b, "--rtol", "1e-2");
        Assert.That(loose.ExitCode, Is.EqualTo(0), loose.Stdout);
    }

    [Test]
    public void NaN_EqualsNaN_ButNotANumber()
    {
        string a = Save("a", w => w
            .Add("same", new[] { float.NaN, float.PositiveInfinity, 1f }, 3)
            .Add("diff", new[] { 1f, float.NaN }, 2));
        string b = Save("b", w => w
            .Add("same", new[] { float.NaN, float.PositiveInfinity, 1f }, 3)
            .Add("diff", new[] { 1f, 2f }, 2));
        var r = CliRun.Run("model", "compare", a, b);
        Assert.That(r.ExitCode, Is.EqualTo(CompareCommand.Different), r.Stdout);
        var lines = Lines(r);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Some.Match(@"^ok +same +F32 +\[3\] +0\.000e\+00 +0\.000e\+00 +0/3 +-$"));
            Assert.That(lines, Has.Some.Match(@"^OVER +diff +F32 +\[2\] +nan +nan +1/2 +1 \[1\]: a=nan b=2$"));
        });
    }

    [Test]
    public void Inputs_MissingFileOrNotSafetensors_AreOneLineUserErrors()
    {
        string a = Save("a", w => w.Add("x", new[] { 1f }, 1));
        string missing = Path.Combine(_dir.Path, "missing.safetensors");
        string text = _dir.File("notes.safetensors", "this is a text file, not a safetensors file\n");
        AssertUserError(CliRun.Run("model", "compare", a, missing), missing);
        AssertUserError(CliRun.Run("model", "compare", text, a), text);
    }

    [Test]
    public void UnknownNamesEntry_IsAUserError_NamingTheFileAndTensor()
    {
        string a = Save("a", w => w.Add("x", new[] { 1f }, 1).Add("y", new[] { 1f }, 1));
        string b = Save("b", w => w.Add("x", new[] { 1f }, 1));
        var r = CliRun.Run("model", "compare", a, b, "--names", "x,y");
        AssertUserError(r, $"{b}: 'y': no such tensor in the file");
        AssertUserError(CliRun.Run("model", "compare", a, b, "--names", "nope"), $"{a}: 'nope'");
        AssertUserError(CliRun.Run("model", "compare", a, b, "--names", " , "), "--names");
    }

    [Test]
    public void UnsupportedDtypeAndBadTolerance_AreUserErrors()
    {
        string a = Save("a", w => w.Add("q", new sbyte[] { 1 }, 1));
        AssertUserError(CliRun.Run("model", "compare", a, a), $"{a}: 'q': dtype I8 is not supported");
        string f = Save("f", w => w.Add("x", new[] { 1f }, 1));
        AssertUserError(CliRun.Run("model", "compare", f, f, "--rtol", "-1"), "--rtol must be a finite number >= 0");
        AssertUserError(CliRun.Run("model", "compare", f, f, "--atol", "NaN"), "--atol must be a finite number >= 0");
    }

    [Test]
    public void ModelAlone_ListsItsCommands_AndHelpMentionsLooserFloat32Tolerances()
    {
        var r = CliRun.Run("model");
        Assert.That(r.ExitCode, Is.EqualTo(PjudgeApp.UserError));
        Assert.That(r.StderrLines[0], Is.EqualTo("error: pjudge model: no command given; the commands are:"));
        Assert.That(r.StderrLines.Skip(1).Take(3).Select(l => l.TrimStart().Split(' ')[0]),
            Is.EqualTo(new[] { "preprocess", "run", "compare" }));
        var help = CliRun.Run("model", "compare", "--help");
        Assert.That(help.ExitCode, Is.EqualTo(0));
        Assert.That(help.Stdout, Does.Contain("--rtol 1e-4 --atol 1e-4").And.Contain("--names"));
    }

    private string Save(string name, Action<SafetensorsWriter> add)
    {
        var writer = new SafetensorsWriter();
        add(writer);
        string path = Path.Combine(_dir.Path, name + ".safetensors");
        writer.Save(path);
        return path;
    }

    private static string[] Lines(CliResult r) => r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The whitespace-separated cells of the table line for tensor <paramref name="name"/>.</summary>
    private static string[] Row(string[] lines, string name) => lines
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Single(cells => cells.Length > 1 && cells[1] == name);

    private static void AssertUserError(CliResult r, string expected)
    {
        Assert.That(r.ExitCode, Is.EqualTo(PjudgeApp.UserError), r.Stdout + r.Stderr);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.StderrLines[0], Does.StartWith("error: ").And.Contain(expected));
        Assert.That(r.Stdout, Is.Empty);
    }
}
