namespace PerceptionJudge.Eval;

/// <summary>The canonical text of a ranking: the response letters best-first, no separators (<c>CDAB</c>).</summary>
internal static class RankingText
{
    /// <summary>Letters best-first from <c>position[r]</c> = place of response r (0 = best).</summary>
    public static string FromPositions(ReadOnlySpan<int> position)
    {
        Span<char> letters = stackalloc char[position.Length];
        for (int r = 0; r < position.Length; r++)
        {
            letters[position[r]] = (char)('A' + r);
        }

        return new string(letters);
    }
}
