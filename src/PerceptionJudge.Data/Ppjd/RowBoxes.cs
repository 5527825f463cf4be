using System.Globalization;
using System.Text.Json;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// How the four numbers of an imported box are read (<c>--box-format</c>, or a row's own <c>box_format</c> field,
/// which wins). Nothing is guessed: a pixel box whose numbers all lie in [0, 1] is an error that names the
/// normalised formats, and an xyxy box with x1 &lt; x0 one that names xywh.
/// </summary>
public enum BoxFormat
{
    /// <summary><c>xyxy</c>: [x0, y0, x1, y1] in pixels (the default).</summary>
    Xyxy,

    /// <summary><c>xywh</c>: COCO's [x, y, width, height] in pixels.</summary>
    Xywh,

    /// <summary><c>xyxy-norm</c>: [x0, y0, x1, y1] as fractions 0–1 of the image width and height.</summary>
    XyxyNorm,

    /// <summary><c>xywh-norm</c>: [x, y, width, height] as fractions 0–1 of the image width and height.</summary>
    XywhNorm,
}

/// <summary>The names of the <see cref="BoxFormat"/>s, as <c>--box-format</c> and <c>box_format</c> spell them.
/// </summary>
public static class BoxFormats
{
    /// <summary>The names, in <see cref="BoxFormat"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["xyxy", "xywh", "xyxy-norm", "xywh-norm"];

    /// <summary>The format named <paramref name="name"/>; null when unknown.</summary>
    public static BoxFormat? Parse(string name) =>
        Names.ToList().IndexOf(name) is int i and >= 0 ? (BoxFormat)i : null;
}

/// <summary>One box of an imported row: its place in the row's list, its pixels and its label (object form only).
/// </summary>
internal sealed record RowBox(int Index, PixelRect Rect, string? Label);

/// <summary>
/// Reads the <c>boxes</c> of a row: each is a bare array of four numbers or an object
/// <c>{"label": "...", "bbox": [...]}</c> (<c>box</c> is accepted for <c>bbox</c>; other keys such as a score are
/// ignored), converted by the <see cref="BoxFormat"/> to pixels. A box is rejected with its index and reason when it
/// is degenerate (under one pixel wide or high) or reaches more than one pixel outside the image; up to one pixel of
/// overhang (rounding in other tools) is clipped.
/// </summary>
internal static class RowBoxes
{
    /// <summary>The raw boxes of <paramref name="v"/> (the field's value) without conversion.</summary>
    public static List<(double[] Numbers, string? Label)> Read(JsonElement v, string name)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new RowException(RowException.BadBox, $"field '{name}' must be a list of boxes, got {v.ValueKind}");
        }

        var boxes = new List<(double[], string?)>();
        foreach (var box in v.EnumerateArray())
        {
            string where = $"{name}[{boxes.Count}]";
            var (coords, label) = box.ValueKind == JsonValueKind.Object ? ObjectForm(box, where) : (box, null);
            if (coords.ValueKind != JsonValueKind.Array || coords.GetArrayLength() != 4
                || coords.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.Number))
            {
                throw new RowException(RowException.BadBox,
                    $"{where} must be four numbers or {{\"label\": ..., \"bbox\": [four numbers]}}");
            }

            boxes.Add((coords.EnumerateArray().Select(e => e.GetDouble()).ToArray(), label));
        }

        return boxes;
    }

    /// <summary>Converts and checks the raw boxes against a <paramref name="width"/> × <paramref name="height"/>
    /// image.</summary>
    public static List<RowBox> ToPixels(List<(double[] Numbers, string? Label)> raw, BoxFormat format, int width,
        int height)
    {
        var boxes = new List<RowBox>(raw.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            var n = raw[i].Numbers;
            string text = $"boxes[{i}] [{string.Join(",", n.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]";
            bool norm = format is BoxFormat.XyxyNorm or BoxFormat.XywhNorm;
            bool corners = format is BoxFormat.Xyxy or BoxFormat.XyxyNorm;
            double sx = norm ? width : 1, sy = norm ? height : 1;
            double x0 = n[0] * sx, y0 = n[1] * sy;
            double x1 = corners ? n[2] * sx : x0 + n[2] * sx, y1 = corners ? n[3] * sy : y0 + n[3] * sy;
            (x0, y0, x1, y1) = (Snap(x0), Snap(y0), Snap(x1), Snap(y1));
            if (corners && (x1 < x0 || y1 < y0))
            {
                throw Bad(text, "has x1 < x0 or y1 < y0" + (norm ? "" : " (COCO [x,y,w,h]? use --box-format xywh)"));
            }

            if (x1 - x0 < 1 || y1 - y0 < 1)
            {
                bool looksNormalised = !norm && n.All(v => v is >= 0 and <= 1);
                throw Bad(text, $"is degenerate ({x1 - x0:0.##}x{y1 - y0:0.##} px)" + (looksNormalised
                    ? "; for 0-1 coordinates use --box-format xyxy-norm or xywh-norm" : ""));
            }

            if (x0 < -1 || y0 < -1 || x1 > width + 1 || y1 > height + 1)
            {
                throw Bad(text, $"reaches outside the {width}x{height} image");
            }

            int ix0 = (int)Math.Floor(x0), iy0 = (int)Math.Floor(y0);
            var rect = new PixelRect(ix0, iy0, (int)Math.Ceiling(x1) - ix0, (int)Math.Ceiling(y1) - iy0)
                .Clip(width, height);
            boxes.Add(new RowBox(i, rect, raw[i].Label));
        }

        return boxes;
    }

    private static (JsonElement Coords, string? Label) ObjectForm(JsonElement box, string where)
    {
        if (!box.TryGetProperty("bbox", out var coords) && !box.TryGetProperty("box", out coords))
        {
            throw new RowException(RowException.BadBox, $"{where} has no 'bbox'");
        }

        if (!box.TryGetProperty("label", out var label) || label.ValueKind == JsonValueKind.Null)
        {
            return (coords, null);
        }

        return label.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(label.GetString())
            ? (coords, label.GetString())
            : throw new RowException(RowException.BadBox, $"{where}.label must be a non-empty string");
    }

    /// <summary>A coordinate within 1e-4 of a whole pixel is that pixel: 0–1 fractions printed with 7 digits
    /// (0.1666667 × 48) must not grow a box by a pixel.</summary>
    private static double Snap(double v) => Math.Abs(v - Math.Round(v)) < 1e-4 ? Math.Round(v) : v;

    private static RowException Bad(string box, string reason) => new(RowException.BadBox, $"{box} {reason}");
}
