"""Weights as NIR (Neuromorphic Intermediate Representation, github.com/neuromorphs/NIR) files.

Layout, as the reference nir package writes it (nir/serialization.py):
    version                       "1.0.8"
    node/type                     "NIRGraph"
    node/nodes/<name>/type        "Input", "Affine", "Linear", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Output"
    node/nodes/<name>/<field>     the node's arrays (weight, bias, tau, ...)
    node/edges                    (source, target) name pairs
    node/metadata/dt              the time step in seconds the LIF constants are written for
    node/metadata/stbp_spec       the workbench spec (JSON) the weights belong to

A dense layer is an Affine node (weight (out, in), bias) followed by a LIF node; a conv layer a
Conv2d node (weight (F, C, k, k), bias, stride, padding, dilation, groups, input_shape) and a LIF
node. The workbench's per-step decay tau_step and threshold Vth map to NIR's continuous LIF
(tau du/dt = (v_leak - u) + r I) under forward Euler with step dt as
    tau = dt / (1 - tau_step),   r = tau / dt,   v_leak = 0,   v_threshold = Vth,   v_reset = 0,
one value per neuron.
"""
import json
import math
import os

import h5py
import numpy as np
import torch

import model

NIR_VERSION = "1.0.8"
DEFAULT_DT = 1e-4
SEMANTICS = {
    "discretisation": "forward-euler",
    "reset": "hard, to v_reset, applied the step after the spike",
    "threshold": "a neuron spikes when v >= v_threshold (NIR LIF says v > v_threshold; the two differ only when v equals v_threshold exactly)",
}


