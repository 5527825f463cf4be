using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Cli.Math;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Tests.Support;

/// <summary>
/// Tiny ops defined only in the tests, to exercise the command and batch machinery independently of the kernel
/// families: y = factor * x (finite check by the shared runtime Guard), group sizes, and an op with a bug.
/// </summary>
internal static class TestOps
{
    public static MathOpTable Table() => new([new ScaleOp(), new GroupSizeOp(), new BuggyOp()]);

    /// <summary>scale: y[b][t] = factor * x[b][t].</summary>
    internal sealed class ScaleOp : MathOp
    {
        public override string Name => "scale";

        public override string Description => "y = factor * x";

        public override IReadOnlyList<string> Required => ["x"];

        public override IReadOnlyList<string> Optional => ["factor", "mode"];

        public override IReadOnlyList<NameChoices> Choices => [new("mode", ["plain", "doubled"])];

        protected override JsonObject Evaluate(JsonInput input)
        {
            var x = input.Matrix("x");
            float factor = input.Float("factor", 2f);
            Guard.Finite(x.Data, "x", System.Math.Max(x.Cols, 1));
            var y = x.Data.Select(v => v * factor).ToArray();
            return new JsonObject { ["y"] = JsonOutput.Matrix(y, x.Rows, x.Cols) };
        }
    }

    /// <summary>group_size: size of the group of each row.</summary>
    internal sealed class GroupSizeOp : MathOp
    {
        public override string Name => "group_size";

        public override string Description => "size of each row's group";

        public override IReadOnlyList<string> Required => ["index"];

        protected override JsonObject Evaluate(JsonInput input)
        {
            int rows = input.Element("index").GetArrayLength();
            var index = input.Index("index", rows);
            var sizes = new float[rows];
            for (int r = 0; r < rows; r++)
            {
                sizes[r] = index.SizeOf(index.GroupOf[r]);
            }

            return new JsonObject { ["sizes"] = JsonOutput.Vector(sizes) };
        }
    }

    /// <summary>buggy: an internal error, which must not be reported as a user error.</summary>
    internal sealed class BuggyOp : MathOp
    {
        public override string Name => "buggy";

        public override string Description => "throws an internal error";

        public override IReadOnlyList<string> Required => [];

        protected override JsonObject Evaluate(JsonInput input) =>
            throw new InvalidOperationException("invariant broken");
    }
}
