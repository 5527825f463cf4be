using System.Text;
using PerceptionJudge.Eval.Output;

namespace PerceptionJudge.Eval.Report;

/// <summary>
/// The report's example judgments: each record once (its image, question, responses and human label), then one
/// column per judge with its generation and reward, so the judges before and after RL read side by side on the same
/// record and image.
/// </summary>
internal static class ExampleSection
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Appends the section; a non-PNG image is an <see cref="EvalException"/>.</summary>
    public static void Append(StringBuilder sb, IReadOnlyList<ExampleJudgment> examples, string? note)
    {
        sb.Append("<h2>Example judgments</h2>");
        if (note is not null)
        {
            sb.Append("<p class=\"legend\">").Append(Html.Text(note)).Append("</p>");
        }

        foreach (var e in examples)
        {
            Example(sb, e);
        }
    }

    private static void Example(StringBuilder sb, ExampleJudgment e)
    {
        sb.Append("<div class=\"example\" data-id=\"").Append(Html.Text(e.Id)).Append("\"><h3>")
            .Append(Html.Text(e.Id)).Append("</h3>");
        if (e.Caption is not null)
        {
            sb.Append("<p class=\"caption\">").Append(Html.Text(e.Caption)).Append("</p>");
        }

        sb.Append("<div class=\"record\">");
        if (e.ImagePng is { } png)
        {
            if (!png.AsSpan().StartsWith(PngSignature))
            {
                throw new EvalException($"example '{e.Id}'", "the image bytes are not a PNG (no PNG signature)");
            }

            sb.Append("<img alt=\"").Append(Html.Text(e.Id)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(png)).Append("\"/>");
        }

        sb.Append("<div><p><b>Question:</b> ").Append(Html.Text(e.Question)).Append("</p><ol type=\"A\">");
        foreach (var r in e.Responses)
        {
            sb.Append("<li><pre>").Append(Html.Text(r)).Append("</pre></li>");
        }

        sb.Append("</ol><p><b>Truth:</b> ").Append(Html.Text(e.Truth)).Append("</p></div></div>");
        if (e.Judgments.Count == 0)
        {
            sb.Append("</div>");
            return;
        }

        sb.Append("<table class=\"judges\"><thead><tr>");
        foreach (var j in e.Judgments)
        {
            sb.Append("<th>").Append(Html.Text(j.Judge)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody><tr>");
        double baseline = e.Judgments[0].Reward;
        for (int i = 0; i < e.Judgments.Count; i++)
        {
            var j = e.Judgments[i];
            string cls = i == 0 || j.Reward == baseline ? "" : j.Reward > baseline ? " better" : " worse";
            sb.Append("<td><pre class=\"gen\">").Append(Html.Text(j.Generation)).Append("</pre><p class=\"reward")
                .Append(cls).Append("\"><b>Reward:</b> ").Append(SummaryTable.Format(j.Reward)).Append("</p></td>");
        }

        sb.Append("</tr></tbody></table></div>");
    }
}
