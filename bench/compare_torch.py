#!/usr/bin/python3
"""Compares maskcast's forward outputs and gradients with the PyTorch network.

    /usr/bin/python3 bench/compare_torch.py [--rtol R] [--atol A] MODEL.safetensors DUMP.safetensors

DUMP is written by mc_bench_dump_batch for MODEL (a fixed batch, maskcast's
outputs, and its gradients for the mse, mae, huber and pinball losses).
The model is loaded into bench/torch_net.py twice, in float32 (the
comparison) and in float64 (a reference that shows how much of the
difference is float32 rounding on either side). Torch runs forward and
autograd backward on the same batch with the same loss definitions.

Check, per element of every compared tensor (ref = torch float32):

    |maskcast - ref| <= atol * max|ref| + rtol * |ref|

with rtol = 1e-3 and atol = 1e-4 by default: atol is relative to the
tensor's largest magnitude, since gradients of different tensors differ by
orders of magnitude. float32 rounding of sums over a few hundred terms
gives errors of about 1e-6 of the largest value; a wrong gradient term
gives errors of order 1. Columns: max|ref|, max|mc - ref| (abs), that
divided by max|ref| (norm), the largest |mc - ref| / |ref| over elements
with |ref| > 1e-3 max|ref| (rel), and max|mc - ref64| / max|ref64|
(norm64, maskcast against float64) next to the same for torch float32
(t32 norm64). Exit status 0 when every tensor passes, 1 otherwise.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_net import load_model, loss_fn, read_safetensors  # noqa: E402


def run_torch(path, dump, loss, dtype):
    net, cfg, _ = load_model(path, dtype=dtype)
    x = torch.from_numpy(dump["x"]).to(dtype).requires_grad_(True)
    target = torch.from_numpy(dump["target"]).to(dtype)
    weight = torch.from_numpy(dump["weight"]).to(dtype)
    y, parts = net(x, return_parts=True)
    value = loss_fn(loss["name"], y, target, weight, loss["huber_delta"], loss["quantiles"])
    value = value + net.mask_penalty(parts)
    net.zero_grad(set_to_none=True)
    y.retain_grad()
    value.backward()
    out = {"y": y, "loss": value.reshape(1), "dy": y.grad, "dx": x.grad}
    out.update(parts)
    out = {k: v.detach().to(torch.float64).numpy() for k, v in out.items()}
    for name, g in net.file_layout_grads().items():
        out["grad." + name] = g.astype(np.float64)
    return out, cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("dump")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4, help="relative to max|ref| of each tensor")
    args = ap.parse_args()
    torch.set_num_threads(1)

    dump, meta = read_safetensors(args.dump)
    if meta.get("format") != "maskcast-torch-compare":
        sys.exit(f"{args.dump}: not written by mc_bench_dump_batch")
    losses = json.loads(meta["losses"])
    rows, failed = [], []

    def check(label, mc, r32, r64):
        mc = mc.astype(np.float64)
        if mc.shape != r32.shape:
            failed.append(label)
            rows.append((label, str(mc.shape), "shape differs from torch " + str(r32.shape)))
            return
        scale = float(np.max(np.abs(r32))) if r32.size else 0.0
        diff = np.abs(mc - r32)
        ok = bool(np.all(diff <= args.atol * scale + args.rtol * np.abs(r32)))
        big = np.abs(r32) > 1e-3 * scale
        rel = float(np.max(diff[big] / np.abs(r32[big]))) if np.any(big) else 0.0
        s64 = float(np.max(np.abs(r64))) or 1.0
        norm = float(diff.max()) / scale if scale > 0 else float(diff.max())
        rows.append((label, "x".join(map(str, mc.shape)), scale, float(diff.max()), norm, rel,
                     float(np.max(np.abs(mc - r64))) / s64, float(np.max(np.abs(r32 - r64))) / s64,
                     "PASS" if ok else "FAIL"))
        if not ok:
            failed.append(label)

    cfg = None
    first = True
    kink = None
    for loss in losses:
        t32, cfg = run_torch(args.model, dump, loss, torch.float32)
        t64, _ = run_torch(args.model, dump, loss, torch.float64)
        if first:  # the forward pass does not depend on the loss
            for name in ("y", "pre0", "mask", "pre", "h", "attn"):
                if name in dump:
                    check(name, dump[name], t32[name], t64[name])
            pres = [np.abs(t64[n]).min() for n in ("pre0", "pre") if n in t64]
            kink = min(pres) if pres else None
            first = False
        name = loss["name"]
        check(f"{name}.loss", np.array([loss["value"]]), t32["loss"], t64["loss"])
        check(f"{name}.dy", dump[f"{name}.dy"], t32["dy"], t64["dy"])
        for key in sorted(k for k in dump if k.startswith(f"{name}.grad.")):
            tensor = key[len(f"{name}.grad."):]
            check(key, dump[key], t32["grad." + tensor], t64["grad." + tensor])
        check(f"{name}.dx", dump[f"{name}.dx"], t32["dx"], t64["dx"])

    switches = ", ".join(f"{k}={cfg.get(k, 0)}" for k in ("activation", "mask_kind", "anomaly_mask",
                                                          "horizon_masks", "horizon_rank", "skip",
                                                          "loss"))
    print(f"model {args.model}: L={cfg['lookback']} H={cfg['horizon']} Cp={cfg['past_channels']} "
          f"Cf={cfg['future_channels']} D={cfg['hidden']}; {switches}; batch {dump['x'].shape[0]}")
    if kink is not None and cfg["activation"] == "relu":
        print(f"smallest |pre-activation| in the batch (ReLU kink distance): {kink:.3g}")
    print(f"tolerance per element: |mc - t32| <= {args.atol:g} * max|t32| + {args.rtol:g} * |t32|")
    print(f"{'tensor':28s} {'shape':>10s} {'max|ref|':>10s} {'abs':>10s} {'norm':>10s} "
          f"{'rel':>10s} {'norm64':>10s} {'t32 norm64':>10s}")
    for r in rows:
        if len(r) == 3:
            print(f"{r[0]:28s} {r[1]:>10s} {r[2]}")
        else:
            print(f"{r[0]:28s} {r[1]:>10s} {r[2]:10.3e} {r[3]:10.3e} {r[4]:10.3e} {r[5]:10.3e} "
                  f"{r[6]:10.3e} {r[7]:10.3e} {r[8]}")
    worst = max((r for r in rows if len(r) > 3), key=lambda r: r[4])
    print(f"worst normalised difference: {worst[4]:.3e} ({worst[0]}); "
          f"{len(rows) - len(failed)}/{len(rows)} tensors within tolerance")
    if failed:
        print("FAIL: " + ", ".join(failed))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
