"""Writes the demo bank: eight Natural-Instructions-style tasks in three families, as JSONL splits,
and one small PEFT LoRA adapter per task.

The adapters are synthetic, not trained: each is its family's shared weights plus task-specific
noise, so tasks of a family have related adapters, as trained ones would. They have the layout of a
real PEFT adapter (r = 4 on q_proj and v_proj of a 2-layer model with hidden size 64), small enough
to commit, and exercise the Predict target end to end.

Deterministic (seeded). Run from this folder: python3 make_demo_bank.py
"""
import json
import os
import random
import struct

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
    write_adapters(names)


LAYERS, HIDDEN, KV, RANK = 2, 64, 16, 4


def adapter_tensors():
    """PEFT key names and shapes: lora_A is (r, in_features), lora_B is (out_features, r)."""
    for layer in range(LAYERS):
        for module, out in (("q_proj", HIDDEN), ("v_proj", KV)):
            prefix = f"base_model.model.model.layers.{layer}.self_attn.{module}"
            yield f"{prefix}.lora_A.weight", (RANK, HIDDEN)
            yield f"{prefix}.lora_B.weight", (out, RANK)


def write_safetensors(path, tensors):
    """The safetensors layout: u64 little-endian header length, JSON header padded with spaces to 8 bytes, raw F32 data."""
    header, data, offset = {"__metadata__": {"format": "pt"}}, b"", 0
    for name, shape, values in tensors:
        raw = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def write_adapters(names):
    families = sorted({family for family, _ in TASKS})
    rng = random.Random(1234)

    def normal(shape, std):
        return [rng.gauss(0, std) for _ in range(shape[0] * shape[1])]

    shared = {family: {name: normal(shape, 0.02) for name, shape in adapter_tensors()} for family in families}
    for (family, _), name in zip(TASKS, names):
        folder = f"adapters/{name}"
        os.makedirs(folder, exist_ok=True)
        tensors = [(key, shape, [a + b for a, b in zip(shared[family][key], normal(shape, 0.01))]) for key, shape in adapter_tensors()]
        write_safetensors(f"{folder}/adapter_model.safetensors", tensors)
        config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "demo-tiny-mistral",
                  "r": RANK, "lora_alpha": 2 * RANK, "lora_dropout": 0.0, "bias": "none",
                  "target_modules": ["q_proj", "v_proj"], "fan_in_fan_out": False, "inference_mode": True}
        with open(f"{folder}/adapter_config.json", "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
