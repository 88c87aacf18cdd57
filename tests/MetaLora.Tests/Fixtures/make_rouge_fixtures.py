#!/usr/bin/python3
"""Writes porter_stems.json and rouge.json, the references of the C# Porter stemmer, the ROUGE
tokenizer and rougeL / rougeLsum. Run once; the C# tests only read the JSON.

    /usr/bin/python3 make_rouge_fixtures.py     (Debian's python3-nltk: apt-get install python3-nltk)

Stems come from NLTK itself (PorterStemmer() in its default NLTK_EXTENSIONS mode). Google's
rouge_score package is not packaged for Debian and PyPI is out of reach here, so the ROUGE values
come from the small transcription below of rouge_score 0.1.2's algorithm (tokenize.tokenize,
rouge_scorer._score_lcs, _summary_level_lcs, _union_lcs, _lcs_table, _backtrack_norec and
scoring.fmeasure), with NLTK's stemmer plugged in as rouge_score does. `self_check` ties the
transcription to values rouge_score's own tests assert.
"""
import collections
import glob
import json
import os
import random
import re

import nltk
from nltk.stem.porter import PorterStemmer

HERE = os.path.dirname(os.path.abspath(__file__))
STEMMER = PorterStemmer()  # mode NLTK_EXTENSIONS, the default rouge_score gets


# --- rouge_score, transcribed -----------------------------------------------------------------

def tokenize(text, stem=True):
    """DefaultTokenizer: Python's lower(), every run outside [a-z0-9] becomes one space, split on
    whitespace, stem tokens longer than 3 characters, keep tokens matching ^[a-z0-9]+$."""
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    tokens = re.split(r"\s+", text)
    if stem:
        tokens = [STEMMER.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if re.match(r"^[a-z0-9]+$", t)]


