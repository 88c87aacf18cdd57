namespace MetaLora.Evaluation;

/// <summary>
/// The steps of <see cref="PorterStemmer"/>. In each rule list the first rule whose suffix the word
/// ends with decides: if its condition fails the word is left as it is and later rules are not
/// tried (so "ization" shadows "ation", "ement" shadows "ment" and "ent"), as in NLTK.
/// </summary>
internal static class PorterSteps
{
    private enum When
    {
        /// <summary>m(stem) &gt; 0.</summary>
        MeasurePositive,

        /// <summary>m(stem) &gt; 1.</summary>
        MeasureAbove1,

        /// <summary>m(stem + "l") &gt; 0: "logi" → "log" keeps the l with the stem, so "geo"-logi stems too.</summary>
        MeasurePositiveWithL,

        /// <summary>m(stem) &gt; 1 and the stem ends in s or t ("ion").</summary>
        MeasureAbove1AfterSOrT,
    }

    private readonly record struct Rule(string Suffix, string Replacement, When When);

    private static readonly Rule[] Step2Rules =
    [
        new("ational", "ate", When.MeasurePositive),
        new("tional", "tion", When.MeasurePositive),
        new("enci", "ence", When.MeasurePositive),
        new("anci", "ance", When.MeasurePositive),
        new("izer", "ize", When.MeasurePositive),
        new("bli", "ble", When.MeasurePositive), // Porter's later "bli" in place of the paper's "abli"
        new("alli", "al", When.MeasurePositive),
        new("entli", "ent", When.MeasurePositive),
        new("eli", "e", When.MeasurePositive),
        new("ousli", "ous", When.MeasurePositive),
        new("ization", "ize", When.MeasurePositive),
        new("ation", "ate", When.MeasurePositive),
        new("ator", "ate", When.MeasurePositive),
        new("alism", "al", When.MeasurePositive),
        new("iveness", "ive", When.MeasurePositive),
        new("fulness", "ful", When.MeasurePositive),
        new("ousness", "ous", When.MeasurePositive),
        new("aliti", "al", When.MeasurePositive),
        new("iviti", "ive", When.MeasurePositive),
        new("biliti", "ble", When.MeasurePositive),
        new("fulli", "ful", When.MeasurePositive),
        new("logi", "log", When.MeasurePositiveWithL),
    ];

    private static readonly Rule[] Step3Rules =
    [
        new("icate", "ic", When.MeasurePositive),
        new("ative", "", When.MeasurePositive),
        new("alize", "al", When.MeasurePositive),
        new("iciti", "ic", When.MeasurePositive),
        new("ical", "ic", When.MeasurePositive),
        new("ful", "", When.MeasurePositive),
        new("ness", "", When.MeasurePositive),
    ];

    private static readonly Rule[] Step4Rules =
    [
        new("al", "", When.MeasureAbove1),
        new("ance", "", When.MeasureAbove1),
        new("ence", "", When.MeasureAbove1),
        new("er", "", When.MeasureAbove1),
        new("ic", "", When.MeasureAbove1),
        new("able", "", When.MeasureAbove1),
        new("ible", "", When.MeasureAbove1),
        new("ant", "", When.MeasureAbove1),
        new("ement", "", When.MeasureAbove1),
        new("ment", "", When.MeasureAbove1),
        new("ent", "", When.MeasureAbove1),
        new("ion", "", When.MeasureAbove1AfterSOrT),
        new("ou", "", When.MeasureAbove1),
        new("ism", "", When.MeasureAbove1),
        new("ate", "", When.MeasureAbove1),
        new("iti", "", When.MeasureAbove1),
        new("ous", "", When.MeasureAbove1),
        new("ive", "", When.MeasureAbove1),
        new("ize", "", When.MeasureAbove1),
    ];

    /// <summary>sses → ss, ies → i (NLTK: → ie in a four-letter word, "ties" → "tie"), ss → ss, s → "".</summary>
    public static void Step1a(ref PorterWord w)
    {
        if (w.EndsWith("sses")) w.Replace(4, "ss");
        else if (w.EndsWith("ies")) w.Replace(3, w.Length == 4 ? "ie" : "i");
        else if (w.EndsWith("ss")) { }
        else if (w.EndsWith("s")) w.Replace(1, "");
    }

