"""Shared helpers of the tests: the import path and the golden vectors."""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

VECTOR_DIR = os.path.join(ROOT, "..", "..", "protocol", "testdata", "vectors")
FLOAT_TABLE = os.path.join(ROOT, "..", "testdata", "floats.json")


def expand(b: object) -> bytes:
    """The bytes of a vector "bytes" field: a string, or an expansion object."""
    if isinstance(b, str):
        return b.encode("utf-8")
    assert isinstance(b, dict), b
    out = (b["prefix"] + b["fill"] * b["count"] + b["suffix"]).encode("utf-8")
    if len(out) != b["length"]:
        raise AssertionError(f"expansion is {len(out)} bytes, want {b['length']}")
    return out


def float_table() -> list[dict]:
    """bindings/testdata/floats.json: IEEE 754 bits and the text Go's
    encoding/json writes for them (see bindings/floats_test.go)."""
    with open(FLOAT_TABLE, encoding="utf-8") as f:
        return json.load(f)


def vectors() -> list[dict]:
    """Every golden vector, sorted by name."""
    out = []
    for name in sorted(os.listdir(VECTOR_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(VECTOR_DIR, name), encoding="utf-8") as f:
                v = json.load(f)
            v["_file"] = name
            out.append(v)
    return out
