"""maskcast's network (DESIGN.md section 4, src/nn/net.h) in PyTorch.

The same equations, batched, for comparing forward outputs and gradients with
maskcast (bench/compare_torch.py) and for timing the same training step
(bench/torch_train_throughput.py):

    x    = [vec(P) ; O ; vec(F)]                        (n_in)
    h0   = phi(x W_e + b_e)                             (D)
    m    = sigmoid(h0 W_m + b_m + u_c d^2)              (L*Cp)  anomaly mask
    x~   = [m . vec(P) ; O ; vec(F)]
    h    = phi(x~ W_e + b_e)                            (D)     the same mapping
    a    = sigmoid(h W_a + b_a)                         (H x D) per-horizon masks
           (or D * softmax over D per horizon: mean 1)
    or, with horizon_rank r > 0, from horizon embeddings:
    a_k  = sigmoid(phi(h U + e_k) W2 + b_a,k)           U (D x r), e_k (r), W2 (r x D)
    z_k  = a_k . h
    y_kq = z_k . V_kq + c_kq + (m . P_target) . S_kq    (H x Q)

phi is ReLU or the exact (erf) GELU. d is each past value minus the mean of
its two neighbours in the same channel (the one neighbour at the window's
ends); the u_c d^2 term is present when the configuration's mask_local is on.
Training adds mask_penalty * mean(1 - m) to the loss (`mask_penalty`).
Switches: no anomaly mask (m = 1, one pass of the feature mapping), no
horizon masks (a = 1), no skip.

Layout. maskcast stores weight matrices as (in, out) and multiplies x W; a
torch Linear keeps (out, in). The loader transposes feature.W (n_in, D),
anomaly.W (D, L*Cp) and horizon.W (D, H*D) into Linear weights; head.V
(H*Q, D) becomes a (H, Q, D) parameter, head.c (H*Q) a (H, Q) one, and
skip.S (H*Q, L) is already a Linear(L, H*Q) weight; horizon.U (D, r),
horizon.E (H, r), horizon.W2 (r, D) and, with them, horizon.b (H*D) are
plain parameters in the file's layout. `file_layout_grads`
maps the gradients back to the file's layout. Inputs: x is (B, n_in) with P
row-major L x Cp (the target first in each row), then O (L), then F
row-major H x Cf; outputs y are (B, H*Q) with index k*Q + q.

The safetensors reader is pure Python (struct, json, numpy): no third-party
safetensors package is needed.
"""

