"""Writes the safetensors and PEFT fixtures that SafetensorsFixtureTests and PeftAdapterTests read.

The Python `safetensors` package is not packaged for this machine's Debian, so the files are laid
out here by hand with struct and json exactly as its serializer lays them out (compact JSON,
"__metadata__" first, header padded with spaces to a multiple of 8, tensors back to back). The
numbers, and every fp16/bf16 bit pattern, come from PyTorch.

Run from this folder with Debian's python3-torch: /usr/bin/python3 make_safetensors_fixtures.py
"""
import json
import os
import struct

import numpy as np
import torch

DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
    torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: go through the same-size int16 view
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().newbyteorder("<").tobytes() if t.numel() else b""


def save(path, tensors, metadata=None):
    """tensors: list of (name, torch tensor) in file order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name, t in tensors:
        data = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def reference_file():
    save("st_reference.safetensors", [
        ("i64", torch.tensor([-1, 0, 2**40], dtype=torch.int64)),
        ("matrix", torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1),
        ("scalar", torch.tensor(3.25, dtype=torch.float32)),
        ("empty", torch.zeros(0, 4, dtype=torch.float32)),
        ("i32", torch.tensor([[1, -2], [3, 2**31 - 1]], dtype=torch.int32)),
        ("bf16", torch.tensor([1.0, -2.5, 1e-3, 3e38], dtype=torch.float32).to(torch.bfloat16)),
        ("f16", torch.tensor([[0.1, -65504.0], [6e-8, 1.0]], dtype=torch.float32).to(torch.float16)),
        ("u8", torch.tensor([0, 128, 255], dtype=torch.uint8)),
        ("flags", torch.tensor([True, False])),
    ], {"format": "pt"})


def bits_to_f32(bits):
    return torch.from_numpy(np.asarray(bits, dtype=np.uint32).view(np.float32).copy())


def conversion_file():
    rng = np.random.RandomState(0)
    edge = [
        0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000,  # zeros, ones, infinities
        0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x807FFFFF, 0x00800000,  # float32 extremes and subnormals
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000,  # fp16 max, just below/at/above overflow
        0x38800000, 0x387FFFFF, 0x387FC000, 0x387FE000,  # around fp16's smallest normal
        0x33800000, 0x33800001, 0x33000000, 0x33000001, 0x32FFFFFF,  # 2^-24, 2^-25 (tie to zero) and neighbours
        0x33C00000, 0x34200000,  # 1.5 and 2.5 times 2^-24: subnormal ties to even
        0x3F801000, 0x3F803000, 0x3F808000, 0x3F818000, 0x3F80FFFF,  # 1 + ties for fp16 and bf16
        0x7F7F8000, 0x7F7F7FFF,  # bf16 overflow to infinity and just below
    ]
    random_bits = rng.randint(0, 2**32, size=2048, dtype=np.uint64).astype(np.uint32)
    # Exact midpoints between neighbouring fp16 / bf16 values: the round-half-to-even cases.
    halves = rng.randint(0, 0x7BFF, size=512).astype(np.uint16)
    lo = torch.from_numpy(halves.view(np.float16).copy()).to(torch.float32)
    hi = torch.from_numpy((halves + 1).astype(np.uint16).view(np.float16).copy()).to(torch.float32)
    f16_ties = ((lo + hi) / 2).numpy().view(np.uint32)
    bf16_ties = (rng.randint(0, 0x7F7F, size=512).astype(np.uint32) << 16) | 0x8000
    subnormal_region = rng.uniform(-2**-13, 2**-13, size=512).astype(np.float32).view(np.uint32)
    nans = [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF]

    bits = np.concatenate([np.asarray(edge, dtype=np.uint32), random_bits, f16_ties, bf16_ties, subnormal_region,
                           np.asarray(nans, dtype=np.uint32)])
    x = bits_to_f32(bits)
    f16 = x.to(torch.float16)
    bf16 = x.to(torch.bfloat16)
    save("st_conversions.safetensors", [
        ("input", x),
        ("f16", f16),
        ("bf16", bf16),
        ("f16_f32", f16.to(torch.float32)),
        ("bf16_f32", bf16.to(torch.float32)),
    ])


def peft_adapter():
    os.makedirs("peft_adapter", exist_ok=True)
    # The fields PEFT 0.13+ writes for a LoRA config, in PEFT's layout (indent 2, sorted keys),
    # plus one field no PEFT version knows, which copying must keep.
    config = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "mistralai/Mistral-7B-v0.1",
        "bias": "none", "eva_config": None, "exclude_modules": None, "fan_in_fan_out": False,
        "inference_mode": True, "init_lora_weights": True, "layer_replication": None, "layers_pattern": None,
        "layers_to_transform": None, "loftq_config": {}, "lora_alpha": 16, "lora_bias": False,
        "lora_dropout": 0.05, "megatron_config": None, "megatron_core": "megatron.core",
        "modules_to_save": None, "peft_type": "LORA", "r": 4, "rank_pattern": {}, "revision": None,
        "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM", "use_dora": False,
        "use_rslora": False, "x_future_field": {"nested": [1, 2.5, "text"], "flag": True},
    }
    with open("peft_adapter/adapter_config.json", "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))

    torch.manual_seed(0)
    tensors = []
    for layer in range(2):
        for proj in ("q_proj", "v_proj"):
            prefix = f"base_model.model.model.layers.{layer}.self_attn.{proj}"
            tensors.append((f"{prefix}.lora_A.weight", torch.randn(4, 8)))
            tensors.append((f"{prefix}.lora_B.weight", torch.randn(8, 4)))
    tensors.sort(key=lambda item: item[0])  # safetensors orders same-dtype tensors by name
    save("peft_adapter/adapter_model.safetensors", tensors, {"format": "pt"})


if __name__ == "__main__":
    reference_file()
    conversion_file()
    peft_adapter()
