using System.Globalization;
using System.Text;

namespace MetaLora.Reporting.Page;

/// <summary>
/// The page's one way to put text into HTML: every string that comes from data (task names, inputs,
/// references, generations) goes through <see cref="Text"/>, so markup in data shows as text.
/// </summary>
internal static class Html
{
    /// <summary>Escapes the five characters that can end a text node or an attribute value.</summary>
    public static string Text(string value)
    {
        if (value.AsSpan().IndexOfAny("&<>\"'") < 0) return value;
        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>A number for a data-value attribute (sorting): round-trip invariant, empty for a missing value.</summary>
    public static string Value(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    public static string Fixed(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    public static string Signed(double value, int decimals) =>
        value.ToString("+0." + new string('0', decimals) + ";−0." + new string('0', decimals) + ";0." + new string('0', decimals), CultureInfo.InvariantCulture);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Long data (a task definition in every input) is cut so that a 502-task page stays small; the cut is said.</summary>
    public static string Clip(string value, int max) =>
        value.Length <= max ? Text(value) : Text(value[..max]) + Invariant($"<span class=\"clip\"> … ({value.Length - max:N0} more characters)</span>");
}
