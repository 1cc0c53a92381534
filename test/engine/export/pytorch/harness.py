"""Runs generated PyTorch jobs on given weights and input spikes, for the same-math test.

    python3 harness.py <cases.json> <out dir>

cases.json: a list of {id, job, grad, loss, T, batch, input, labels, weights}: job is a generated
job folder (its model.py and nir_io.py are imported), input a file of T * batch * inputs bytes
(0/1, time-major), weights a NIR file the workbench wrote. For each case the job's Net is built
with the case's gradient mode, loaded from the NIR file, run forward on the spikes, the loss of
train.py taken on the output counts, and autograd run backward. Written to <out dir>/<id>.bin as
float32, in the workbench's layouts: the counts [batch, classes], then per LIF layer dW (dense
[in, out]: the transpose of the module's weight; conv [F, C, k, k]) and db, then per LIF layer
the membrane potentials [T, batch, units]; and <id>.json with the loss.
"""
import importlib
import json
import os
import sys

import numpy as np
import torch


def load_job(folder):
    """model, nir_io and train of a job folder, imported afresh (every job names them alike)."""
    for name in ("model", "nir_io", "data", "train"):
        sys.modules.pop(name, None)
    sys.path.insert(0, folder)
    try:
        return importlib.import_module("model"), importlib.import_module("nir_io"), importlib.import_module("train")
    finally:
        sys.path.remove(folder)


def run(case, out):
    model, nir_io, train = load_job(case["job"])
    net = model.Net(grad=case["grad"])
    nir_io.load(net, case["weights"])
    for _, layer in net.spiking_layers():
        layer.neuron.record = True
    T, B = case["T"], case["batch"]
    raw = np.fromfile(case["input"], dtype=np.uint8).astype(np.float32)
    spikes = torch.from_numpy(raw).reshape(T, B, *net.input_shape)
    labels = torch.tensor(case["labels"], dtype=torch.int64)
    counts = net(spikes).sum(0)
    loss = train.per_sample_loss(case["loss"], counts, labels, T).mean()
    loss.backward()
    parts = [counts.detach().numpy().ravel()]
    for _, layer in net.spiking_layers():
        g = layer.weight.grad
        parts.append((g.t() if g.dim() == 2 else g).contiguous().numpy().ravel())
        if layer.bias is not None:
            parts.append(layer.bias.grad.numpy().ravel())
    for _, layer in net.spiking_layers():
        parts.append(layer.neuron.potentials.numpy().ravel())
    np.concatenate(parts).astype(np.float32).tofile(os.path.join(out, f"{case['id']}.bin"))
    with open(os.path.join(out, f"{case['id']}.json"), "w") as f:
        json.dump({"loss": float(loss)}, f)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    torch.set_num_threads(1)
    for case in cases:
        run(case, sys.argv[2])


if __name__ == "__main__":
    main()
