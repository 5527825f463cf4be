namespace PerceptionJudge.Data.Synthetic;

/// <summary>
/// Questions about a scene, each a function of the ground truth so the same question can be answered on an edited
/// scene: counts per shape and per colour, the colour of a shape that occurs once, left-of between two objects
/// whose descriptions are unique, and the written number.
/// </summary>
internal static class SceneQuestions
{
    /// <summary>A question with its answer function (null where the question has no single answer).</summary>
    public sealed record Spec(string Kind, string Text, Func<IReadOnlyList<SceneObject>, TextPatch?, string?> Answer);

    private const int MinSeparation = 24;
    private const int MaxPositionQuestions = 6;

    public static IReadOnlyList<QuestionAnswer> Ask(Scene scene) =>
        Specs(scene.Objects, scene.Text)
            .Select(q => (q, a: q.Answer(scene.Objects, scene.Text)))
            .Where(p => p.a is not null)
            .Select(p => new QuestionAnswer(p.q.Kind, p.q.Text, p.a!))
            .ToList();

    public static List<Spec> Specs(IReadOnlyList<SceneObject> objects, TextPatch? text)
    {
        var specs = new List<Spec>();
        foreach (var shape in objects.Select(o => o.Shape).Distinct().Order())
        {
            string name = SceneObject.ShapeName(shape);
            specs.Add(new("count", $"How many {name}s are there in the image?",
                (os, _) => os.Count(o => o.Shape == shape).ToString()));
        }

        foreach (var colour in objects.Select(o => o.Colour).Distinct().OrderBy(c => c.Name))
        {
            specs.Add(new("count", $"How many {colour.Name} objects are there in the image?",
                (os, _) => os.Count(o => o.Colour == colour).ToString()));
        }

        foreach (var shape in objects.GroupBy(o => o.Shape).Where(g => g.Count() == 1).Select(g => g.Key).Order())
        {
            specs.Add(new("colour", $"What colour is the {SceneObject.ShapeName(shape)}?", (os, _) =>
            {
                var match = os.Where(o => o.Shape == shape).ToList();
                return match.Count == 1 ? match[0].Colour.Name : null;
            }));
        }

        int positions = 0;
        for (int i = 0; i < objects.Count && positions < MaxPositionQuestions; i++)
        {
            for (int j = i + 1; j < objects.Count && positions < MaxPositionQuestions; j++)
            {
                var (a, b) = (objects[i], objects[j]);
                if (Math.Abs(a.CentreX - b.CentreX) < MinSeparation)
                {
                    continue;
                }

                string da = a.Describe(), db = b.Describe();
                specs.Add(new("position", $"Is the {da} to the left of the {db}?", (os, _) =>
                {
                    var oa = os.Where(o => o.Describe() == da).ToList();
                    var ob = os.Where(o => o.Describe() == db).ToList();
                    if (oa.Count != 1 || ob.Count != 1 || Math.Abs(oa[0].CentreX - ob[0].CentreX) < MinSeparation)
                    {
                        return null;
                    }

                    return oa[0].CentreX < ob[0].CentreX ? "yes" : "no";
                }));
                positions++;
            }
        }

        if (text is not null)
        {
            specs.Add(new("text", "What number is written in the image?", (_, t) => t?.Text));
        }

        return specs;
    }
}
