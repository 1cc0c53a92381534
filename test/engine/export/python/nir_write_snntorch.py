"""Writes the NIR file snnTorch's export_to_nir + nir.write make of
    Sequential(Linear(784, 16), Leaky(beta=0.9 per neuron), Linear(16, 10, bias=False), Leaky(beta=0.8))
with sample data of shape (1, 784), using h5py exactly as nir.serialization.write (NIR 1.0.x) does
with graph.to_dict(): write_recursive below is its code; the dict is what to_dict gives for
snnTorch's nodes (export_nir.py: dt = 1e-4, tau = dt / (1 - beta), r = tau / dt, v_leak = 0).

Usage: nir_write_snntorch.py OUT.nir. Prints the float32 bits of the weights as JSON.
"""
import json
import sys

import h5py
import numpy as np

dt = 1e-4
rng = np.random.default_rng(7)
w1 = rng.uniform(-0.3, 0.3, (16, 784)).astype(np.float32)  # torch.nn.Linear weight: (out, in)
b1 = rng.uniform(-0.1, 0.1, 16).astype(np.float32)
w2 = rng.uniform(-1, 1, (10, 16)).astype(np.float32)


def lif(beta, threshold):
    # export_nir.py: beta and threshold come from float32 torch tensors.
    tau = dt / (1 - beta)
    return {"tau": tau, "r": tau / dt, "v_leak": np.zeros_like(beta), "v_threshold": threshold, "v_reset": np.zeros_like(beta), "type": "LIF", "metadata": {}}


graph = {
    "nodes": {
        "input": {"shape": np.array([1, 784]), "type": "Input", "metadata": {}},
        "0": {"weight": w1, "bias": b1, "type": "Affine", "metadata": {}},
        "1": lif(np.full(16, 0.9, np.float32), np.full(16, 1.0, np.float32)),
        "2": {"weight": w2, "type": "Linear", "metadata": {}},
        # A scalar beta: numpy arithmetic on 0-d arrays gives numpy scalars, which write_recursive
        # stores without the gzip filter (h5py refuses filters on scalars).
        "3": lif(np.float32(0.8), np.float32(1.0)),
        "output": {"shape": np.array([1, 10]), "type": "Output", "metadata": {}},
    },
    "edges": [("input", "0"), ("0", "1"), ("1", "2"), ("2", "3"), ("3", "output")],
    "metadata": {},
    "type": "NIRGraph",
}
# lif() on a numpy scalar gives np.float64 for r and tau: snnTorch's dtypes are float32 per neuron.
for k in ("tau", "r", "v_leak", "v_reset"):
    graph["nodes"]["3"][k] = np.float32(graph["nodes"]["3"][k])


def write_recursive(group, node, compression="gzip", compression_opts=None):
    for k, v in node.items():
        if k == "metadata":
            if not v == {}:  # Skip metadata if empty
                write_recursive(group.create_group(k), v)
        elif isinstance(v, str):
            group.create_dataset(k, data=v, dtype=h5py.string_dtype())
        elif isinstance(v, np.ndarray):
            group.create_dataset(k, data=v, dtype=v.dtype, compression=compression, compression_opts=compression_opts)
        elif isinstance(v, dict):
            write_recursive(group.create_group(str(k)), v)
        else:
            group.create_dataset(k, data=v)


with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("version", data="1.0.8", dtype=h5py.string_dtype())
    write_recursive(f.create_group("node"), graph)
    assert f["node/nodes/0/weight"].compression == "gzip" and f["node/nodes/3/tau"].shape == ()

print(json.dumps({k: v.view(np.uint32).ravel().tolist() for k, v in {"w1": w1, "b1": b1, "w2": w2}.items()}))
