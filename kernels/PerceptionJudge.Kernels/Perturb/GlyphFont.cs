using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// A built-in 5×7 bitmap font for digits, A–Z (lower case maps to upper), space and . , - ( ) : > = [ ] # " /: enough to render the digit
/// and short text patches of synthetic scenes and to paste a different glyph. A glyph cell is 6 columns
/// (5 + 1 spacing) by 7 rows, multiplied by an integer scale.
/// </summary>
public static class GlyphFont
{
    /// <summary>Glyph width in font pixels.</summary>
    public const int GlyphWidth = 5;

    /// <summary>Glyph height in font pixels.</summary>
    public const int GlyphHeight = 7;

    private static readonly Dictionary<char, string> s_glyphs = new()
    {
        ['0'] = "01110100011001110101110011000101110",
        ['1'] = "00100011000010000100001000010001110",
        ['2'] = "01110100010000100010001000100011111",
        ['3'] = "11111000100010000010000011000101110",
        ['4'] = "00010001100101010010111110001000010",
        ['5'] = "11111100001111000001000011000101110",
        ['6'] = "00110010001000011110100011000101110",
        ['7'] = "11111000010001000100010000100001000",
        ['8'] = "01110100011000101110100011000101110",
        ['9'] = "01110100011000101111000010001001100",
        ['A'] = "01110100011000111111100011000110001",
        ['B'] = "11110100011000111110100011000111110",
        ['C'] = "01110100011000010000100001000101110",
        ['D'] = "11100100101000110001100011001011100",
        ['E'] = "11111100001000011110100001000011111",
        ['F'] = "11111100001000011110100001000010000",
        ['G'] = "01110100011000010111100011000101111",
        ['H'] = "10001100011000111111100011000110001",
        ['I'] = "01110001000010000100001000010001110",
        ['J'] = "00111000100001000010000101001001100",
        ['K'] = "10001100101010011000101001001010001",
        ['L'] = "10000100001000010000100001000011111",
        ['M'] = "10001110111010110101100011000110001",
        ['N'] = "10001100011100110101100111000110001",
        ['O'] = "01110100011000110001100011000101110",
        ['P'] = "11110100011000111110100001000010000",
        ['Q'] = "01110100011000110001101011001001101",
        ['R'] = "11110100011000111110101001001010001",
        ['S'] = "01111100001000001110000010000111110",
        ['T'] = "11111001000010000100001000010000100",
        ['U'] = "10001100011000110001100011000101110",
        ['V'] = "10001100011000110001100010101000100",
        ['W'] = "10001100011000110101101011010101010",
        ['X'] = "10001100010101000100010101000110001",
        ['Y'] = "10001100011000101010001000010000100",
        ['Z'] = "11111000010001000100010001000011111",
        ['.'] = "00000000000000000000000000110001100",
        [','] = "00000000000000000000011000010001000",
        ['-'] = "00000000000000011111000000000000000",
        ['('] = "00010001000100001000010000010000010",
        [')'] = "01000001000001000010000100010001000",
        [':'] = "00000011000110000000011000110000000",
        ['>'] = "01000001000001000001000100010001000",
        ['='] = "00000000001111100000111110000000000",
        ['['] = "01110010000100001000010000100001110",
        [']'] = "01110000100001000010000100001001110",
        ['#'] = "01010010101111101010111110101001010",
        ['"'] = "01010010100101000000000000000000000",
        ['/'] = "00001000100001000100010000100010000",
        ['?'] = "01110100010000100010001000000000100",
        ['\''] = "00100001000100000000000000000000000",
        [' '] = "00000000000000000000000000000000000",
    };

    /// <summary>True when the font has a glyph for <paramref name="c"/>.</summary>
    public static bool Supports(char c) => s_glyphs.ContainsKey(char.ToUpperInvariant(c));

    /// <summary>Whether font pixel (col, row) of glyph <paramref name="c"/> is ink.</summary>
    public static bool Ink(char c, int col, int row)
    {
        if (!s_glyphs.TryGetValue(char.ToUpperInvariant(c), out var bits))
        {
            throw new KernelInputException("text",
                $"character '{c}' is not in the 5x7 font (digits, A-Z, space, . , - ( ) : > = [ ] # \" /)");
        }

        return (uint)col < GlyphWidth && (uint)row < GlyphHeight && bits[row * GlyphWidth + col] == '1';
    }

    /// <summary>
    /// Pixel size of <paramref name="text"/> at <paramref name="scale"/> (no trailing spacing column).
    /// </summary>
    public static (int Width, int Height) Measure(ReadOnlySpan<char> text, int scale) =>
        text.Length == 0 ? (0, 0) : ((text.Length * (GlyphWidth + 1) - 1) * scale, GlyphHeight * scale);

    /// <summary>Whether image pixel (px, py) relative to the text origin is ink.</summary>
    public static bool InkAt(ReadOnlySpan<char> text, int scale, int px, int py)
    {
        if (px < 0 || py < 0)
        {
            return false;
        }

        int fx = px / scale;
        int glyph = fx / (GlyphWidth + 1);
        return glyph < text.Length && Ink(text[glyph], fx % (GlyphWidth + 1), py / scale);
    }

    /// <summary>Throws <see cref="KernelInputException"/> for a character outside the font.</summary>
    public static void Validate(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            _ = Ink(c, 0, 0);
        }
    }
}
