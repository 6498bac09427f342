#!/usr/bin/env python3
"""Compares two maskcast model files tensor by tensor, reading safetensors
with the standard library alone: `exact` asks for the same bytes in every
tensor, `close ATOL RTOL` for |a - b| <= ATOL + RTOL max|b| in every value
(max|b| over the tensor: the calibration's errors are in the load's units,
the weights near 1).
Prints the largest difference; exit status 1 when they differ."""
import array
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        out[name] = (t["dtype"], t["shape"], body[lo:hi])
    return out


def main():
    a, b, mode = tensors(sys.argv[1]), tensors(sys.argv[2]), sys.argv[3]
    if sorted(a) != sorted(b):
        print("the files hold different tensors")
        return 1
    worst, values = 0.0, 0
    for name in sorted(a):
        (da, sa, ba), (db, sb, bb) = a[name], b[name]
        if da != db or sa != sb:
            print(f"{name}: {da} {sa} against {db} {sb}")
            return 1
        if mode == "exact":
            if ba != bb:
                print(f"{name}: the values differ")
                return 1
            continue
        atol, rtol = float(sys.argv[4]), float(sys.argv[5])
        code = {"F32": "f", "F64": "d"}.get(da)
        if code is None:  # integer tensors must match exactly
            if ba != bb:
                print(f"{name}: the values differ")
                return 1
            continue
        va, vb = array.array(code, ba), array.array(code, bb)
        scale = max((abs(y) for y in vb), default=0.0)
        for x, y in zip(va, vb):
            d = abs(x - y)
            worst = max(worst, d)
            values += 1
            if d > atol + rtol * scale:
                print(f"{name}: {x!r} against {y!r}, beyond {atol} + {rtol} x {scale:.3g}")
                return 1
    print(f"{len(a)} tensors, {values or 'all'} values agree; largest difference {worst:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
