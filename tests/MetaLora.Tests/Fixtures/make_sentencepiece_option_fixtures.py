"""Writes two more small SentencePiece BPE models into sentencepiece/, for the options the Llama-style
and nmt models do not exercise, with Google SentencePiece's ids (and decoding) for the same hard
strings as make_sentencepiece_fixtures.py plus strings around the user-defined pieces:

* options.model: identity normalisation, byte fallback, no dummy prefix, user-defined pieces, and
  20 ordinary pieces turned into UNUSED ones afterwards (SentencePiece still merges through them, then
  splits them back), which needs editing the model proto;
* suffix.model: treat_whitespace_as_suffix (the space is appended, not prepended), identity.

Run with Debian's python3, python3-sentencepiece (0.1.97) and python3-protobuf (3.21):
    /usr/bin/python3 make_sentencepiece_option_fixtures.py
"""
import os
import tempfile

from sentencepiece import sentencepiece_model_pb2 as model_pb2

import make_sentencepiece_fixtures as shared

USER_DEFINED = ["<tool>", "==>", "ab", "Ελ", "😀"]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        shared.training_text(text, 60000)
        shared.train(text, os.path.join(tmp, "options"), 3000,
                     normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=False,
                     byte_fallback=True, split_digits=True, allow_whitespace_only_pieces=True, character_coverage=0.9995,
                     user_defined_symbols=USER_DEFINED)
        shared.train(text, os.path.join(tmp, "suffix"), 2000,
                     normalization_rule_name="identity", remove_extra_whitespaces=False, treat_whitespace_as_suffix=True,
                     byte_fallback=True, character_coverage=0.9995)

        proto = model_pb2.ModelProto()
        proto.ParseFromString(open(os.path.join(tmp, "options.model"), "rb").read())
        multi = [p for p in proto.pieces if p.type == model_pb2.ModelProto.SentencePiece.NORMAL and len(p.piece) >= 2]
        for piece in multi[40:60]:
            piece.type = model_pb2.ModelProto.SentencePiece.UNUSED
        with open(os.path.join(shared.OUT, "options.model"), "wb") as f:
            f.write(proto.SerializeToString())
        with open(os.path.join(tmp, "suffix.model"), "rb") as src, open(os.path.join(shared.OUT, "suffix.model"), "wb") as dst:
            dst.write(src.read())

    cases = shared.hard_cases() + [
        "<tool>", "<tool><tool>", "x<tool>y", " <tool> ", "==>==>", "=====>", "abab", "aab", " ab ", "Ελληνικά", "😀😀",
        "<too", "tool>", "a<tool>b==>c",
    ]
    cases = list(dict.fromkeys(cases))
    for name in ("options", "suffix"):
        shared.write_reference(os.path.join(shared.OUT, name + ".model"), cases, os.path.join(shared.OUT, name + "_ids.jsonl.gz"))
    print(f"{len(cases)} strings")


if __name__ == "__main__":
    main()
