"""The job's dataset (data/, written by the STBP Workbench) and how a batch becomes input spikes.

Images: gzip IDX, pixel rows x columns (x channels), one label byte each; a sample's spike
probability at every step is pixel / 255, fed channel-major [C, H, W] (flattened if the network's
input is flat). Training images may be distorted first (augment), afresh each epoch.
Event streams (N-MNIST): each sample's 5-byte events, binned into T frames [T, 2, H, W]: a pixel of
polarity p spikes at step t when it saw at least one such event in bin t.
"""
import gzip
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """A gzip IDX file as a numpy array; a malformed file is named with what is wrong."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic {raw[:4].hex()}; allowed: 00 00 <type> <dims>)")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(raw[3])]
    dtype = np.dtype(IDX_TYPES[raw[2]])
    body = raw[4 + 4 * len(dims):]
    if len(body) != math.prod(dims) * dtype.itemsize:
        raise ValueError(f"{path}: {len(body)} bytes of data; its header {dims} promises {math.prod(dims) * dtype.itemsize}")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def load(folder, split, limit=None, binning=None):
    """The split ("train" or "test") of the dataset in folder, its first limit samples if given;
    binning ({"mode": "count" | "time", "dtUs": ...}) applies to event streams."""
    with open(os.path.join(folder, "dataset.json")) as f:
        info = json.load(f)
    files = info[split]
    labels = read_idx(os.path.join(folder, files["labels"]))[:limit]
    if info["kind"] == "events":
        return EventSet(info, folder, files, labels, binning or {"mode": "count"})
    return ImageSet(info, read_idx(os.path.join(folder, files["images"]))[:limit], labels)


class ImageSet:
    """Images [N, C, H, W] as bytes, Bernoulli-coded batch by batch."""

    kind = "image"

    def __init__(self, info, images, labels):
        c, h, w = info["shape"]
        self.images = torch.from_numpy(images.reshape(-1, h, w, c)).permute(0, 3, 1, 2).contiguous()
        self.labels = torch.from_numpy(labels.astype(np.int64))
        self.classes = info["classes"]

    def __len__(self):
        return len(self.labels)

    def spikes(self, indices, T, input_shape, generator, augment=()):
        """Input spikes [T, batch, *input_shape] of samples indices, after the augmentations."""
        images = self.images[indices]
        for a in augment:
            images = AUGMENTATIONS[a["name"]](images, a, generator)
        p = images.float().div(255).reshape(len(indices), *input_shape)
        return torch.bernoulli(p.unsqueeze(0).expand(T, *p.shape), generator=generator)


class EventSet:
    """Event streams kept as their raw records, binned per batch (see bin_events)."""

    kind = "events"

    def __init__(self, info, folder, files, labels, binning):
        self.records = read_idx(os.path.join(folder, files["events"]))
        self.offsets = read_idx(os.path.join(folder, files["offsets"])).astype(np.int64)
        self.labels = torch.from_numpy(labels.astype(np.int64))
        self.classes = info["classes"]
        _, self.height, self.width = info["shape"]
        self.binning = binning

    def __len__(self):
        return len(self.labels)

    def spikes(self, indices, T, input_shape, generator=None, augment=()):
        if augment:
            raise ValueError("augment applies to image datasets only; this one holds event streams")
        frames = [bin_events(self.records[self.offsets[i]:self.offsets[i + 1]], T, self.width, self.height, **self.binning)
                  for i in indices]
        x = torch.from_numpy(np.stack(frames, axis=1)).float()  # [T, batch, 2, H, W]
        return x.reshape(T, len(indices), *input_shape)


def bin_events(records, T, width, height, mode="count", dtUs=None):
    """One N-MNIST sample's records [n, 5] as frames [T, 2, height, width] of 0/1.

    Record: x, y, polarity in bit 7 of byte 2, a 23-bit timestamp in us (bits 6-0 of byte 2, bytes 3-4).
    mode "count": T consecutive groups of nearly equal event counts, group k = events
    [floor(k n / T), floor((k + 1) n / T)). mode "time": bin k covers [t0 + k dt, t0 + (k + 1) dt),
    dt = dtUs or ceil(duration / T), duration = t_last - t0 + 1; events past the last bin are dropped.
    """
    frames = np.zeros((T, 2, height, width), dtype=np.uint8)
    n = len(records)
    if n == 0:
        return frames
    r = records.astype(np.int64)
    x, y, p = r[:, 0], r[:, 1], r[:, 2] >> 7
    if mode == "count":
        k = np.zeros(n, dtype=np.int64)
        for step in range(T):
            k[(step * n) // T:((step + 1) * n) // T] = step
    elif mode == "time":
        t = ((r[:, 2] & 0x7F) << 16) | (r[:, 3] << 8) | r[:, 4]
        dt = dtUs if dtUs is not None else math.ceil((t[-1] - t[0] + 1) / T)
        k = np.floor((t - t[0]) / dt).astype(np.int64)
        keep = k < T
        x, y, p, k = x[keep], y[keep], p[keep], k[keep]
    else:
        raise ValueError(f"binning mode is {mode!r}; allowed: count, time")
    frames[k, p, y, x] = 1
    return frames


# ---- augmentations of training images (the workbench's engine/augment, with torch ops) -----------

def elastic(images, config, generator):
    """Elastic distortion (Simard et al. 2003): a uniform random displacement field per image,
    smoothed by a Gaussian of sigma pixels (zeros outside, taps to ceil(3 sigma)), scaled by
    alpha; bilinear resampling, 0 outside; rounded back to bytes."""
    alpha, sigma = config["alpha"], config["sigma"]
    B, C, H, W = images.shape
    field = torch.rand(B * 2, 1, H, W, generator=generator) * 2 - 1
    r = math.ceil(3 * sigma)
    g = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float64) ** 2 / (2 * sigma * sigma))
    g = (g / g.sum()).float()
    field = F.conv2d(field, g.view(1, 1, 1, -1), padding=(0, r))
    field = F.conv2d(field, g.view(1, 1, -1, 1), padding=(r, 0))
    dx, dy = (alpha * field).view(B, 2, H, W).unbind(1)
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W, dtype=torch.float32), indexing="ij")
    grid = torch.stack([2 * (xs + dx) / max(W - 1, 1) - 1, 2 * (ys + dy) / max(H - 1, 1) - 1], dim=-1)
    out = F.grid_sample(images.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return torch.floor(out + 0.5).clamp(0, 255).to(torch.uint8)


def shift(images, config, generator):
    """Random integer translation by up to +-max pixels on each axis (dx drawn first), zero fill."""
    m = config["max"]
    B, C, H, W = images.shape
    out = torch.zeros_like(images)
    for i, (dx, dy) in enumerate(torch.randint(-m, m + 1, (B, 2), generator=generator).tolist()):
        if abs(dx) < W and abs(dy) < H:
            out[i, :, max(0, dy):H + min(0, dy), max(0, dx):W + min(0, dx)] = \
                images[i, :, max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)]
    return out


AUGMENTATIONS = {"elastic": elastic, "shift": shift}