import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    """Returns ({name: numpy array}, {metadata key: string}) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * dtype.itemsize or end > len(body):
            raise ValueError(f"{path}: tensor {name} has inconsistent offsets")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, meta


class MaskcastNet(nn.Module):
    """The network for one configuration (the "config" JSON of a model file)."""

    def __init__(self, cfg, n_quantiles=None):
        super().__init__()
        self.L = int(cfg["lookback"])
        self.H = int(cfg["horizon"])
        self.Cp = int(cfg["past_channels"])
        self.Cf = int(cfg["future_channels"])
        self.D = int(cfg["hidden"])
        quantiles = cfg.get("quantiles") or []
        self.Q = n_quantiles or (len(quantiles) if cfg.get("loss") == "pinball" else 1)
        self.activation = cfg.get("activation", "relu")
        self.mask_kind = cfg.get("mask_kind", "sigmoid")
        self.anomaly_mask = bool(cfg.get("anomaly_mask", True))
        self.horizon_masks = bool(cfg.get("horizon_masks", True))
        self.skip_on = bool(cfg.get("skip", True))
        self.mask_local = self.anomaly_mask and bool(cfg.get("mask_local", False))
        # Files from before horizon embeddings have no rank: the full W_a.
        self.rank = int(cfg.get("horizon_rank", 0)) if self.horizon_masks else 0
        self.penalty = float(cfg.get("mask_penalty", 0.0)) if self.anomaly_mask else 0.0
        if self.activation not in ("relu", "gelu") or self.mask_kind not in ("sigmoid", "softmax"):
            raise ValueError("unknown activation or mask kind")
        self.n_past = self.L * self.Cp
        self.n_in = self.n_past + self.L + self.H * self.Cf
        L, H, D, Q = self.L, self.H, self.D, self.Q
        self.feature = nn.Linear(self.n_in, D)
        self.anomaly = nn.Linear(D, self.n_past) if self.anomaly_mask else None
        self.anomaly_u = nn.Parameter(torch.zeros(self.Cp)) if self.mask_local else None
        self.horizon = nn.Linear(D, H * D) if self.horizon_masks and not self.rank else None
        r = self.rank
        if r:
            self.horizon_U = nn.Parameter(torch.empty(D, r).uniform_(-D**-0.5, D**-0.5))
            self.horizon_E = nn.Parameter(torch.empty(H, r).uniform_(-D**-0.5, D**-0.5))
            self.horizon_W2 = nn.Parameter(torch.empty(r, D).uniform_(-r**-0.5, r**-0.5))
            self.horizon_b = nn.Parameter(torch.empty(H * D))
        else:
            self.horizon_U = self.horizon_E = self.horizon_W2 = self.horizon_b = None
        self.head_V = nn.Parameter(torch.empty(H, Q, D))
        self.head_c = nn.Parameter(torch.zeros(H, Q))
        self.skip = nn.Linear(L, H * Q, bias=False) if self.skip_on else None
        nn.init.uniform_(self.head_V, -D**-0.5, D**-0.5)
        # maskcast's initial offsets: masks open, skip at zero.
        with torch.no_grad():
            if self.anomaly is not None:
                self.anomaly.bias.fill_(3.0)
            mask_bias = self.horizon.bias if self.horizon is not None else self.horizon_b
            if mask_bias is not None:
                mask_bias.fill_(0.0 if self.mask_kind == "softmax" else 2.0)
            if self.skip is not None:
                self.skip.weight.zero_()

    def phi(self, v):
        return F.relu(v) if self.activation == "relu" else F.gelu(v)  # exact erf GELU

    @staticmethod
    def local_deviation(p):
        """(B, L, Cp): each value minus its neighbours' mean along L."""
        L = p.shape[1]
        if L < 2:
            return torch.zeros_like(p)
        mid = p[:, 1:-1] - 0.5 * (p[:, :-2] + p[:, 2:])
        return torch.cat([p[:, :1] - p[:, 1:2], mid, p[:, -1:] - p[:, -2:-1]], dim=1)

    def mask_penalty(self, parts):
        """mask_penalty * mean(1 - m) over the batch's past values (0 without one)."""
        if self.penalty == 0.0 or "mask" not in parts:
            return 0.0
        return self.penalty * (1.0 - parts["mask"]).mean()

    def forward(self, x, return_parts=False):
        B = x.shape[0]
        L, H, D, Q, Cp, n_past = self.L, self.H, self.D, self.Q, self.Cp, self.n_past
        P = x[:, :n_past]
        parts = {}
        if self.anomaly_mask:
            pre0 = self.feature(x)
            h0 = self.phi(pre0)
            logit = self.anomaly(h0)
            if self.anomaly_u is not None:
                d = self.local_deviation(P.view(B, L, Cp))
                logit = logit + (self.anomaly_u * d * d).reshape(B, L * Cp)
            m = torch.sigmoid(logit)
            x_in = torch.cat([m * P, x[:, n_past:]], dim=1)
            parts.update(pre0=pre0, mask=m)
        else:
            m = None
            x_in = x
        pre = self.feature(x_in)
        h = self.phi(pre)
        parts.update(pre=pre, h=h)
        if self.horizon_masks:
            if self.rank:
                t = self.phi((h @ self.horizon_U).unsqueeze(1) + self.horizon_E)  # (B, H, r)
                logits = t @ self.horizon_W2 + self.horizon_b.view(H, D)
            else:
                logits = self.horizon(h).view(B, H, D)
            if self.mask_kind == "softmax":
                a = D * torch.softmax(logits, dim=-1)
            else:
                a = torch.sigmoid(logits)
            z = a * h.unsqueeze(1)  # (B, H, D)
            y = torch.einsum("bhd,hqd->bhq", z, self.head_V)
            parts["attn"] = a.reshape(B, H * D)
        else:
            y = torch.einsum("bd,hqd->bhq", h, self.head_V)
        y = y + self.head_c
        y = y.reshape(B, H * Q)
        if self.skip is not None:
            lags = P.view(B, L, Cp)[:, :, 0]
            if m is not None:
                lags = m.view(B, L, Cp)[:, :, 0] * lags
            y = y + self.skip(lags)
        return (y, parts) if return_parts else y

    # ---- maskcast's file layout ------------------------------------------------

    def _views(self):
        """(file tensor name, module tensor, to-file function, from-file function)."""
        H, Q, D = self.H, self.Q, self.D
        t = lambda a: a.t()
        ident = lambda a: a
        out = [("feature.W", lambda: self.feature.weight, t, t),
               ("feature.b", lambda: self.feature.bias, ident, ident)]
        if self.anomaly is not None:
            out += [("anomaly.W", lambda: self.anomaly.weight, t, t),
                    ("anomaly.b", lambda: self.anomaly.bias, ident, ident)]
        if self.anomaly_u is not None:
            out += [("anomaly.u", lambda: self.anomaly_u, ident, ident)]
        if self.horizon is not None:
            out += [("horizon.W", lambda: self.horizon.weight, t, t),
                    ("horizon.b", lambda: self.horizon.bias, ident, ident)]
        if self.rank:
            out += [("horizon.b", lambda: self.horizon_b, ident, ident),
                    ("horizon.U", lambda: self.horizon_U, ident, ident),
                    ("horizon.E", lambda: self.horizon_E, ident, ident),
                    ("horizon.W2", lambda: self.horizon_W2, ident, ident)]
        out += [("head.V", lambda: self.head_V, lambda a: a.reshape(H * Q, D),
                 lambda a: a.reshape(H, Q, D)),
                ("head.c", lambda: self.head_c, lambda a: a.reshape(H * Q),
                 lambda a: a.reshape(H, Q))]
        if self.skip is not None:
            out += [("skip.S", lambda: self.skip.weight, ident, ident)]
        return out

    def load_file_tensors(self, tensors):
        """Copies maskcast tensors (numpy, file layout) into the parameters."""
        names = set()
        with torch.no_grad():
            for name, param, _, from_file in self._views():
                p = param()
                src = torch.from_numpy(np.ascontiguousarray(tensors[name])).to(p.dtype)
                p.copy_(from_file(src))
                names.add(name)
        extra = set(tensors) - names
        if extra:
            raise ValueError(f"tensors the configuration does not use: {sorted(extra)}")

    def file_layout_grads(self):
        """{file tensor name: gradient as numpy, in the file's layout}."""
        out = {}
        for name, param, to_file, _ in self._views():
            g = param().grad
            out[name] = None if g is None else to_file(g.detach()).contiguous().cpu().numpy()
        return out

    def decay_groups(self, weight_decay):
        """AdamW parameter groups as maskcast's: weight decay on matrices, not on biases."""
        decay, no_decay = [], []
        for name, param, _, _ in self._views():
            no = ("feature.b", "anomaly.b", "anomaly.u", "horizon.b", "horizon.E", "head.c")
            (no_decay if name in no else decay).append(param())
        return [{"params": decay, "weight_decay": weight_decay},
                {"params": no_decay, "weight_decay": 0.0}]


