using System.Text;

namespace PerceptionJudge.Eval.Report;

/// <summary>Escaping for the report: text and attribute values go through <see cref="Text"/>.</summary>
internal static class Html
{
    /// <summary>
    /// Escapes <c>&amp; &lt; &gt; " '</c> as <c>&amp;amp; &amp;lt; &amp;gt; &amp;quot; &amp;#39;</c>, and drops the
    /// control characters that XML 1.0 forbids (all below U+0020 except tab, LF, CR) and unpaired surrogates, so the
    /// page stays well-formed XML as well as HTML.
    /// </summary>
    public static string Text(string s)
    {
        var sb = new StringBuilder(s.Length + 16);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case < ' ' when c is not ('\t' or '\n' or '\r'): break;
                case '\uFFFE' or '\uFFFF': break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (!char.IsSurrogate(c))
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