def graph_of(net, dt=DEFAULT_DT):
    """The network as NIR nodes (name -> (type, fields)) and its chain of edges."""
    nodes = {"input": ("Input", {"shape": np.array(net.input_shape, dtype=np.int64)})}
    chain = ["input"]
    shape = tuple(net.input_shape)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, model.SpikingDense):
            w = layer.weight.detach().cpu().numpy().astype(np.float32)
            b = layer.bias
            if b is None:
                name = f"layers.{i}.linear"
                nodes[name] = ("Linear", {"weight": w})
            else:
                name = f"layers.{i}.affine"
                nodes[name] = ("Affine", {"weight": w, "bias": b.detach().cpu().numpy().astype(np.float32)})
            shape = (w.shape[0],)
        elif isinstance(layer, model.SpikingConv2d):
            w = layer.weight.detach().cpu().numpy().astype(np.float32)
            b = layer.bias.detach().cpu().numpy() if layer.bias is not None else np.zeros(w.shape[0])
            k, s, p = w.shape[2], layer.stride, layer.padding
            name = f"layers.{i}.conv"
            nodes[name] = ("Conv2d", {
                "weight": w, "bias": b.astype(np.float32),
                "stride": np.array([s, s]), "padding": np.array([p, p]), "dilation": np.array([1, 1]),
                "groups": np.int64(1), "input_shape": np.array(shape[1:]),
            })
            size = [(n + 2 * p - k) // s + 1 for n in shape[1:]]
            shape = (w.shape[0], *size)
        elif isinstance(layer, model.AvgPool):
            k, s = layer.kernel, layer.stride
            name = f"layers.{i}.pool"
            nodes[name] = ("AvgPool2d", {"kernel_size": np.array([k, k]), "stride": np.array([s, s]), "padding": np.array([0, 0])})
            shape = (shape[0], *[(n - k) // s + 1 for n in shape[1:]])
        elif isinstance(layer, model.Flatten):
            name = f"layers.{i}.flatten"
            nodes[name] = ("Flatten", {"start_dim": np.int64(0), "end_dim": np.int64(-1), "input_type": np.array(shape, dtype=np.int64)})
            shape = (math.prod(shape),)
        else:
            continue
        chain.append(name)
        if isinstance(layer, model.SPIKING):
            n = layer.neuron
            tau = dt / (1 - n.tau)
            full = lambda v: np.full(shape, v, dtype=np.float32)
            nodes[f"layers.{i}.lif"] = ("LIF", {
                "tau": full(tau), "r": full(tau / dt), "v_leak": full(0), "v_threshold": full(n.vth), "v_reset": full(0),
            })
            chain.append(f"layers.{i}.lif")
    nodes["output"] = ("Output", {"shape": np.array(shape, dtype=np.int64)})
    chain.append("output")
    return nodes, list(zip(chain, chain[1:]))


def write(path, net, dt=DEFAULT_DT, metadata=None):
    """Write net's weights to path as a NIR file (via a temporary file, so a reader never sees half).
    metadata: more graph metadata (scalars and strings), e.g. the epoch."""
    nodes, edges = graph_of(net, dt)
    tmp = f"{path}.tmp"
    with h5py.File(tmp, "w") as f:
        f.create_dataset("version", data=NIR_VERSION, dtype=h5py.string_dtype())
        root = f.create_group("node")
        root.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        group = root.create_group("nodes")
        for name, (kind, fields) in nodes.items():
            node = group.create_group(name)
            node.create_dataset("type", data=kind, dtype=h5py.string_dtype())
            _write_fields(node, fields)
        root.create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())
        meta = root.create_group("metadata")
        about = {"producer": "STBP Workbench PyTorch job", "dt": float(dt), **SEMANTICS, "stbp_spec": json.dumps(model.SPEC)}
        for key, value in {**about, **(metadata or {})}.items():
            if isinstance(value, str):
                meta.create_dataset(key, data=value, dtype=h5py.string_dtype())
            else:
                meta.create_dataset(key, data=value)
    os.replace(tmp, path)


def _write_fields(group, fields):
    for key, value in fields.items():
        if isinstance(value, dict):
            _write_fields(group.create_group(key), value)
        else:
            group.create_dataset(key, data=value)


def read(path):
    """A NIR file's nodes along its chain from the Input to the Output node: [(name, type, fields)],
    and the graph's metadata. Errors name the file and what is wrong."""
    def text(v):
        v = v[()]
        return v.decode("utf8") if isinstance(v, bytes) else str(v)

    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"{path}: not a NIR (HDF5) file ({e})") from None
    with f:
        if "node" not in f or text(f["node/type"]) != "NIRGraph":
            raise ValueError(f"{path}: no NIRGraph under /node; allowed: a NIR file as the nir package writes it")
        group = f["node/nodes"]
        nodes = {name: (text(g["type"]), {k: g[k][()] for k in g.keys() if k != "type" and isinstance(g[k], h5py.Dataset)})
                 for name, g in group.items()}
        edges = [(a.decode("utf8") if isinstance(a, bytes) else a, b.decode("utf8") if isinstance(b, bytes) else b)
                 for a, b in f["node/edges"][()]]
        meta = {k: v[()] for k, v in f["node/metadata"].items()} if "metadata" in f["node"] else {}
    starts = [n for n, (kind, _) in nodes.items() if kind == "Input"]
    if len(starts) != 1:
        raise ValueError(f"{path}: {len(starts)} Input nodes; allowed: exactly one (a chain of layers)")
    following = {}
    for a, b in edges:
        if a in following:
            raise ValueError(f"{path}: node {a} has two successors ({following[a]}, {b}); allowed: a chain of layers")
        following[a] = b
    chain, name = [], starts[0]
    while name is not None:
        if name not in nodes:
            raise ValueError(f"{path}: edge to unknown node {name}")
        if len(chain) > len(nodes):
            raise ValueError(f"{path}: the edges form a cycle")
        kind, fields = nodes[name]
        chain.append((name, kind, fields))
        name = following.get(name)
    if chain[-1][1] != "Output":
        raise ValueError(f"{path}: the chain from the Input node ends at {chain[-1][0]} ({chain[-1][1]}); allowed: an Output node")
    meta = {k: (v.decode("utf8") if isinstance(v, bytes) else v) for k, v in meta.items()}
    return chain, meta


def load(net, path):
    """Set net's weights from a NIR file written for the same network (by the workbench or write()).
    Each synapse node (Affine, Linear, Conv2d) feeds the next LIF layer of net; shapes and the LIF
    constants must match the network's, else the error names the node and the field."""
    chain, meta = read(path)
    dt = float(meta.get("dt", DEFAULT_DT))
    synapses = [(name, kind, fields) for name, kind, fields in chain if kind in ("Affine", "Linear", "Conv2d")]
    neurons = [(name, fields) for name, kind, fields in chain if kind == "LIF"]
    layers = [layer for _, layer in net.spiking_layers()]
    if len(synapses) != len(layers) or len(neurons) != len(layers):
        raise ValueError(f"{path}: {len(synapses)} synapse and {len(neurons)} LIF nodes; this network has {len(layers)} LIF layers")
    with torch.no_grad():
        for layer, (name, kind, fields), (lif_name, lif) in zip(layers, synapses, neurons):
            w = np.asarray(fields["weight"], dtype=np.float32)
            if tuple(w.shape) != tuple(layer.weight.shape):
                raise ValueError(f"{path}: node {name} weight has shape {w.shape}; allowed: {tuple(layer.weight.shape)}")
            layer.weight.copy_(torch.from_numpy(w))
            b = np.asarray(fields.get("bias", np.zeros(w.shape[0])), dtype=np.float32)
            if layer.bias is not None:
                if b.shape != tuple(layer.bias.shape):
                    raise ValueError(f"{path}: node {name} bias has shape {b.shape}; allowed: {tuple(layer.bias.shape)}")
                layer.bias.copy_(torch.from_numpy(b))
            elif np.any(b != 0):
                raise ValueError(f"{path}: node {name} has a non-zero bias; this layer learns none")
            _check_lif(path, lif_name, lif, layer.neuron, dt)


def _check_lif(path, name, fields, neuron, dt):
    """The file's neurons must be the network's: same Vth and per-step decay (one value per layer)."""
    vth = np.asarray(fields["v_threshold"], dtype=np.float64)
    decay = 1 - dt / np.asarray(fields["tau"], dtype=np.float64)
    for field, values, want in (("v_threshold", vth, neuron.vth), ("tau", decay, neuron.tau)):
        if not np.allclose(values, want, rtol=1e-5, atol=1e-7):
            shown = "per-step decay 1 - dt/tau" if field == "tau" else field
            raise ValueError(f"{path}: node {name} {shown} is {np.unique(values)[:3]}; this network has {want}")