    /// <summary>
    /// (m&gt;0) eed → ee; (*v*) ed → ""; (*v*) ing → "", then at/bl/iz gain an e, a double consonant
    /// other than l, s, z loses a letter, and an m=1 *o stem gains an e. NLTK first turns "ied" into
    /// "ie" (four letters) or "i" and stops.
    /// </summary>
    public static void Step1b(ref PorterWord w)
    {
        if (w.EndsWith("ied"))
        {
            w.Replace(3, w.Length == 4 ? "ie" : "i");
            return;
        }
        if (w.EndsWith("eed"))
        {
            if (w.Measure(w.Length - 3) > 0) w.Replace(3, "ee");
            return;
        }

        if (w.EndsWith("ed") && w.ContainsVowel(w.Length - 2)) w.Replace(2, "");
        else if (w.EndsWith("ing") && w.ContainsVowel(w.Length - 3)) w.Replace(3, "");
        else return;

        if (w.EndsWith("at")) w.Replace(2, "ate");
        else if (w.EndsWith("bl")) w.Replace(2, "ble");
        else if (w.EndsWith("iz")) w.Replace(2, "ize");
        else if (w.EndsDoubleConsonant())
        {
            // A double l, s or z stays, and the *o rule below is then not tried ("falling" → "fall").
            if (w.Text[^1] is not ('l' or 's' or 'z')) w.Replace(1, "");
        }
        else if (w.Measure(w.Length) == 1 && w.EndsCvc(w.Length)) w.Replace(0, "e");
    }

    /// <summary>NLTK's y → i: only after a consonant that is not the word's first letter ("happy" → "happi", "enjoy", "by").</summary>
    public static void Step1c(ref PorterWord w)
    {
        if (w.EndsWith("y") && w.Length - 1 > 1 && w.IsConsonant(w.Length - 2)) w.Replace(1, "i");
    }

    /// <summary>Double suffixes to single ones; NLTK applies "alli" → "al" first and then step 2 again.</summary>
    public static void Step2(ref PorterWord w)
    {
        if (w.EndsWith("alli") && w.Measure(w.Length - 4) > 0)
        {
            w.Replace(4, "al");
            Step2(ref w);
            return;
        }
        ApplyFirst(ref w, Step2Rules);
    }

    /// <summary>-ic-, -full, -ness and the like.</summary>
    public static void Step3(ref PorterWord w) => ApplyFirst(ref w, Step3Rules);

    /// <summary>Removes -ant, -ence and the like when m(stem) &gt; 1.</summary>
    public static void Step4(ref PorterWord w) => ApplyFirst(ref w, Step4Rules);

    /// <summary>
    /// A final e goes when m &gt; 1, or m = 1 and the stem is not *o. Both conditions are tried, unlike
    /// the rule lists' first-suffix-decides.
    /// </summary>
    public static void Step5a(ref PorterWord w)
    {
        if (!w.EndsWith("e")) return;
        var m = w.Measure(w.Length - 1);
        if (m > 1 || (m == 1 && !w.EndsCvc(w.Length - 1))) w.Replace(1, "");
    }

    /// <summary>ll → l when m(word without its last l) &gt; 1.</summary>
    public static void Step5b(ref PorterWord w)
    {
        if (w.EndsWith("ll") && w.Measure(w.Length - 1) > 1) w.Replace(2, "l");
    }

    private static void ApplyFirst(ref PorterWord w, ReadOnlySpan<Rule> rules)
    {
        foreach (var rule in rules)
        {
            if (!w.EndsWith(rule.Suffix)) continue;
            var stem = w.Length - rule.Suffix.Length;
            if (Holds(in w, rule.When, stem)) w.Replace(rule.Suffix.Length, rule.Replacement);
            return;
        }
    }

    private static bool Holds(in PorterWord w, When when, int stem) => when switch
    {
        When.MeasurePositive => w.Measure(stem) > 0,
        When.MeasureAbove1 => w.Measure(stem) > 1,
        When.MeasurePositiveWithL => w.Measure(stem + 1) > 0,
        When.MeasureAbove1AfterSOrT => w.Measure(stem) > 1 && w.Text[stem - 1] is 's' or 't',
        _ => throw new ArgumentOutOfRangeException(nameof(when)),
    };
}
