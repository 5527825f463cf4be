using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>One row of a contact sheet: the original, the perturbed image and the edit's label.</summary>
/// <param name="Original">Left image.</param>
/// <param name="Perturbed">Right image (same size as the left).</param>
/// <param name="Label">Text under the pair; characters outside the 5×7 font are drawn as spaces.</param>
public sealed record ContactSheetRow(Rgba8Image Original, Rgba8Image Perturbed, string Label);

/// <summary>
/// Renders original-vs-perturbed pairs side by side, one pair a row, each labelled in the built-in 5×7 font, so a
/// person can check that edits are visible and meaningful (the library under <c>pjudge ppjd preview</c>).
/// </summary>
public static class ContactSheet
{
    private const int Pad = 8;
    private const int Scale = 2;

    /// <summary>The sheet; images are drawn at their own size (all rows must share the first row's size).</summary>
    public static Rgba8Image Render(IReadOnlyList<ContactSheetRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("no rows to render", nameof(rows));
        }

        int w = rows[0].Original.Width, h = rows[0].Original.Height;
        int labelH = GlyphFont.GlyphHeight * Scale + Pad;
        int sheetW = 2 * w + 3 * Pad, rowH = h + labelH + Pad;
        var sheet = Rgba8Image.Filled(sheetW, rows.Count * rowH + Pad, 255, 255, 255);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Original.Width != w || row.Perturbed.Width != w || row.Original.Height != h
                || row.Perturbed.Height != h)
            {
                throw new ArgumentException($"row {r} images differ in size from row 0", nameof(rows));
            }

            int y0 = Pad + r * rowH;
            Blit(row.Original, sheet, Pad, y0);
            Blit(row.Perturbed, sheet, 2 * Pad + w, y0);
            DrawLabel(sheet, Printable(row.Label, (sheetW - 2 * Pad) / ((GlyphFont.GlyphWidth + 1) * Scale)), Pad,
                y0 + h + Pad / 2);
        }

        return sheet;
    }

    private static string Printable(string label, int maxChars)
    {
        var chars = label.Replace('→', '>').Select(c => GlyphFont.Supports(c) ? c : ' ').Take(maxChars).ToArray();
        return new string(chars);
    }

    private static void Blit(Rgba8Image src, Rgba8Image dst, int x0, int y0)
    {
        for (int y = 0; y < src.Height; y++)
        {
            src.Pixels.AsSpan(y * src.Width * 4, src.Width * 4)
                .CopyTo(dst.Pixels.AsSpan(((y0 + y) * dst.Width + x0) * 4));
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
