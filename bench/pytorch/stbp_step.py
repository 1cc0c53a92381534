"""What the PyTorch reference benches share: arguments, Bernoulli coding, the timed STBP step.

Both networks train the same way (plain autograd over an unrolled time loop, rate MSE of eq. 9,
Adam), so only the network and what each script prints differ.
"""

import argparse
import resource
import time

import torch


def parse_args(description, steps, warmup, init_help):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--T", type=int, default=30)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--steps", type=int, default=steps, help="timed training steps")
    p.add_argument("--warmup", type=int, default=warmup, help="untimed steps first")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init", choices=("torch", "paper"), default="torch", help=init_help)
    p.add_argument("--gain", type=float, default=1.0,
                   help="with --init paper: scale the initial weights (the engine's presets: 3)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    # Debian's build defaults to 1 thread here even on 2 cores, so always set it.
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    return args


def encode(images, T):
    """Bernoulli rate coding: every step each pixel fires with p = intensity."""
    return torch.bernoulli(images.unsqueeze(0).expand(T, *images.shape))


def timed_training(net, images, args):
    """Samples/s of full STBP steps (forward, rate MSE, backward, Adam) on random labels, and the
    per-layer firing rates afterwards: dense PyTorch costs the same whatever the activity, an
    event-driven engine does not, so a comparison can check both run alike."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    B = images.shape[0]
    onehot = torch.nn.functional.one_hot(torch.randint(0, 10, (B,)), 10).float()

    def train_step():
        rate = net(encode(images, args.T))
        # L = 1/(2S) * sum_s ||y_s - rate_s||^2
        loss = 0.5 * ((onehot - rate) ** 2).sum(dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(args.warmup):
        train_step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        train_step()
    sps = B * args.steps / (time.perf_counter() - t0)
    rates = []
    with torch.no_grad():
        net(encode(images, args.T), layer_rates=rates)
    return sps, rates


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
