"""Checks a NIR file against the layout nir.serialization.write (NIR 1.0) gives graph.to_dict(),
and its numbers against the model it was exported from.

Usage: nir_layout.py FILE.nir EXPECTED.json
EXPECTED.json: {"dt", "inputShape", "classes", "layers": [{"index", "units", "vth", "decay", "bias",
"conv": {inC, outC, stride, pad, ...} | null}] (our LIF layers in order), "tensors": {name: {"shape",
"bits": [u32 ...]}} (ours: dense [in, out], conv [F, C, k, k]), "metadata": {name: value}}. Prints "ok" and the node names, or fails with an AssertionError.
"""
import json
import sys

import h5py
import numpy as np

path, expected_path = sys.argv[1], sys.argv[2]
exp = json.load(open(expected_path))
dt = exp["dt"]

# Dataclass fields that NIR 1.0's to_dict keeps (input_type/output_type dropped, Flatten's input_type
# and Input/Output's shape added back), i.e. exactly what from_dict -> cls(**kwargs) accepts.
FIELDS = {
    "Input": {"shape"},
    "Output": {"shape"},
    "Affine": {"weight", "bias"},
    "Linear": {"weight"},
    "Conv2d": {"input_shape", "weight", "stride", "padding", "dilation", "groups", "bias"},
    "AvgPool2d": {"kernel_size", "stride", "padding"},
    "Flatten": {"input_type", "start_dim", "end_dim"},
    "LIF": {"tau", "r", "v_leak", "v_threshold", "v_reset"},
}


def is_vlen_utf8(ds):
    info = h5py.check_string_dtype(ds.dtype)
    return info is not None and info.encoding == "utf-8" and info.length is None


def floats(name):
    t = exp["tensors"][name]
    return np.array(t["bits"], dtype=np.uint32).view(np.float32).reshape(t["shape"])


def same_bits(a, b, what):
    assert a.dtype == np.float32 and b.dtype == np.float32, what
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), f"{what}: values differ"


def int64(ds, shape, what):
    assert ds.dtype == np.int64, f"{what}: dtype {ds.dtype}, expected int64"
    assert ds.shape == shape, f"{what}: shape {ds.shape}, expected {shape}"
    return ds[()]


def conv_out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


