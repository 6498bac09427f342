#!/usr/bin/python3
"""An independent reader of safetensors files (json and struct only), run by
test_safetensors to check that maskcast's files follow the format.

Usage: safetensors_check.py FILE
Prints, per tensor in data order, "NAME [d0, d1] SUM" (SUM: the float64 sum of
its F32 values in order, "%.17g"), then "meta KEY=VALUE" sorted by key. Exits
non-zero with a message when the file breaks the format.
"""
import json
import struct
import sys


def fail(msg):
    sys.exit(f"{sys.argv[1]}: {msg}")


def unique(pairs):
    if len({k for k, _ in pairs}) != len(pairs):
        fail("duplicate key in the header")
    return dict(pairs)


def is_size(x):
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 2**53


blob = open(sys.argv[1], "rb").read()
if len(blob) < 8:
    fail("shorter than 8 bytes")
(n,) = struct.unpack("<Q", blob[:8])
if n > 100_000_000 or 8 + n > len(blob):
    fail(f"header length {n} is out of range")
text = blob[8:8 + n].decode("utf-8")
if not text.startswith("{"):
    fail("the header is not a JSON object")
header = json.loads(text, object_pairs_hook=unique)
data = blob[8 + n:]
meta = header.pop("__metadata__", {})
if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
    fail("__metadata__ is not an object of strings")
lines, pos = [], 0
for name, t in sorted(header.items(), key=lambda kv: (kv[1]["data_offsets"], kv[0])):
    shape, offs = t["shape"], t["data_offsets"]
    if not 0 < len(name) <= 255 or t["dtype"] != "F32" or len(shape) > 4:
        fail(f"tensor {name!r}: bad name, dtype or rank")
    if not all(map(is_size, shape + offs)) or len(offs) != 2:
        fail(f"tensor {name!r}: shape or offsets are not sizes")
    count = 1
    for d in shape:
        count *= d
    if offs[0] != pos or offs[1] - offs[0] != 4 * count or offs[1] > len(data):
        fail(f"tensor {name!r}: offsets {offs} do not follow {pos} or fit {count} floats")
    pos = offs[1]
    total = 0.0
    for (v,) in struct.iter_unpack("<f", data[offs[0]:offs[1]]):
        total += v
    lines.append(f"{name} {shape} {total:.17g}")
if pos != len(data):
    fail(f"bytes [{pos}, {len(data)}) belong to no tensor")
lines += [f"meta {k}={meta[k]}" for k in sorted(meta)]
print("\n".join(lines))
