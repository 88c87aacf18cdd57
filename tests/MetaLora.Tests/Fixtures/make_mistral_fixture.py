"""Writes mistral_tiny/: a tiny random Mistral checkpoint in Hugging Face's layout, and the logits of an
independent float64 NumPy forward pass written from the architecture's definition (RMSNorm, rotary
embeddings rotating dimension pairs (i, i + D/2), grouped-query attention with causal, sliding-window
and padding masks, SwiGLU MLP, untied head). The C# model must reproduce them.

Run with Debian's python3 and python3-numpy (1.24): /usr/bin/python3 make_mistral_fixture.py
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mistral_tiny")

config = {
    "architectures": ["MistralForCausalLM"],
    "bos_token_id": 1,
    "eos_token_id": 2,
    "head_dim": 8,  # explicit, and not hidden_size / num_attention_heads (= 6)
    "hidden_act": "silu",
    "hidden_size": 24,
    "initializer_range": 0.02,
    "intermediate_size": 40,
    "max_position_embeddings": 64,
    "model_type": "mistral",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "sliding_window": 5,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "vocab_size": 40,
}
V, H, I, L = config["vocab_size"], config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
NH, NKV, D = config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
EPS, THETA, WINDOW = config["rms_norm_eps"], config["rope_theta"], config["sliding_window"]

rng = np.random.default_rng(20261202)
weights = {}


def param(name, *shape, scale=0.2):
    weights[name] = rng.normal(0.0, scale, size=shape).astype(np.float32)


param("model.embed_tokens.weight", V, H, scale=1.0)
for i in range(L):
    p = f"model.layers.{i}."
    param(p + "self_attn.q_proj.weight", NH * D, H)
    param(p + "self_attn.k_proj.weight", NKV * D, H)
    param(p + "self_attn.v_proj.weight", NKV * D, H)
    param(p + "self_attn.o_proj.weight", H, NH * D)
    param(p + "mlp.gate_proj.weight", I, H)
    param(p + "mlp.up_proj.weight", I, H)
    param(p + "mlp.down_proj.weight", H, I)
    weights[p + "input_layernorm.weight"] = (1 + rng.normal(0, 0.1, H)).astype(np.float32)
    weights[p + "post_attention_layernorm.weight"] = (1 + rng.normal(0, 0.1, H)).astype(np.float32)
weights["model.norm.weight"] = (1 + rng.normal(0, 0.1, H)).astype(np.float32)
param("lm_head.weight", V, H)


def write_safetensors(path, tensors):
    """The safetensors layout: u64 header length, compact JSON header (space-padded to 8), raw data."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        data = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# Batch: row 0 is 8 real tokens; row 1 is left-padded by 3 (ids 0 under mask 0).
ids = np.array([[1, 7, 12, 33, 5, 19, 27, 8], [0, 0, 0, 1, 22, 3, 39, 14]])
mask = np.array([[1] * 8, [0, 0, 0, 1, 1, 1, 1, 1]])
positions = np.maximum(np.cumsum(mask, 1) - 1, 0)  # real tokens count from 0 in every row
B, T = ids.shape
w = {k: v.astype(np.float64) for k, v in weights.items()}


def rms_norm(x, weight):
    return weight * x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)


def rotate(x, pos):
    """x (T, D) at positions pos (T): each pair (j, j + D/2) turns by angle pos * THETA^(-2j/D)."""
    half = D // 2
    angle = pos[:, None] * THETA ** (-2.0 * np.arange(half) / D)[None, :]
    c, s = np.cos(angle), np.sin(angle)
    a, b = x[:, :half], x[:, half:]
    return np.concatenate([a * c - b * s, b * c + a * s], axis=1)


def silu(x):
    return x / (1 + np.exp(-x))


h = w["model.embed_tokens.weight"][ids]  # (B, T, H)
for i in range(L):
    p = f"model.layers.{i}."
    x = rms_norm(h, w[p + "input_layernorm.weight"])
    out = np.zeros((B, T, NH * D))
    for bi in range(B):
        q = x[bi] @ w[p + "self_attn.q_proj.weight"].T  # (T, NH*D)
        k = x[bi] @ w[p + "self_attn.k_proj.weight"].T
        v = x[bi] @ w[p + "self_attn.v_proj.weight"].T
        for head in range(NH):
            kv = head // (NH // NKV)  # query heads share key/value heads in consecutive groups
            qh = rotate(q[:, head * D:(head + 1) * D], positions[bi])
            kh = rotate(k[:, kv * D:(kv + 1) * D], positions[bi])
            vh = v[:, kv * D:(kv + 1) * D]
            for t in range(T):
                visible = [j for j in range(T) if j <= t and t - j < WINDOW and mask[bi, j] == 1]
                if not visible:
                    continue  # a padding query: its output is never used
                scores = np.array([qh[t] @ kh[j] for j in visible]) / np.sqrt(D)
                probs = np.exp(scores - scores.max())
                probs /= probs.sum()
                out[bi, t, head * D:(head + 1) * D] = probs @ vh[visible]
    h = h + out @ w[p + "self_attn.o_proj.weight"].T
    x = rms_norm(h, w[p + "post_attention_layernorm.weight"])
    gate = x @ w[p + "mlp.gate_proj.weight"].T
    up = x @ w[p + "mlp.up_proj.weight"].T
    h = h + (silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
logits = rms_norm(h, w["model.norm.weight"]) @ w["lm_head.weight"].T

os.makedirs(OUT, exist_ok=True)
write_safetensors(os.path.join(OUT, "model.safetensors"), weights)
with open(os.path.join(OUT, "config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
with open(os.path.join(OUT, "expected_logits.json"), "w") as f:
    json.dump({
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "position_ids": positions.tolist(),
        # Logits of real tokens only; padding positions are null.
        "logits": [[logits[bi, t].tolist() if mask[bi, t] else None for t in range(T)] for bi in range(B)],
    }, f)
print("wrote", OUT)
