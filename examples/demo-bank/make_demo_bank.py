"""Writes the demo bank: eight Natural-Instructions-style tasks in three families, as JSONL splits.

Deterministic (seeded). Run from this folder: python3 make_demo_bank.py
"""
import json
import os
import random

WORDS = ("river stone apple cloud green music paper window garden silver bread candle forest "
         "yellow mirror ocean pencil summer winter basket").split()
POSITIVE = "good great lovely happy bright kind calm warm".split()
NEGATIVE = "bad awful sad angry dark cruel cold grim".split()


def caesar(text, shift):
    return "".join(chr((ord(c) - 97 + shift) % 26 + 97) if c.islower() else c for c in text)


def sample(rng, family, variant):
    words = rng.sample(WORDS, rng.randint(3, 6))
    text = " ".join(words)
    if family == "caesar":
        return f"Shift every letter {variant} places forward in the alphabet.", text, caesar(text, variant)
    if family == "words":
        if variant == "reverse":
            return "Write the words in reverse order.", text, " ".join(reversed(words))
        if variant == "sort":
            return "Write the words in alphabetical order.", text, " ".join(sorted(words))
        return "Write the first two words.", text, " ".join(words[:2])
    mood = rng.choice(["positive", "negative"])
    cue = rng.sample(POSITIVE if mood == "positive" else NEGATIVE, 2)
    sentence = f"the {words[0]} was {cue[0]} and the {words[1]} felt {cue[1]}"
    if variant == "label":
        return "Is the sentiment of the sentence positive or negative?", sentence, mood
    return "Answer yes if the sentence is positive, otherwise no.", sentence, "yes" if mood == "positive" else "no"


TASKS = [("caesar", 1), ("caesar", 2), ("caesar", 3),
         ("words", "reverse"), ("words", "sort"), ("words", "first2"),
         ("sentiment", "label"), ("sentiment", "yesno")]


def main():
    names = [f"task{i:03d}_{family}_{variant}" for i, (family, variant) in enumerate(TASKS)]
    with open("bank.json", "w") as f:
        json.dump({"name": "demo", "tokenizer": {"kind": "tiktoken", "model": "gpt2"},
                   "vocab_size": 50257, "tasks": names}, f, indent=2)
        f.write("\n")
    for index, ((family, variant), name) in enumerate(zip(TASKS, names)):
        rng = random.Random(index)
        os.makedirs(f"datasets/{name}", exist_ok=True)
        for split, count in (("train", 40), ("valid", 8), ("test", 8)):
            with open(f"datasets/{name}/{split}.jsonl", "w") as f:
                for k in range(count):
                    definition, text, answer = sample(rng, family, variant)
                    f.write(json.dumps({"id": f"{name}-{split}-{k}",
                                        "input": f"Definition: {definition}\n\nInput: {text}\n\nOutput:",
                                        "output": [answer]}) + "\n")


if __name__ == "__main__":
    main()
