using System.Collections.Frozen;

namespace MetaLora.Evaluation;

/// <summary>
/// The Porter stemmer exactly as NLTK's <c>PorterStemmer()</c> runs it in its default
/// NLTK_EXTENSIONS mode, the stemmer rouge_score uses: Porter's 1980 steps with Martin Porter's
/// later changes (words of one or two letters are kept; "bli" → "ble"; "logi" → "log") and NLTK's
/// own (an irregular-forms pool; "ies"/"ied" keep "ie" in four-letter words; "alli" → "al" first;
/// "fulli" → "ful"; y → i only after a consonant that is not the first letter; a two-letter
/// vowel-consonant stem counts as *o).
/// </summary>
/// <remarks>
/// The input is expected in lowercase, as rouge_score's tokenizer hands it over; NLTK lowercases
/// first, which changes nothing for such input. Any character other than a, e, i, o, u and y is a
/// consonant, digits included, as in NLTK.
/// </remarks>
internal static class PorterStemmer
{
    /// <summary>Irregular forms NLTK maps directly, bypassing the steps.</summary>
    private static readonly FrozenDictionary<string, string> Pool = new Dictionary<string, string>
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (Pool.TryGetValue(word, out var irregular)) return irregular;
        if (word.Length <= 2) return word;

        // Only step 1b's "at" → "ate" and (m=1 and *o) → "e" lengthen a word, by one letter.
        Span<char> buffer = word.Length < 128 ? stackalloc char[word.Length + 1] : new char[word.Length + 1];
        word.CopyTo(buffer);
        var w = new PorterWord(buffer, word.Length);
        PorterSteps.Step1a(ref w);
        PorterSteps.Step1b(ref w);
        PorterSteps.Step1c(ref w);
        PorterSteps.Step2(ref w);
        PorterSteps.Step3(ref w);
        PorterSteps.Step4(ref w);
        PorterSteps.Step5a(ref w);
        PorterSteps.Step5b(ref w);
        return w.Text.SequenceEqual(word.AsSpan()) ? word : w.Text.ToString();
    }
}
