using System.Globalization;
using System.Text;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// Python's string semantics on .NET strings, as templates see them: whitespace as <c>str.isspace</c>,
/// lengths, indices and order in code points (a .NET string counts UTF-16 units), strip, split,
/// replace, case changes and <c>repr</c>.
/// </summary>
internal static class TemplateStrings
{
    /// <summary>Python's whitespace: .NET's plus the information separators U+001C to U+001F.</summary>
    public static bool IsWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static bool IsAllWhitespace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!IsWhitespace(c)) return false;
        return true;
    }

    public static string TrimEndWhitespace(string text)
    {
        var end = text.Length;
        while (end > 0 && IsWhitespace(text[end - 1])) end--;
        return text[..end];
    }

    private static bool HasSurrogates(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>The code points of <paramref name="text"/>, each as a string (a surrogate pair stays one).</summary>
    public static string[] Characters(string text)
    {
        if (!HasSurrogates(text)) return text.Select(c => c.ToString()).ToArray();
        var characters = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsSurrogatePair(text, i) ? 2 : 1;
            characters.Add(text.Substring(i, width));
            i += width;
        }
        return [.. characters];
    }

    public static int Length(string text) => HasSurrogates(text) ? Characters(text).Length : text.Length;

    /// <summary>The code point at <paramref name="index"/> (already made non-negative), or null past the end.</summary>
    public static string? At(string text, long index)
    {
        if (!HasSurrogates(text)) return index < text.Length ? text[(int)index].ToString() : null;
        var characters = Characters(text);
        return index < characters.Length ? characters[index] : null;
    }

    /// <summary>The code points a slice picks (see <see cref="TemplateAccess.SliceRange"/>).</summary>
    public static string Slice(string text, (long From, long Step, int Count) range)
    {
        var (from, step, count) = range;
        if (!HasSurrogates(text) && step == 1) return text.Substring((int)from, count);
        var characters = Characters(text);
        var builder = new StringBuilder();
        for (var k = 0; k < count; k++) builder.Append(characters[from + k * step]);
        return builder.ToString();
    }

    /// <summary>Python's <c>str.strip</c>, <c>lstrip</c> and <c>rstrip</c>: whitespace, or any code point of <paramref name="chars"/>.</summary>
    public static string Strip(string text, string? chars, bool left, bool right)
    {
        var set = chars is null ? null : Characters(chars).ToHashSet(StringComparer.Ordinal);
        bool Strips(string character) => set is null ? character.Length == 1 && IsWhitespace(character[0]) : set.Contains(character);
        int start = 0, end = text.Length;
        while (left && start < end)
        {
            var width = start + 1 < end && char.IsSurrogatePair(text[start], text[start + 1]) ? 2 : 1;
            if (!Strips(text.Substring(start, width))) break;
            start += width;
        }
        while (right && end > start)
        {
            var width = end - 2 >= start && char.IsSurrogatePair(text[end - 2], text[end - 1]) ? 2 : 1;
            if (!Strips(text.Substring(end - width, width))) break;
            end -= width;
        }
        return text[start..end];
    }

    /// <summary>Python's <c>str.split(sep, maxsplit)</c>: no separator splits on runs of whitespace and drops empty parts.</summary>
    public static List<string> Split(string text, string? separator, long maxSplit)
    {
        if (separator is null) return SplitOnWhitespace(text, maxSplit);
        if (separator.Length == 0) throw new ChatTemplateException("split(): empty separator");
        var parts = new List<string>();
        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = text.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(text[from..at]);
            from = at + separator.Length;
        }
        parts.Add(text[from..]);
        return parts;
    }

    private static List<string> SplitOnWhitespace(string text, long maxSplit)
    {
        var parts = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && IsWhitespace(text[i])) i++;
            if (i >= text.Length) break;
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                // Python keeps the rest, trailing whitespace included, once maxsplit is reached.
                parts.Add(text[i..]);
                break;
            }
            var j = i;
            while (j < text.Length && !IsWhitespace(text[j])) j++;
            parts.Add(text[i..j]);
            i = j;
        }
        return parts;
    }

    /// <summary>
    /// Python's <c>str.replace</c> (an empty <paramref name="old"/> inserts <paramref name="replacement"/>
    /// around every code point), refused before it is built when the result would be longer than <paramref name="maxLength"/>.
    /// </summary>
    public static string Replace(string text, string old, string replacement, long count, int maxLength)
    {
        if (old.Length == 0) return InsertEverywhere(text, replacement, count, maxLength);
        var hits = new List<int>();
        for (var at = text.IndexOf(old, StringComparison.Ordinal); at >= 0 && (count < 0 || hits.Count < count);
             at = text.IndexOf(old, at + old.Length, StringComparison.Ordinal))
            hits.Add(at);
        RenderBudget.CheckLength(text.Length + (long)hits.Count * (replacement.Length - old.Length), maxLength);
        var builder = new StringBuilder();
        var from = 0;
        foreach (var at in hits)
        {
            builder.Append(text, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return builder.Append(text, from, text.Length - from).ToString();
    }

    private static string InsertEverywhere(string text, string replacement, long count, int maxLength)
    {
        var characters = Characters(text);
        var inserts = count < 0 ? characters.Length + 1 : Math.Min(count, characters.Length + 1);
        RenderBudget.CheckLength(text.Length + inserts * replacement.Length, maxLength);
        var builder = new StringBuilder();
        for (var i = 0; i < characters.Length; i++)
        {
            if (i < inserts) builder.Append(replacement);
            builder.Append(characters[i]);
        }
        if (inserts > characters.Length) builder.Append(replacement);
        return builder.ToString();
    }

    public static string Upper(string text) => text.ToUpperInvariant();

    public static string Lower(string text) => text.ToLowerInvariant();

    /// <summary>Python's <c>str.capitalize</c>: the first code point upper case, the rest lower case.</summary>
    public static string Capitalize(string text)
    {
        if (text.Length == 0) return text;
        var width = char.IsSurrogatePair(text, 0) ? 2 : 1;
        return text[..width].ToUpperInvariant() + text[width..].ToLowerInvariant();
    }

    /// <summary>Python's <c>str.title</c>: a letter after a cased letter goes lower case, any other upper case.</summary>
    public static string Title(string text) => ChangeCase(text, previous => previous is { } p && IsCased(p));

    /// <summary>Jinja's <c>title</c> filter: upper case at the start and after '-', whitespace, '(', '{', '[' or '&lt;'; lower case elsewhere.</summary>
    public static string TitleWords(string text) =>
        ChangeCase(text, previous => previous is { } p && !(p.Value is '-' or '(' or '{' or '[' or '<' || (p.IsBmp && IsWhitespace((char)p.Value))));

    private static string ChangeCase(string text, Func<Rune?, bool> lowerAfter)
    {
        var builder = new StringBuilder(text.Length);
        Rune? previous = null;
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(lowerAfter(previous) ? Rune.ToLowerInvariant(rune).ToString() : Rune.ToUpperInvariant(rune).ToString());
            previous = rune;
        }
        return builder.ToString();
    }

    private static bool IsCased(Rune rune) =>
        Rune.IsUpper(rune) || Rune.IsLower(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.TitlecaseLetter;

    /// <summary>Orders strings by code point, as Python does (UTF-16 order differs for characters above the surrogates).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var common = Math.Min(a.Length, b.Length);
        for (var i = 0; i < common; i++)
            if (a[i] != b[i]) return CodePointOrder(a[i]).CompareTo(CodePointOrder(b[i]));
        return a.Length.CompareTo(b.Length);
    }

    private static int CodePointOrder(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;

    /// <summary>Python's <c>repr</c> of a string: single quotes unless only double quotes avoid escaping, non-printable characters escaped.</summary>
    public static string Repr(string text)
    {
        var quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogatePair(text, i))
            {
                var rune = new Rune(c, text[++i]);
                if (IsPrintable(rune)) builder.Append(c).Append(text[i]);
                else builder.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
            }
            else if (c == quote || c == '\\') builder.Append('\\').Append(c);
            else if (c == '\n') builder.Append("\\n");
            else if (c == '\r') builder.Append("\\r");
            else if (c == '\t') builder.Append("\\t");
            else if (char.IsSurrogate(c) || !IsPrintable(new Rune(c)))
                builder.Append(c <= 0xFF ? "\\x" : "\\u").Append(((int)c).ToString(c <= 0xFF ? "x2" : "x4", CultureInfo.InvariantCulture));
            else builder.Append(c);
        }
        return builder.Append(quote).ToString();
    }

    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.SpaceSeparator);
}
