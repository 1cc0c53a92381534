#!/usr/bin/python3
"""PyTorch CPU reference benchmark: STBP training of a spiking MLP 784-800-10.

Reference point for our own engine's throughput (Wu et al. 2018, "Spatio-
Temporal Backpropagation for Training High-performance Spiking Neural
Networks"). Written the way a researcher would: plain autograd over an
unrolled time loop, with a custom autograd.Function only for the spike.

Interpreter: /usr/bin/python3 (Debian 12's python3.11 with `apt-get install -y
python3-torch libopenblas0-openmp`, torch 1.13.0a0). The pyenv `python3` first
on PATH has no torch, so call this file with /usr/bin/python3 explicitly.
Debian's torch calls whatever libblas.so.3 is selected; without OpenBLAS that
is netlib reference BLAS and this benchmark runs ~30x slower.

    /usr/bin/python3 bench/pytorch/stbp_mlp.py --T 30 --batch 100
    /usr/bin/python3 bench/pytorch/stbp_mlp.py --T 8  --batch 100 --json
"""
import json

import torch
import torch.nn as nn

from stbp_step import parse_args, peak_mib, timed_training

TAU = 0.1    # membrane decay
VTH = 1.5    # firing threshold. With this input and either init the network
             # starts silent (no hidden spikes, zero gradients); the dense
             # PyTorch cost is the same either way -- see --json rates.
A = 1.0      # width of the rectangular surrogate window

# Benchmark input: no dataset is fetched, so we synthesise MNIST-like
# sparsity. 20% of pixels at intensity 0.65 gives a mean per-step spike
# probability of 0.2 * 0.65 = 0.13, roughly MNIST's mean pixel intensity.
PIXEL_FRACTION = 0.2
PIXEL_VALUE = 0.65


class SpikeFn(torch.autograd.Function):
    """Heaviside forward; STBP's rectangular surrogate h1 backward:
    do/du = (1/a) * [|u - Vth| < a/2]. Input here is already u - Vth."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).float()

    @staticmethod
    def backward(ctx, grad_out):
        (v,) = ctx.saved_tensors
        return grad_out * ((v.abs() < A / 2).float() / A)


spike = SpikeFn.apply


class SpikingMLP(nn.Module):
    def __init__(self, sizes=(784, 800, 10)):
        super().__init__()
        self.fcs = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes, sizes[1:]))

    def paper_init_(self, gain=1.0):
        """Wu et al. eq. 30-31 (our engine's `paper` init): w ~ U[-1, 1], each
        neuron's incoming weights scaled to unit L2 norm, zero bias; then times
        `gain` (the engine's presets use 3 so that neurons fire at Vth 1.5)."""
        with torch.no_grad():
            for fc in self.fcs:
                fc.weight.uniform_(-1, 1)
                fc.weight.div_(fc.weight.norm(dim=1, keepdim=True))
                fc.weight.mul_(gain)
                fc.bias.zero_()

    def forward(self, x_seq, layer_rates=None):
        """x_seq: [T, B, 784] input spikes (time-major). Returns output rate [B, 10].
        If layer_rates is a list, each layer's mean firing rate is appended to it
        (kept out of the timed loop; only used to report network activity)."""
        T, B = x_seq.shape[:2]
        u = [torch.zeros(B, fc.out_features) for fc in self.fcs]
        o = [torch.zeros(B, fc.out_features) for fc in self.fcs]
        counts = [0] * len(self.fcs)
        for t in range(T):
            inp = x_seq[t]
            for l, fc in enumerate(self.fcs):
                # Reset term (1 - o) is deliberately NOT detached: plain STBP
                # backpropagates through the reset path too.
                u[l] = u[l] * TAU * (1 - o[l]) + fc(inp)
                o[l] = spike(u[l] - VTH)
                inp = o[l]
                if layer_rates is not None or l == len(self.fcs) - 1:
                    counts[l] = counts[l] + o[l]
        if layer_rates is not None:
            layer_rates.extend(float(c.mean()) / T for c in counts)
        return counts[-1] / T



def main():
    args = parse_args(__doc__.splitlines()[0], steps=20, warmup=3,
                      init_help="torch: nn.Linear default; paper: eq. 30-31 (engine's `paper`)")
    net = SpikingMLP()
    if args.init == "paper":
        net.paper_init_(args.gain)
    B = args.batch
    images = (torch.rand(B, 784) < PIXEL_FRACTION).float() * PIXEL_VALUE
    sps, rates = timed_training(net, images, args)
    peak = peak_mib()
    if args.json:
        print(json.dumps({
            "impl": "pytorch", "net": "784-800-10", "T": args.T, "batch": B,
            "samples_per_s": round(sps, 1), "peak_mib": round(peak, 1),
            "torch": torch.__version__, "threads": args.threads, "init": args.init,
            "input_rate": round(float(images.mean()), 4),
            "hidden_rate": round(rates[0], 4), "out_rate": round(rates[1], 4),
        }))
    else:
        print(f"pytorch 784-800-10 T={args.T} B={B}: {sps:.0f} samples/s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
