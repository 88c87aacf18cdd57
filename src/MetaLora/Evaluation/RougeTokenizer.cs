namespace MetaLora.Evaluation;

/// <summary>
/// rouge_score's DefaultTokenizer: lowercase, every run of characters outside [a-z0-9] becomes a
/// space, split on whitespace, tokens longer than 3 characters stemmed with
/// <see cref="PorterStemmer"/>, and only tokens matching ^[a-z0-9]+$ kept.
/// </summary>
/// <remarks>
/// Everything outside ASCII letters and digits separates tokens, so "café" gives "caf", "Straße"
/// gives "stra" and "e", and Chinese text or emoji give no tokens at all. Python's str.lower() maps
/// exactly two other characters into [a-z0-9], and they are reproduced here: KELVIN SIGN (U+212A)
/// becomes "k", and "İ" (U+0130) becomes "i" plus a combining dot, which then separates tokens.
/// </remarks>
internal static class RougeTokenizer
{
    public static List<string> Tokenize(ReadOnlySpan<char> text, bool stem = true)
    {
        var tokens = new List<string>();
        Tokenize(text, stem, tokens);
        return tokens;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, bool stem, List<string> tokens)
    {
        // Each character contributes at most one lowercase letter, so a token fits in text.Length.
        Span<char> buffer = text.Length <= 512 ? stackalloc char[text.Length] : new char[text.Length];
        var length = 0;
        foreach (var c in text)
        {
            switch (c)
            {
                case >= 'a' and <= 'z' or >= '0' and <= '9':
                    buffer[length++] = c;
                    break;
                case >= 'A' and <= 'Z':
                    buffer[length++] = (char)(c + ('a' - 'A'));
                    break;
                case '\u212A': // KELVIN SIGN: lower() gives "k"
                    buffer[length++] = 'k';
                    break;
                case '\u0130': // LATIN CAPITAL LETTER I WITH DOT ABOVE: lower() gives "i" + U+0307, a separator
                    buffer[length++] = 'i';
                    Flush(buffer[..length], stem, tokens);
                    length = 0;
                    break;
                default:
                    Flush(buffer[..length], stem, tokens);
                    length = 0;
                    break;
            }
        }
        Flush(buffer[..length], stem, tokens);
    }

    private static void Flush(ReadOnlySpan<char> token, bool stem, List<string> tokens)
    {
        if (token.IsEmpty) return;
        var word = token.ToString();
        // The stem of [a-z0-9]+ is again [a-z0-9]+ and never empty, so rouge_score's final filter keeps it.
        tokens.Add(stem && word.Length > 3 ? PorterStemmer.Stem(word) : word);
    }
}
