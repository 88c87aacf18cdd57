"""Writes sentencepiece/: two SentencePiece BPE models trained once by Google's SentencePiece, and the
ids it gives for several thousand hard strings (and its decoding of those ids), so that the C# encoder is held to SentencePiece's own
output without Python at test time.

* llama.model: Llama/Mistral-style options (identity normalisation, byte fallback, split digits,
  whitespace kept as is, whitespace-only pieces, pieces up to 16 characters, unk 0, bos 1, eos 2).
* nmt.model: SentencePiece's defaults for the normaliser (nmt_nfkc with its precompiled character
  map, extra whitespace removed) and no byte fallback, so unknown characters become <unk>.

The training text is generated here from a fixed seed (pseudo-words, sentences, punctuation and
letter runs, numbers, code-like indentation, other scripts, emoji); it is not committed.

Run with Debian's python3 and python3-sentencepiece (0.1.97):
    /usr/bin/python3 make_sentencepiece_fixtures.py
"""
import gzip
import json
import os
import random
import string
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sentencepiece")

rng = random.Random(18)

CONSONANTS = "bcdfghjklmnprstvwxyz"
VOWELS = "aeiouy"
SCRIPTS = {
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщыьэюя",
    "accented": "àáâäãåçèéêëìíîïñòóôöõùúûüýÿßœæøł",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴",
    "hangul": "가나다라마바사아자차카타파하고노도로모보소오조초코토포호",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "devanagari": "अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ",
}
EMOJI = ["😀", "🎉", "👍", "🚀", "❤️", "🇫🇷", "👩‍💻", "👍🏽", "🤖", "✨", "🔥", "🙏"]


def word():
    syllables = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) + (rng.choice(CONSONANTS) if rng.random() < 0.3 else "")
                   for _ in range(syllables))


LEXICON = [word() for _ in range(30000)]


def zipf_word():
    # Zipf-like: a few words are very common, most are rare.
    w = LEXICON[min(int(rng.paretovariate(0.9)) - 1, len(LEXICON) - 1)]
    return w.capitalize() if rng.random() < 0.1 else w


def foreign_word():
    alphabet = rng.choice(list(SCRIPTS.values()))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))


def number():
    kind = rng.random()
    if kind < 0.4:
        return str(rng.randint(0, 100))
    if kind < 0.7:
        return str(rng.randint(0, 10 ** rng.randint(2, 9)))
    if kind < 0.85:
        return f"{rng.random() * 1000:.{rng.randint(1, 4)}f}"
    return f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def run():
    c = rng.choice(string.punctuation + string.ascii_letters + " ")
    return c * rng.randint(2, 40)


def sentence():
    parts = []
    for _ in range(rng.randint(3, 18)):
        r = rng.random()
        if r < 0.80:
            parts.append(zipf_word())
        elif r < 0.87:
            parts.append(number())
        elif r < 0.92:
            parts.append(foreign_word())
        elif r < 0.96:
            parts.append(run())
        elif r < 0.98:
            parts.append(rng.choice(EMOJI))
        else:
            parts.append(rng.choice(string.punctuation) + zipf_word() + rng.choice(string.punctuation))
    text = " ".join(parts)
    return text + rng.choice([".", ".", ".", "!", "?", "...", "!!!", ":", ";", ""])


def code_line():
    indent = " " * (4 * rng.randint(0, 4)) if rng.random() < 0.8 else "\t" * rng.randint(1, 3)
    name = zipf_word()
    return indent + rng.choice([
        f"{name} = {number()}",
        f"if ({name} == {zipf_word()}) {{",
        f"return {name}({zipf_word()}, {number()});",
        f"# {sentence()}",
        f"// {'-' * rng.randint(8, 70)}",
        f"| {name} | {number()} | {zipf_word()} |",
        "|" + "|".join("-" * rng.randint(3, 20) for _ in range(rng.randint(2, 5))) + "|",
        "=" * rng.randint(4, 80),
        "}",
    ])


