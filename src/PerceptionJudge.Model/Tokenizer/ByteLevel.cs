namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// GPT-2's reversible byte-to-unicode table (openai/gpt-2 encoder.py <c>bytes_to_unicode</c>): the printable bytes
/// '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves; the other 68 bytes map, in byte order, to U+0100 upward,
/// so every byte is one visible BMP char and a token string never holds whitespace or control characters.
/// </summary>
public static class ByteLevel
{
    private static readonly char[] s_byteToChar = BuildTable();
    private static readonly Dictionary<char, byte> s_charToByte = Invert(s_byteToChar);

    /// <summary>The char that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte a char of the byte-level alphabet stands for; false for chars outside it.</summary>
    public static bool TryToByte(char c, out byte value) => s_charToByte.TryGetValue(c, out value);

    /// <summary>Maps UTF-8 bytes to their byte-level string (e.g. " hi" → "Ġhi").</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = s_byteToChar[source[i]];
            }
        });
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    private static Dictionary<char, byte> Invert(char[] table)
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map.Add(table[b], (byte)b);
        }
        return map;
    }
}