def fmeasure(precision, recall):
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def lcs_table(ref, can):
    table = [[0] * (len(can) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(can) + 1):
            if ref[i - 1] == can[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table


def lcs_indices(ref, can):
    """One LCS as indices into ref, read back from the table's corner: a match is taken at once;
    otherwise step left (in can) only when that cell is strictly larger, else up (in ref)."""
    table = lcs_table(ref, can)
    i, j = len(ref), len(can)
    picked = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            picked.append(i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return picked[::-1]


def rouge_l(target, prediction, stem=True):
    t, p = tokenize(target, stem), tokenize(prediction, stem)
    if not t or not p:
        return (0.0, 0.0, 0.0)
    lcs = lcs_table(t, p)[-1][-1]
    precision, recall = lcs / len(p), lcs / len(t)
    return (precision, recall, fmeasure(precision, recall))


def rouge_lsum(target, prediction, stem=True):
    def sentences(text):
        return [tokenize(s, stem) for s in text.split("\n") if len(s)]

    refs, cans = sentences(target), sentences(prediction)
    if not refs or not cans:
        return (0.0, 0.0, 0.0)
    m = sum(len(s) for s in refs)
    n = sum(len(s) for s in cans)
    if not m or not n:
        return (0.0, 0.0, 0.0)
    left_r = collections.Counter(t for s in refs for t in s)
    left_c = collections.Counter(t for s in cans for t in s)
    hits = 0
    for r in refs:
        union = sorted(set().union(*[lcs_indices(r, c) for c in cans]))
        for token in (r[i] for i in union):
            # Each token counts at most as often as it occurs in either summary (ROUGE-1.5.5).
            if left_c[token] > 0 and left_r[token] > 0:
                hits += 1
                left_c[token] -= 1
                left_r[token] -= 1
    precision, recall = hits / n, hits / m
    return (precision, recall, fmeasure(precision, recall))


def self_check():
    """Values asserted by rouge_score's rouge_scorer_test.py (testRougeLsum, testSummaryLevelLcs,
    testRougeLConsecutive/NonConsecutive), computed here with this transcription."""
    def close(a, b, places):
        assert round(abs(a - b), places) == 0, (a, b)

    p, r, f = rouge_lsum("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", stem=False)
    close(r, 0.8, 7); close(p, 0.4, 7); close(f, 0.5333, 3)
    assert rouge_lsum("w1 w2 w3 w4 w5", "/", stem=False) == (0.0, 0.0, 0.0)
    assert rouge_lsum("", "w1", stem=False) == (0.0, 0.0, 0.0)
    p, r, f = rouge_l("testing one two", "testing two", stem=False)
    close(p, 1, 7); close(r, 2 / 3, 7); close(f, 4 / 5, 7)
    assert lcs_indices([1, 2, 3, 4, 5], [2, 5, 3, 4]) == [1, 2, 3]


# --- cases ------------------------------------------------------------------------------------

HARD_WORDS = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized
hopping tanned falling hissing fizzed failing filing happy sky skies relational conditional rational
valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization
predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti
sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival allowance
inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease
controll roll generously generous generously dying lying tying news innings inning outings outing
cannings canning howe proceed exceed succeed proceeding exceeded succeeds dies died flies spied
cried tried lies tied pies skied skiing spying flying trying enjoy enjoying enjoyment spy fly try
carefully fully hopefully beautifully dutifully archaeology geology theology biology philology
apology analogi geologi theologi logi blli alli ealli typically basically logically critically
radically eventually actually generally usually finally really specially nationally rationally
sensationally ationally ational tional izational ization ation ations abilities possibilities
ability ies ied ing ed eed ly ying ying yying yyy syzygy toy toys boy boys buy buying says saying
obeyed played played obey yes yet yesterday eye eyes ay bay bye dye dyes dyeing yelling yoyo
agreement agreed disagree feeds bleed bleeding speed speeding need needed needs needing seed
hoped hoping hopeful hoping hopped hopper filling filled fill fills falls fall smaller smallest
tall taller tallest install installing installation controller controlling controlled roller
rolling rolled oed ied aed uses used using user users abuse abused buses bused businesses business
tion tions sion ions ment ments ement ements nation nations national nationality nationalities
nationalism nationalist relativity relative relatively relate related relating relation relations
running run runs ran runner swimming swim swims swimmer digging dig digs dug misses missing missed
fizz fizzing buzzing buzzed happily happiness happier happiest unhappy sadly sadness madness
wilderness darkness kindness goodness emptiness emptiest empties emptied emptying emptily
hopelessness carelessness usefulness uselessness meaningfulness awfully awful lawfully lawful
skyscraper skyline skylines sky's xylophone quickly quick quicker quickest sixty sixties sixtieth
1990s 2nd 3rd 4th 10th 1st 100km 5kg abc123 a1b2c3d4 123 1234 12345 0 00 000 0000 x y z ab abc abcd
aaaa bbbb eeee iiii oooo uuuu yyyy ssss sses ies s ss is as us os es ys
oing aing eing iing uing ying yed aed oed ued eed ees ion sion tion ement ization alli fulli logi
""".split()


def gather_words():
    """Words as rouge_score's tokenizer hands them to the stemmer (lowercase [a-z0-9] runs), from
    text files every Debian system has, plus the hand-picked hard cases above."""
    words = set()

    def add(paths, letters_only):
        for path in paths:
            if not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for w in re.sub(r"[^a-z0-9]+", " ", f.read().lower()).split():
                    if not letters_only or (w.isalpha() and 2 <= len(w) <= 20):
                        words.add(w)

    add(sorted(glob.glob("/usr/share/common-licenses/*")), letters_only=False)
    add(sorted(glob.glob("/usr/share/dict/*")), letters_only=True)
    add(sorted(glob.glob("/usr/share/doc/*/copyright")), letters_only=True)
    add(sorted(glob.glob("/usr/lib/python3.11/*.py")), letters_only=True)
    for w in HARD_WORDS:
        words.update(re.sub(r"[^a-z0-9]+", " ", w.lower()).split())
    words.update(pseudo_words(random.Random(1980), 4000))
    return sorted(words)


SUFFIXES = """s ss sses ies ied eed ed ing y ational tional enci anci izer bli abli alli entli eli ousli ization
ation ator alism iveness fulness ousness aliti iviti biliti fulli logi icate ative alize iciti ical ful
ness al ance ence er ic able ible ant ement ment ent ion sion tion ou ism ate iti ous ive ize e ll""".split()


def pseudo_words(rng, count):
    """Random stems over a few letters (y runs, doubled consonants, short stems) with a random
    Porter suffix, to reach rule combinations that real words rarely do."""
    letters = "aeiouyybcdlmnrstwxz"
    return {"".join(rng.choice(letters) for _ in range(rng.randint(1, 7))) + rng.choice(SUFFIXES)
            for _ in range(count)}


TEXT_PAIRS = [
    ("identical", "The cat sat on the mat.", "The cat sat on the mat."),
    ("consecutive", "testing one two", "testing one"),
    ("non_consecutive", "testing one two", "testing two"),
    ("disjoint", "alpha beta gamma", "delta epsilon"),
    ("stemming_matters", "The runners were running quickly to the stations.", "A runner runs quick to a station"),
    ("punctuation", "Hello, world! It's a test--isn't it? (yes) [no] {maybe} <ok> a/b a_b a.b",
     "hello world it s a test isn t it yes no maybe ok a b a b a b"),
    ("digits", "In 1990 there were 3,500 cars and 12.5% growth; route 66.", "In 1990: 3500 cars, 12 5 growth, route66"),
    ("accents", "café naïve résumé élève Straße façade", "cafe naive resume eleve strasse facade"),
    ("accents_split_words", "Crème brûlée à la française", "cr me br l e la fran aise"),
    ("chinese", "我爱北京天安门 and Beijing 2008", "Beijing 2008 我爱"),
    ("chinese_only", "我爱北京天安门", "我爱北京天安门"),
    ("emoji", "great job 👍🏽 really 😀 great", "great 🎉 job really great"),
    ("emoji_only", "👍🏽😀", "🎉"),
    ("dotted_capital_i", "İstanbul İzmir", "i stanbul i zmir"),
    ("kelvin_sign", "300 \u212a is hot; \u212aelvin", "300 k is hot kelvin"),
    ("greek_and_cyrillic", "Σίσυφος Москва alpha", "alpha"),
    ("empty_prediction", "the reference text", ""),
    ("empty_target", "", "the prediction text"),
    ("both_empty", "", ""),
    ("whitespace_prediction", "the reference text", "   \t \n  "),
    ("whitespace_both", " \n\t ", "  "),
    ("punctuation_only_prediction", "w1 w2 w3 w4 w5", "/"),
    ("repeated_tokens", "the the the cat the the", "the cat the the the the the"),
    ("repeated_in_prediction", "a b a b a b", "a a a a b b b b"),
    ("short_words_unstemmed", "runs ran run running", "run run run run"),
    ("irregular_pool", "The skies were dying, lying, tying news of innings", "sky die lie tie news inning"),
    ("case_folding", "UPPER Case MiXeD", "upper case mixed"),
    ("carriage_returns", "line one\r\nline two\r\n", "line one\nline two"),
    ("tabs_and_nbsp", "a\tb\u00a0c\u2003d", "a b c d"),
    ("multi_line_basic", "w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"),
    ("multi_line_empty_lines", "\n\nfirst sentence here\n\n\nsecond sentence there\n",
     "first sentence\n\n\n\nthere second here\n\n"),
    ("multi_line_whitespace_lines", "one two\n   \nthree four\n \t\n", " \none three\n\ntwo four"),
    ("multi_line_punctuation_lines", "alpha beta\n!!!\ngamma", "...\nalpha gamma beta\n?"),
    ("multi_line_repeats", "a b a\nb a b\na a", "a a b\nb b\na b a b"),
    ("multi_line_vs_single", "the quick brown fox\njumps over the lazy dog",
     "the quick brown fox jumps over the lazy dog"),
    ("single_vs_multi_line", "the quick brown fox jumps over the lazy dog",
     "the lazy dog\njumps over\nthe quick brown fox"),
    ("multi_line_only_newlines", "\n\n\n", "some words\n"),
    ("long_generation", "Summarize: the committee approved the budget after a long debate on Tuesday.",
     "The committee approved the budget on Tuesday after a long debate. The committee approved the budget. "
     "Approved approved approved budget budget debate debate debate Tuesday Tuesday."),
]


def random_cases(rng):
    """Token soups over a tiny vocabulary, with newlines and blank lines, so that LCS ties and the
    backtracking's tie-breaks are exercised hard."""
    vocab = ["a", "b", "c", "d", "run", "runs", "running", "the", "x1"]
    cases = []
    for k in range(60):
        def text():
            lines = []
            for _ in range(rng.randint(0, 5)):
                lines.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 9))))
            sep = rng.choice(["\n", "\n\n", " \n", ".\n"])
            return sep.join(lines)
        cases.append((f"random_{k:02d}", text(), text()))
    return cases


