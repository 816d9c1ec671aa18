#!/usr/bin/env python3
"""Writes the safetensors fixtures of tests/unit/test_weights.c.

An independent writer of the format, using only Python's struct and json
modules (no safetensors, numpy or torch), so the C writer is checked against
bytes it did not produce:

    python3 tools/make_safetensors_fixtures.py tests/weights

Files written into the given directory:

  f32.safetensors   what lstmc_weights_save must write byte for byte for
  f64.safetensors   the same tensors: compact JSON with sorted keys, padded
                    with spaces to a multiple of 8, data in the listed order.
  reference_layout.safetensors
                    the same F64 tensors laid out as the safetensors
                    reference library lays them out: tensor fields in the
                    order dtype, shape, data_offsets, data sorted by name,
                    an extra "format" metadata key. lstmc_weights_load must
                    accept it although the bytes differ.

Element k of tensor number t (0-based, in the order below) is
((37 k + 11 t) mod 29 - 14) / 3 in double, rounded to float for F32; the C
test computes the same values.
"""
import json
import os
import struct
import sys

METADATA = {"lstmc.model": "prévision", "lstmc.spec_hash": "9c1e5ab0d37f2e64"}

# (name, shape) in the order lstmc writes them.
TENSORS = [
    ("lstm/kernel", [3, 8]),
    ("lstm/recurrent_kernel", [2, 8]),
    ("lstm/bias", [8]),
    ("dense/kernel", [2, 1]),
    ("dense/bias", [1]),
    ("step", []),
    ("empty", [0, 3]),
]

FORMATS = {"F32": ("<f", 4), "F64": ("<d", 8)}


def value(t, k):
    return ((37 * k + 11 * t) % 29 - 14) / 3.0


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def tensor_bytes(t, shape, dtype):
    fmt, _ = FORMATS[dtype]
    return b"".join(struct.pack(fmt, value(t, k)) for k in range(count(shape)))


def safetensors(header, blobs, sort_keys):
    """u64 header length, the JSON header padded with spaces to a multiple
    of 8, then the data. sort_keys: lstmc's order; otherwise insertion
    order, as the reference library prints its fields."""
    text = json.dumps(header, sort_keys=sort_keys, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def lstmc_file(dtype):
    header = {"__metadata__": METADATA}
    blobs = []
    offset = 0
    for t, (name, shape) in enumerate(TENSORS):
        blob = tensor_bytes(t, shape, dtype)
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [offset, offset + len(blob)],
        }
        offset += len(blob)
        blobs.append(blob)
    return safetensors(header, blobs, sort_keys=True)


def reference_file():
    metadata = dict(METADATA)
    metadata["format"] = "pt"
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    numbered = sorted(enumerate(TENSORS), key=lambda item: item[1][0])
    for t, (name, shape) in numbered:
        blob = tensor_bytes(t, shape, "F64")
        header[name] = {
            "dtype": "F64",
            "shape": shape,
            "data_offsets": [offset, offset + len(blob)],
        }
        offset += len(blob)
        blobs.append(blob)
    return safetensors(header, blobs, sort_keys=False)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_safetensors_fixtures.py OUTDIR")
    out = sys.argv[1]
    files = {
        "f32.safetensors": lstmc_file("F32"),
        "f64.safetensors": lstmc_file("F64"),
        "reference_layout.safetensors": reference_file(),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
