using System.Text;

namespace MedVox.Reporting.Html;

/// <summary>
/// Escaping for text and attribute values. The report is written as well-formed XHTML-compatible HTML (every element
/// closed, only the five XML entities), so that an XML parser reads it as well as a browser.
/// </summary>
internal static class HtmlText
{
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': result.Append("&amp;"); break;
                case '<': result.Append("&lt;"); break;
                case '>': result.Append("&gt;"); break;
                case '"': result.Append("&quot;"); break;
                case '\'': result.Append("&#39;"); break;

                // Control characters are not allowed in XML; tabs and line breaks are.
                case < ' ' when c is not ('\t' or '\n' or '\r'): result.Append('\uFFFD'); break;
                default: result.Append(c); break;
            }
        }

        return result.ToString();
    }

    /// <summary>An id usable in fragments (#id): letters, digits, '-' and '_' kept, anything else as '-'.</summary>
    public static string Id(string prefix, string name)
    {
        var result = new StringBuilder(prefix.Length + name.Length + 1).Append(prefix).Append('-');
        foreach (char c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-');
        }

        return result.ToString();
    }

    /// <summary>A data URI of PNG bytes.</summary>
    public static string PngDataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
}
