using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>One row of a contact sheet: the original, the perturbed image, the edit's label and the question.
/// </summary>
/// <param name="Original">Left image.</param>
/// <param name="Perturbed">Right image (same size as the left).</param>
/// <param name="Label">Text under the pair, wrapped to at most three lines; characters outside the 5×7 font are
/// drawn as spaces.</param>
/// <param name="Question">The question asked of both images, drawn first as "Q: ..." (at most two lines), so a
/// person can see at a glance whether the edit changes its answer; null for none.</param>
public sealed record ContactSheetRow(Rgba8Image Original, Rgba8Image Perturbed, string Label,
    string? Question = null);

/// <summary>
/// Renders original-vs-perturbed pairs side by side under the column headings "original" and "perturbed", one pair
/// a row, each with its question and edit written under it in the built-in 5×7 font, so a person can check that
/// edits are visible and change the answer (the library under <c>pjudge ppjd preview</c>).
/// </summary>
public static class ContactSheet
{
    private const int Pad = 8;
    private const int Scale = 2;

    /// <summary>Images whose longer side is below this are enlarged by a whole factor (nearest pixel), so a 64²
    /// dataset shows its pixels as the model reads them, at a size a person can check.</summary>
    private const int MinShownSide = 256;

    /// <summary>The column headings.</summary>
    public static readonly IReadOnlyList<string> Headings = ["original", "perturbed"];

    /// <summary>
    /// The sheet; images are drawn at their own size times the largest whole factor that keeps the longer side at
    /// most 256 pixels (1 for larger images). All rows must share the first row's size.
    /// </summary>
    public static Rgba8Image Render(IReadOnlyList<ContactSheetRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("no rows to render", nameof(rows));
        }

        int w = rows[0].Original.Width, h = rows[0].Original.Height;
        int zoom = Zoom(w, h);
        int lineH = GlyphFont.GlyphHeight * Scale + Pad / 2;
        int sheetW = 2 * w * zoom + 3 * Pad, top = Pad + lineH + Pad / 2;
        int maxChars = (sheetW - 2 * Pad) / ((GlyphFont.GlyphWidth + 1) * Scale);
        var text = rows.Select(r => (r.Question is null ? [] : Wrap($"Q: {r.Question}", maxChars, 2))
            .Concat(Wrap(r.Label, maxChars, 3)).ToList()).ToList();
        int height = top + text.Sum(lines => h * zoom + Pad / 2 + lines.Count * lineH + Pad) + Pad;
        var sheet = Rgba8Image.Filled(sheetW, height, 255, 255, 255);
        for (int c = 0; c < Headings.Count; c++)
        {
            DrawLabel(sheet, Headings[c], Pad + c * (w * zoom + Pad), Pad);
        }

        int y0 = top;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Original.Width != w || row.Perturbed.Width != w || row.Original.Height != h
                || row.Perturbed.Height != h)
            {
                throw new ArgumentException($"row {r} images differ in size from row 0", nameof(rows));
            }

            Blit(row.Original, sheet, Pad, y0, zoom);
            Blit(row.Perturbed, sheet, 2 * Pad + w * zoom, y0, zoom);
            y0 += h * zoom + Pad / 2;
            foreach (string line in text[r])
            {
                DrawLabel(sheet, line, Pad, y0);
                y0 += lineH;
            }

            y0 += Pad;
        }

        return sheet;
    }

    /// <summary>
    /// <paramref name="label"/> in the font's characters, wrapped at spaces into lines of at most
    /// <paramref name="maxChars"/>; past <paramref name="maxLines"/> the last line ends in "...".
    /// </summary>
    internal static List<string> Wrap(string label, int maxChars, int maxLines)
    {
        var lines = new List<string>();
        string line = "";
        foreach (string word in Printable(label).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string rest = word;
            while (rest.Length > 0)
            {
                string candidate = line.Length == 0 ? rest : $"{line} {rest}";
                if (candidate.Length <= maxChars)
                {
                    (line, rest) = (candidate, "");
                    continue;
                }

                // The line is full: start a new one, or split a word longer than a whole line.
                string full = line.Length > 0 ? line : rest[..maxChars];
                rest = line.Length > 0 ? rest : rest[maxChars..];
                lines.Add(full);
                line = "";
            }
        }

        if (line.Length > 0)
        {
            lines.Add(line);
        }

        if (lines.Count > maxLines)
        {
            lines.RemoveRange(maxLines, lines.Count - maxLines);
            string last = lines[^1];
            lines[^1] = (last.Length + 3 <= maxChars ? last : last[..(maxChars - 3)]) + "...";
        }

        return lines;
    }

    private static string Printable(string label) =>
        new(label.Replace('→', '>').Select(c => GlyphFont.Supports(c) ? c : ' ').ToArray());

    /// <summary>The whole enlargement factor of a <paramref name="w"/> × <paramref name="h"/> image.</summary>
    internal static int Zoom(int w, int h) => Math.Max(1, MinShownSide / Math.Max(w, h));

    /// <summary>Copies <paramref name="src"/> to (<paramref name="x0"/>, <paramref name="y0"/>), each pixel as a
    /// <paramref name="zoom"/> × <paramref name="zoom"/> block.</summary>
    private static void Blit(Rgba8Image src, Rgba8Image dst, int x0, int y0, int zoom)
    {
        for (int y = 0; y < src.Height * zoom; y++)
        {
            var target = dst.Pixels.AsSpan(((y0 + y) * dst.Width + x0) * 4, src.Width * zoom * 4);
            for (int x = 0; x < src.Width; x++)
            {
                var pixel = src.Pixel(x, y / zoom);
                for (int k = 0; k < zoom; k++)
                {
                    pixel.CopyTo(target[((x * zoom + k) * 4)..]);
                }
            }
        }
    }

    private static void DrawLabel(Rgba8Image sheet, string text, int x0, int y0)
    {
        var (tw, th) = GlyphFont.Measure(text, Scale);
        for (int y = 0; y < th && y0 + y < sheet.Height; y++)
        {
            for (int x = 0; x < tw && x0 + x < sheet.Width; x++)
            {
                if (GlyphFont.InkAt(text, Scale, x, y))
                {
                    sheet.Pixels.AsSpan(((y0 + y) * sheet.Width + x0 + x) * 4, 3).Clear();
                }
            }
        }
    }
}