with h5py.File(path, "r") as f:
    assert set(f.keys()) == {"version", "node"}, set(f.keys())
    assert is_vlen_utf8(f["version"]) and f["version"].shape == (), "version: a scalar UTF-8 string"
    assert f["version"][()].decode("utf8").startswith("1."), f["version"][()]
    g = f["node"]
    assert isinstance(g, h5py.Group)
    assert set(g.keys()) == {"type", "nodes", "edges", "metadata"}, set(g.keys())
    assert is_vlen_utf8(g["type"]) and g["type"][()] == b"NIRGraph"

    edges_ds = g["edges"]
    assert is_vlen_utf8(edges_ds) and edges_ds.ndim == 2 and edges_ds.shape[1] == 2, edges_ds
    edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in edges_ds[()]]
    nodes = g["nodes"]
    assert all(isinstance(nodes[n], h5py.Group) for n in nodes), "every node is a group"

    # One chain from the Input node to the Output node, every node on it once.
    succ = dict(edges)
    assert len(succ) == len(edges), "each node feeds one node"
    types = {n: nodes[n]["type"][()].decode("utf8") for n in nodes}
    for n in nodes:
        assert is_vlen_utf8(nodes[n]["type"]) and nodes[n]["type"].shape == (), f"{n}/type"
        keys = set(nodes[n].keys()) - {"type"}
        assert "metadata" not in keys, f"{n}: an empty metadata group is not written"
        assert keys == FIELDS[types[n]], f"{n} ({types[n]}): fields {sorted(keys)}, reference {sorted(FIELDS[types[n]])}"
    [start] = [n for n in nodes if types[n] == "Input"]
    chain = [start]
    while chain[-1] in succ:
        chain.append(succ[chain[-1]])
    assert sorted(chain) == sorted(nodes) and types[chain[-1]] == "Output", chain

    # Walk it as NIR's type inference does, checking every field against the model.
    shape = list(int64(nodes[start]["shape"], (len(exp["inputShape"]),), "Input shape"))
    assert shape == exp["inputShape"], shape
    layers = iter(exp["layers"])
    for name in chain[1:-1]:
        n, t = nodes[name], types[name]
        if t in ("Affine", "Linear"):
            layer = next(layers)
            assert layer["conv"] is None and len(shape) == 1
            w = n["weight"]
            assert w.dtype == np.float32 and w.shape == (layer["units"], shape[0]), f"{name}: weight {w.dtype} {w.shape}"
            same_bits(w[()], floats(f"layers.{layer['index']}.weight").T, f"{name} weight = ours transposed")
            assert (t == "Affine") == layer["bias"], f"{name}: Affine iff the layer has a bias"
            if layer["bias"]:
                assert n["bias"].shape == (layer["units"],)
                same_bits(n["bias"][()], floats(f"layers.{layer['index']}.bias"), f"{name} bias")
            shape = [layer["units"]]
        elif t == "Conv2d":
            layer = next(layers)
            c = layer["conv"]
            assert len(shape) == 3 and shape[0] == c["inC"]
            same_bits(n["weight"][()], floats(f"layers.{layer['index']}.weight"), f"{name} weight (F, C, k, k)")
            assert list(int64(n["input_shape"], (2,), f"{name} input_shape")) == shape[1:]
            assert list(int64(n["stride"], (2,), f"{name} stride")) == [c["stride"]] * 2
            assert list(int64(n["padding"], (2,), f"{name} padding")) == [c["pad"]] * 2
            assert list(int64(n["dilation"], (2,), f"{name} dilation")) == [1, 1]
            assert int64(n["groups"], (), f"{name} groups") == 1
            bias = floats(f"layers.{layer['index']}.bias") if layer["bias"] else np.zeros(c["outC"], np.float32)
            same_bits(n["bias"][()], bias, f"{name} bias")
            k = n["weight"].shape[2]
            shape = [c["outC"], conv_out(shape[1], k, c["stride"], c["pad"]), conv_out(shape[2], k, c["stride"], c["pad"])]
        elif t == "AvgPool2d":
            k = int64(n["kernel_size"], (2,), f"{name} kernel_size")
            s = int64(n["stride"], (2,), f"{name} stride")
            assert list(int64(n["padding"], (2,), f"{name} padding")) == [0, 0]
            shape = [shape[0], conv_out(shape[1], k[0], s[0], 0), conv_out(shape[2], k[1], s[1], 0)]
        elif t == "Flatten":
            assert list(int64(n["input_type"], (len(shape),), f"{name} input_type")) == shape
            assert int64(n["start_dim"], (), f"{name} start_dim") == 0
            assert int64(n["end_dim"], (), f"{name} end_dim") == -1
            shape = [int(np.prod(shape))]
        elif t == "LIF":
            want = {
                "tau": dt / (1 - layer["decay"]), "r": 1 / (1 - layer["decay"]),
                "v_leak": 0.0, "v_threshold": layer["vth"], "v_reset": 0.0,
            }
            for k, v in want.items():
                a = n[k]
                assert a.dtype == np.float32 and list(a.shape) == shape, f"{name}/{k}: {a.dtype} {a.shape}, expected float32 {shape}"
                assert np.all(a[()] == np.float32(v)), f"{name}/{k}: {np.unique(a[()])} != {v}"
            tau, r = n["tau"][()].astype(np.float64), n["r"][()].astype(np.float64)
            # Forward Euler of tau dv/dt = -v + r I: v <- (1 - dt/tau) v + (dt/tau) r I.
            assert np.allclose(1 - dt / tau, layer["decay"], rtol=0, atol=1e-6), f"{name}: 1 - dt/tau"
            assert np.allclose(r * dt / tau, 1, rtol=1e-6, atol=0), f"{name}: r dt/tau"
        else:
            raise AssertionError(f"{name}: unexpected type {t}")
    assert next(layers, None) is None, "every LIF layer written"
    assert list(int64(nodes[chain[-1]]["shape"], (1,), "Output shape")) == [exp["classes"]] == shape

    meta = g["metadata"]
    for k in meta:
        ds = meta[k]
        assert isinstance(ds, h5py.Dataset) and ds.shape == (), f"metadata/{k}: a scalar"
        assert is_vlen_utf8(ds) or ds.dtype in (np.float64, np.int64), f"metadata/{k}: {ds.dtype}"
    for k, v in exp["metadata"].items():
        got = meta[k][()]
        got = got.decode("utf8") if isinstance(got, bytes) else got.item()
        assert got == v, f"metadata/{k}: {got!r} != {v!r}"
    json.loads(meta["stbp_spec"][()].decode("utf8"))

print("ok", " ".join(chain))
