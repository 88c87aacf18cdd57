namespace MetaLora.Evaluation;

/// <summary>
/// A word being stemmed, in place in a buffer one letter longer than the input, with the
/// predicates of Porter's paper evaluated on a prefix (the "stem" left once a suffix is removed).
/// </summary>
internal ref struct PorterWord(Span<char> buffer, int length)
{
    private readonly Span<char> _buffer = buffer;

    public int Length { get; private set; } = length;

    public readonly ReadOnlySpan<char> Text => _buffer[..Length];

    public readonly bool EndsWith(string suffix) => Text.EndsWith(suffix, StringComparison.Ordinal);

    /// <summary>Replaces the last <paramref name="suffixLength"/> letters with <paramref name="replacement"/>.</summary>
    public void Replace(int suffixLength, string replacement)
    {
        var at = Length - suffixLength;
        replacement.CopyTo(_buffer[at..]);
        Length = at + replacement.Length;
    }

    /// <summary>
    /// Letters other than a, e, i, o, u; 'y' is a consonant at the start of the word or after a
    /// vowel, and a vowel after a consonant, so a run of y's alternates from the letter before it.
    /// </summary>
    public readonly bool IsConsonant(int i)
    {
        var c = _buffer[i];
        if (IsVowelLetter(c)) return false;
        if (c != 'y') return true;
        var start = i;
        while (start > 0 && _buffer[start - 1] == 'y') start--;
        var firstIsConsonant = start == 0 || IsVowelLetter(_buffer[start - 1]);
        return (i - start) % 2 == 0 ? firstIsConsonant : !firstIsConsonant;
    }

    /// <summary>m, the number of vowel-consonant transitions in the first <paramref name="length"/> letters.</summary>
    public readonly int Measure(int length)
    {
        var m = 0;
        var previousIsVowel = false;
        for (var i = 0; i < length; i++)
        {
            var consonant = IsConsonant(i);
            if (consonant && previousIsVowel) m++;
            previousIsVowel = !consonant;
        }
        return m;
    }

    /// <summary>*v*: the first <paramref name="length"/> letters contain a vowel.</summary>
    public readonly bool ContainsVowel(int length)
    {
        for (var i = 0; i < length; i++)
            if (!IsConsonant(i)) return true;
        return false;
    }

    /// <summary>*d: the word ends with two equal consonants.</summary>
    public readonly bool EndsDoubleConsonant() =>
        Length >= 2 && _buffer[Length - 1] == _buffer[Length - 2] && IsConsonant(Length - 1);

    /// <summary>
    /// *o on the first <paramref name="length"/> letters: consonant-vowel-consonant with the last not
    /// w, x or y; NLTK also accepts a whole two-letter stem vowel-consonant (any consonant).
    /// </summary>
    public readonly bool EndsCvc(int length)
    {
        if (length >= 3 && IsConsonant(length - 3) && !IsConsonant(length - 2) && IsConsonant(length - 1)
            && _buffer[length - 1] is not ('w' or 'x' or 'y'))
            return true;
        return length == 2 && !IsConsonant(0) && IsConsonant(1);
    }

    private static bool IsVowelLetter(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';
}
