using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// The perturbed variant of an imported image. With boxes, the edit is chosen by what the question asks
/// (<see cref="QuestionKinds"/>, <see cref="AnswerEdits"/>) on the box the question names (<see
/// cref="AnswerEdits.PickBox"/>), and the manifest records why it changes the answer; it is semantic. Without
/// boxes: colour jitter, a small affine warp and Gaussian noise, which keep the answer (non-semantic).
/// </summary>
internal static class MmprEdit
{
    public sealed record Result(Rgba8Image Image, bool Semantic, PpjdPerturbation Perturbation);

    public static Result Make(Rgba8Image image, IReadOnlyList<RowBox> boxes, string question, string chosen,
        ulong seed)
    {
        int w = image.Width, h = image.Height;
        var shape = new ImageShape(3, h, w);
        var planes = new float[shape.Size];
        PlanarBatch.ToPlanar(image, planes);
        PpjdPerturbation perturbation;
        if (boxes.Count == 0)
        {
            perturbation = Noise(planes, shape, seed);
        }
        else
        {
            var box = AnswerEdits.PickBox(boxes, question, seed);
            var context = new EditContext(planes, shape, boxes, box, question, chosen, seed);
            var plan = AnswerEdits.For(QuestionKinds.Classify(question), context);
            Perturbation.Apply(plan.Op, planes, shape, seed);
            perturbation = new PpjdPerturbation(plan.Kind, plan.Description, plan.Op.Describe(), plan.Why);
        }

        return new Result(PlanarBatch.FromPlanar(planes, 0, 3, h, w), boxes.Count > 0, perturbation);
    }

    private static PpjdPerturbation Noise(float[] planes, ImageShape shape, ulong seed)
    {
        float U(ulong c, float lo, float hi) => lo + (hi - lo) * HashRng.Uniform(seed, c);
        IPerturbation[] ops =
        [
            new ColorJitterOp(U(10, 0.85f, 1.15f), U(11, 0.85f, 1.15f), U(12, 0.8f, 1.2f), U(13, -8, 8)),
            new AffineOp(new AffineTransform(U(14, -4, 4), U(15, 0.96f, 1.04f), 0, U(16, -4, 4), U(17, -4, 4))),
            new GaussianNoiseOp(U(18, 0.01f, 0.03f)),
        ];
        for (int i = 0; i < ops.Length; i++)
        {
            Perturbation.Apply(ops[i], planes, shape, HashRng.Mix(seed, 20 + (ulong)i));
        }

        return new PpjdPerturbation("noise", "non-semantic photometric+geometric noise (answers unchanged)",
            string.Join(" + ", ops.Select(o => o.Describe())),
            "no boxes: the edit is photometric and geometric noise, which keeps every answer");
    }
}