def rouge_case(name, target, prediction):
    return {
        "name": name,
        "target": target,
        "prediction": prediction,
        "target_tokens": tokenize(target),
        "prediction_tokens": tokenize(prediction),
        "target_tokens_unstemmed": tokenize(target, stem=False),
        "rougeL": list(rouge_l(target, prediction)),
        "rougeLsum": list(rouge_lsum(target, prediction)),
    }


def multi_0_check():
    """rouge_score's testRougeLSumAgainstRouge155WithStemming, when its test files are at hand
    (they are not committed here): recall 0.36538, precision 0.66667, F 0.47205 per ROUGE-1.5.5."""
    folder = os.environ.get("ROUGE_TESTDATA")
    if not folder:
        return
    with open(os.path.join(folder, "target_multi.0.txt")) as f:
        target = f.read()
    with open(os.path.join(folder, "prediction_multi.0.txt")) as f:
        prediction = f.read()
    p, r, f1 = rouge_lsum(target, prediction)
    print(f"ROUGE-1.5.5 multi.0 check: recall {r:.5f} precision {p:.5f} F {f1:.5f}")
    assert (round(r, 5), round(p, 5), round(f1, 5)) == (0.36538, 0.66667, 0.47205)


def main():
    self_check()
    multi_0_check()
    words = gather_words()
    with open(os.path.join(HERE, "porter_stems.json"), "w", encoding="utf-8") as f:
        json.dump({"nltk": nltk.__version__, "mode": STEMMER.mode,
                   "cases": [{"name": "words", "words": words, "stems": [STEMMER.stem(w) for w in words]}]},
                  f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")

    rng = random.Random(20250701)
    cases = [rouge_case(*c) for c in TEXT_PAIRS + random_cases(rng)]
    with open(os.path.join(HERE, "rouge.json"), "w", encoding="utf-8") as f:
        json.dump({"nltk": nltk.__version__, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(words)} stems, {len(cases)} ROUGE cases")


if __name__ == "__main__":
    main()