def load_model(path, dtype=torch.float32):
    """(module, config dict, metadata) for a maskcast .safetensors model file."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "maskcast-model":
        raise ValueError(f"{path}: not a maskcast model file")
    cfg = json.loads(meta["config"])
    n_quantiles = tensors["head.c"].shape[0] // int(cfg["horizon"])
    net = MaskcastNet(cfg, n_quantiles=n_quantiles).to(dtype)
    net.load_file_tensors(tensors)
    return net, cfg, meta


def loss_fn(kind, y, target, weight, huber_delta=1.0, quantiles=(0.5,)):
    """mc_loss_eval: sum over targets with weight > 0 of weight * mean over the Q
    outputs of the pointwise loss, divided by sum(weight) (residual r = y - target)."""
    B, HQ = y.shape
    H = target.shape[1]
    Q = HQ // H
    r = y.view(B, H, Q) - target.unsqueeze(2)
    if kind == "mse":
        l = r * r
    elif kind == "mae":
        l = r.abs()  # torch's abs has gradient 0 at 0, as maskcast's MAE
    elif kind == "huber":
        d = huber_delta
        l = torch.where(r.abs() <= d, 0.5 * r * r, d * (r.abs() - 0.5 * d))
    elif kind == "pinball":
        tau = torch.tensor(list(quantiles), dtype=y.dtype).view(1, 1, Q)
        l = torch.where(r < 0, -tau * r, (1.0 - tau) * r)
    else:
        raise ValueError(kind)
    w = torch.clamp(weight, min=0.0)
    wsum = w.sum()
    return (w.unsqueeze(2) * l).sum() / (wsum * Q)
