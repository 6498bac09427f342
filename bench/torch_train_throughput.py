#!/usr/bin/python3
"""The training step of mc_bench_train in PyTorch: samples per second.

    /usr/bin/python3 bench/torch_train_throughput.py [--hidden D] [--batch B]
        [--samples N] [--threads T] [--intra-op-threads T1] [--label LABEL]
        [--lookback L] [--horizon H] [--horizon-rank R] [--past-channels Cp]
        [--future-channels Cf]

The same network (bench/torch_net.py, float32), shapes, data sizes and step
as bench/train_throughput.c: forward, the MAE loss normalised as
mc_loss_eval (all weights 1), backward, global gradient-norm clipping at 1,
torch.optim.AdamW (lr 1e-3, weight decay 1e-4 on weight matrices only, as
maskcast). Random data, 4 batches cycled, 3 warm-up steps, then an "epoch"
of N samples (default 16384). Also times forecasts (forward only, under
torch.no_grad): batch 1 latency and batch B throughput.

Threads: torch.set_num_threads(T) with T from --intra-op-threads, else
--threads, else OPENBLAS_NUM_THREADS, else 2. Debian's torch runs its
element-wise kernels on an OpenMP pool of that size and calls OpenBLAS for
sgemm, and OpenBLAS keeps its own pthread pool sized by OPENBLAS_NUM_THREADS
(the runner sets it to --threads). Both pools spin while they wait, so with
T = OPENBLAS_NUM_THREADS = the number of cores they take the cores from each
other; --intra-op-threads 1 (OpenBLAS still on all the threads) avoids that.

Prints one line per measurement, as mc_bench_train does (LABEL is --label,
default "pytorch"):
    LABEL_train hidden=D ... samples_per_s=X ... peak_rss_bytes=R
    LABEL_forecast hidden=D ... latency_us=U batch_samples_per_s=S
"""

import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_net import MaskcastNet, loss_fn  # noqa: E402

N_POOL = 4
WARMUP_STEPS = 3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--samples", type=int, default=16384)
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("OPENBLAS_NUM_THREADS", "2") or 2))
    ap.add_argument("--intra-op-threads", type=int, default=0,
                    help="torch.set_num_threads (default: --threads)")
    ap.add_argument("--label", default="pytorch")
    ap.add_argument("--lookback", type=int, default=168)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--horizon-rank", type=int, default=0, help="0: the full W_a")
    ap.add_argument("--past-channels", type=int, default=2)
    ap.add_argument("--future-channels", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(args.intra_op_threads or args.threads)
    torch.manual_seed(1)

    cfg = {"lookback": args.lookback, "horizon": args.horizon, "hidden": args.hidden,
           "past_channels": args.past_channels, "future_channels": args.future_channels,
           "activation": "relu", "mask_kind": "sigmoid", "anomaly_mask": True,
           "horizon_masks": True, "skip": True, "loss": "mae",
           "mask_local": True, "mask_penalty": 0.1,  # maskcast's defaults
           "horizon_rank": args.horizon_rank}
    net = MaskcastNet(cfg)
    B, H, L, n_in, n_past = args.batch, net.H, net.L, net.n_in, net.n_past
    xs, targets = [], []
    for _ in range(N_POOL):
        x = torch.rand(B, n_in) * 4 - 2
        x[:, n_past:n_past + L] = 1.0  # observed flags
        xs.append(x)
        targets.append(torch.rand(B, H) * 4 - 2)
    weight = torch.ones(B, H)
    opt = torch.optim.AdamW(net.decay_groups(1e-4), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def step(i):
        y, parts = net(xs[i % N_POOL], return_parts=True)
        loss = loss_fn("mae", y, targets[i % N_POOL], weight) + net.mask_penalty(parts)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        return loss.item()

    for i in range(WARMUP_STEPS):
        step(i)
    steps = (args.samples + B - 1) // B
    t0 = time.perf_counter()
    total = 0.0
    for i in range(steps):
        total += step(i)
    seconds = time.perf_counter() - t0
    params = sum(p.numel() for p in net.parameters())

    lat, bat = [], []
    with torch.no_grad():
        for i in range(420):
            x1 = xs[i % N_POOL][i % B:i % B + 1]
            a = time.perf_counter()
            net(x1)
            if i >= 20:
                lat.append(time.perf_counter() - a)
        for i in range(33):
            a = time.perf_counter()
            net(xs[i % N_POOL])
            if i >= 3:
                bat.append(time.perf_counter() - a)
    lat.sort()
    bat.sort()
    med = lambda v: v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(f"{args.label}_train hidden={args.hidden} batch={B} lookback={L} horizon={H} "
          f"horizon_rank={args.horizon_rank} "
          f"past_channels={args.past_channels} future_channels={args.future_channels} n_in={n_in} "
          f"params={params} threads={torch.get_num_threads()} openblas_threads={blas} "
          f"steps={steps} samples={steps * B} "
          f"seconds={seconds:.6f} samples_per_s={steps * B / seconds:.2f} "
          f"mean_loss={total / steps:.6f} peak_rss_bytes={rss} torch={torch.__version__}")
    print(f"{args.label}_forecast hidden={args.hidden} threads={torch.get_num_threads()} "
          f"latency_us={med(lat) * 1e6:.2f} latency_min_us={lat[0] * 1e6:.2f} batch={B} "
          f"batch_ms={med(bat) * 1e3:.4f} batch_samples_per_s={B / med(bat):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
