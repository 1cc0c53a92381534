"""Runs a NIR graph as a NIR consumer would, from the file alone: forward Euler of each LIF's
tau dv/dt = (v_leak - v) + r I with the dt in the graph's metadata (else 1e-4), a spike when
v > v_threshold, then v = v_reset; Affine/Linear/Conv2d/AvgPool2d/Flatten as PyTorch defines them.

Usage: nir_simulate.py FILE.nir < {"spikes": [T][batch][inputs]} (0/1, each sample flat).
Prints {"counts": [[spikes per output neuron] per sample]}.
"""
import json
import sys

import h5py
import numpy as np

job = json.load(sys.stdin)
with h5py.File(sys.argv[1], "r") as f:
    g = f["node"]
    meta = g["metadata"] if "metadata" in g else {}
    dt = float(meta["dt"][()]) if "dt" in meta else 1e-4
    nodes = {name: {k: v[()] for k, v in grp.items() if isinstance(v, h5py.Dataset)} for name, grp in g["nodes"].items()}
    succ = {a.decode(): b.decode() for a, b in g["edges"][()]}

kind = {n: d["type"].decode() for n, d in nodes.items()}
[name] = [n for n in nodes if kind[n] == "Input"]
chain = [name]
while chain[-1] in succ:
    chain.append(succ[chain[-1]])


def conv2d(x, w, b, stride, pad):
    """x (B, C, H, W), w (F, C, k, k): cross-correlation with zero padding, as torch.nn.functional.conv2d."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    oh = (x.shape[2] - k) // stride + 1
    ow = (x.shape[3] - k) // stride + 1
    out = np.empty((x.shape[0], w.shape[0], oh, ow), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.einsum("bchw,fchw->bf", patch, w)
    return out + b[None, :, None, None]


def avgpool(x, k, s):
    oh = (x.shape[2] - k) // s + 1
    ow = (x.shape[3] - k) // s + 1
    out = np.empty((x.shape[0], x.shape[1], oh, ow), np.float64)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].mean(axis=(2, 3))
    return out


spikes = np.array(job["spikes"], np.float64)
steps, batch = spikes.shape[:2]
spikes = spikes.reshape((steps, batch, *[int(d) for d in nodes[chain[0]]["shape"]]))
v = {}
counts = None
for t in range(steps):
    h = spikes[t]
    for name in chain[1:-1]:
        d, t_ = nodes[name], kind[name]
        if t_ == "Affine":
            h = h @ d["weight"].astype(np.float64).T + d["bias"]
        elif t_ == "Linear":
            h = h @ d["weight"].astype(np.float64).T
        elif t_ == "Conv2d":
            assert list(d["dilation"]) == [1, 1] and d["groups"] == 1
            h = conv2d(h, d["weight"].astype(np.float64), d["bias"].astype(np.float64), int(d["stride"][0]), int(d["padding"][0]))
        elif t_ == "AvgPool2d":
            h = avgpool(h, int(d["kernel_size"][0]), int(d["stride"][0]))
        elif t_ == "Flatten":
            h = h.reshape(batch, -1)
        elif t_ == "LIF":
            tau, r, vl, vth, vr = (d[k].astype(np.float64) for k in ("tau", "r", "v_leak", "v_threshold", "v_reset"))
            u = v.get(name, np.zeros_like(h))
            u = u + dt / tau * (vl - u + r * h)
            z = u > vth
            v[name] = np.where(z, vr, u)
            h = z.astype(np.float64)
        else:
            raise SystemExit(f"unsupported node {name}: {t_}")
    counts = h if counts is None else counts + h
print(json.dumps({"counts": counts.astype(int).tolist()}))