def training_text(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            line = code_line() if rng.random() < 0.25 else sentence()
            f.write(line + "\n")


def train(text, prefix, vocab_size, **options):
    spm.SentencePieceTrainer.train(
        input=text, model_prefix=prefix, model_type="bpe", vocab_size=vocab_size,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=2,
        input_sentence_size=400000, shuffle_input_sentence=True, minloglevel=2, **options)


def hard_cases():
    cases = [""]
    chars = string.punctuation + string.ascii_letters
    for c in chars:
        for n in range(2, 71):
            cases.append(c * n)
    for c in chars:
        for n in (2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 60, 70):
            cases.append(" " + c * n)
            cases.append("x" + c * n)
            cases.append(f"{zipf_word()} {c * n} {zipf_word()}")
    for n in range(1, 41):
        cases += [" " * n, "\t" * n, "\n" * n, "a" + " " * n + "b", " " * n + "word", "word" + " " * n]
    cases += ["\r\n", "a\r\nb", " \t\n \t", "\t\tindented", "line one\nline two\n\nline four", "\u00a0", "a\u00a0b",
              "\u3000full width space", "\u2028", "\u200b", "tab\there", "   leading", "trailing   ", "  two  spaces  "]
    for n in range(1, 30):
        cases.append("".join(rng.choice(string.digits) for _ in range(n)))
        cases.append(str(n) * n)
    cases += ["3.14159", "1,000,000", "2026-12-04", "+1 (555) 010-9999", "0x1F600", "1e-9", "v2.0.1", "٣٤٥", "१२३", "１２３"]
    cases += ["naïve café", "Ünïcödé", "e\u0301", "\u00e9", "Straße", "İstanbul", "ﬁ ligature", "Ⅻ", "㎏", "ｶﾀｶﾅ", "ＡＢＣ",
              "Привет, мир!", "Γειά σου κόσμε", "你好，世界", "こんにちは世界", "안녕하세요", "مرحبا بالعالم", "שלום עולם",
              "नमस्ते दुनिया", "สวัสดีชาวโลก", "mixed English и русский 和中文 😀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𐍈𐌰𐌹", "\U0010fffd", "\ufffd",
              "\x01\x02\x7f", "a\x00b", "<s>", "</s>", "<unk>", "<0x41>", "▁", "▁▁x", "<s> hello </s>"]
    cases += EMOJI + ["".join(EMOJI), "👩‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏿‍🚀", "🫠🫡"]
    for _ in range(600):
        cases.append(sentence())
    for _ in range(200):
        cases.append("\n".join(code_line() for _ in range(rng.randint(1, 6))))
    # Random code points from many blocks, rare ones included (byte fallback or <unk>).
    blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x4ff), (0x600, 0x6ff), (0x900, 0x97f), (0x3040, 0x30ff),
              (0x4e00, 0x9fff), (0xac00, 0xd7a3), (0x1f300, 0x1faff), (0x10000, 0x1007f), (0xe000, 0xe0ff)]
    for _ in range(400):
        text = ""
        for _ in range(rng.randint(1, 20)):
            lo, hi = rng.choice(blocks)
            text += chr(rng.randint(lo, hi))
        cases.append(text)
    # Very long lines.
    cases.append(" ".join(sentence() for _ in range(400)))
    cases.append("=" * 5000)
    cases.append("ab" * 3000)
    cases.append(" " * 3000 + "end")
    cases.append("".join(rng.choice(string.printable) for _ in range(8000)))
    return list(dict.fromkeys(cases))


def write_reference(model, cases, path):
    sp = spm.SentencePieceProcessor(model_file=model)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        for text in cases:
            ids = sp.encode(text)
            record = {"text": text, "ids": ids, "decoded": sp.decode(ids)}
            f.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        training_text(text, 300000)
        train(text, os.path.join(tmp, "llama"), 16000,
              normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
              byte_fallback=True, split_digits=True, allow_whitespace_only_pieces=True, max_sentencepiece_length=16,
              character_coverage=0.9995, split_by_unicode_script=True, split_by_whitespace=True)
        train(text, os.path.join(tmp, "nmt"), 1000, character_coverage=0.98)
        for name in ("llama", "nmt"):
            with open(os.path.join(tmp, name + ".model"), "rb") as src, open(os.path.join(OUT, name + ".model"), "wb") as dst:
                dst.write(src.read())
    cases = hard_cases()
    for name in ("llama", "nmt"):
        write_reference(os.path.join(OUT, name + ".model"), cases, os.path.join(OUT, name + "_ids.jsonl.gz"))
    print(f"{len(cases)} strings")


if __name__ == "__main__":
    main()
