import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import { DEFAULT_NIR_DT, fromNirGraph, toNirGraph } from '../../../engine/export/nir';
import { f32, i64, str, type NirArray, type NirEntry, type NirGraph, type NirNode } from '../../../engine/export/nir-graph';
import { decodeNir, encodeNir } from '../../../engine/export/nir-hdf5';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { engineError } from '../../helpers/errors';
import { SPECS, bits, randomModel, smallModel } from './models';

const TINY: ModelSpec = {
  name: 'tiny', layers: [{ className: 'input', config: { shape: [6] } }, { className: 'dense', config: { units: 4 } }, { className: 'output', config: { units: 3 } }],
};

const field = (node: NirNode, name: string) => node.fields[name] as NirArray;
const values = (a: NirArray) => Array.from(a.data as ArrayLike<number>);
/** A float32 field's values, to alter in place. */
const floats = (e: NirEntry | undefined) => (e as NirArray).data as Float32Array;

describe('toNirGraph', () => {
  it('maps a flat-input MLP to Input → Affine → LIF → Affine → LIF → Output, weights transposed to (out, in)', () => {
    const model = randomModel(SPECS.mlp784!, 4);
    const g = toNirGraph(model);
    expect(g.version).toBe('1.0.8');
    expect(Object.fromEntries(Object.entries(g.nodes).map(([k, n]) => [k, n.type]))).toEqual({
      input: 'Input', 'layers.1.affine': 'Affine', 'layers.1.lif': 'LIF', 'layers.2.affine': 'Affine', 'layers.2.lif': 'LIF', output: 'Output',
    });
    expect(g.edges).toEqual([['input', 'layers.1.affine'], ['layers.1.affine', 'layers.1.lif'], ['layers.1.lif', 'layers.2.affine'], ['layers.2.affine', 'layers.2.lif'], ['layers.2.lif', 'output']]);
    expect(field(g.nodes.input!, 'shape')).toEqual({ dtype: 'int64', shape: [1], data: [784] });
    expect(field(g.nodes.output!, 'shape')).toEqual({ dtype: 'int64', shape: [1], data: [10] });
    const w = field(g.nodes['layers.1.affine']!, 'weight');
    expect([w.dtype, w.shape]).toEqual(['float32', [24, 784]]);
    const ours = model.tensors[0]!.data; // [784, 24]: column j feeds neuron j
    for (const [i, j] of [[0, 0], [1, 0], [0, 1], [783, 23], [400, 7]] as const) expect(bits(w.data as Float32Array)[j * 784 + i]).toBe(bits(ours)[i * 24 + j]);
    expect(bits(field(g.nodes['layers.2.affine']!, 'bias').data as Float32Array)).toEqual(bits(model.tensors[3]!.data));
    expect(Object.keys(g.nodes['layers.1.lif']!.fields).sort()).toEqual(['r', 'tau', 'v_leak', 'v_reset', 'v_threshold']);
    for (const a of Object.values(g.nodes['layers.1.lif']!.fields)) expect([(a as NirArray).dtype, (a as NirArray).shape]).toEqual(['float32', [24]]);
  });

  it('writes LIF constants τ = dt/(1 − decay), r = τ/dt, v_threshold = Vth, v_leak = v_reset = 0 (golden values)', () => {
    const lif = (spec: ModelSpec, dt?: number) => toNirGraph(smallModel(spec), dt === undefined ? {} : { dt }).nodes['layers.1.lif']!;
    const paper = lif(TINY); // Table I: decay 0.1, Vth 1.5, dt 1e-4
    expect(values(field(paper, 'tau'))[0]).toBe(Math.fround(1e-4 / 0.9)); // 1.1111e-4 s
    expect(values(field(paper, 'tau'))[0]).toBeCloseTo(1.1111111e-4, 10);
    expect(values(field(paper, 'r'))[0]).toBe(Math.fround(1 / 0.9)); // 1.1111
    expect(values(field(paper, 'v_threshold'))).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(values(field(paper, 'v_leak'))).toEqual([0, 0, 0, 0]);
    expect(values(field(paper, 'v_reset'))).toEqual([0, 0, 0, 0]);
    const fast = lif({ ...TINY, neuron: { tau: 0, vth: 0.25 } }, 1e-3); // no memory: τ = dt, r = 1
    expect([values(field(fast, 'tau'))[0], values(field(fast, 'r'))[0], values(field(fast, 'v_threshold'))[0]]).toEqual([Math.fround(1e-3), 1, 0.25]);
    expect(values(field(lif({ ...TINY, neuron: { tau: 0.9 } }), 'tau'))[0]).toBe(Math.fround(1e-3)); // 1e-4/0.1
  });

  it("gives back our LIF update under forward Euler of NIR's equation", () => {
    // τ·dv/dt = (v_leak − v) + r·I, one Euler step of dt per time step, spike, reset to v_reset:
    // the same membrane trace as u[t] = decay·u[t−1]·(1 − o[t−1]) + I[t].
    for (const decay of [0, 0.1, 0.5, 0.95]) {
      const n = toNirGraph(smallModel({ ...TINY, neuron: { tau: decay, vth: 1 } })).nodes['layers.1.lif']!;
      const [tau, r, vLeak, vth, vReset] = ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset'].map((k) => values(field(n, k))[0]!) as [number, number, number, number, number];
      const currents = [0.3, 0.8, 0.05, 1.2, -0.4, 0.9, 0.7, 0, 2, 0.1];
      let v = 0;
      let u = 0;
      let o = 0;
      for (const current of currents) {
        v += (DEFAULT_NIR_DT / tau) * (vLeak - v + r * current);
        u = decay * u * (1 - o) + current;
        expect(v).toBeCloseTo(u, 6);
        o = u >= 1 ? 1 : 0;
        expect(v > vth ? 1 : 0).toBe(o);
        if (v > vth) v = vReset;
      }
    }
  });

  it('maps conv2d, avgpool and flatten, a conv without bias getting a zero bias', () => {
    const model = randomModel(SPECS.cnn!, 6);
    const g = toNirGraph(model, { dt: 1e-3 });
    expect(g.edges.map(([a]) => `${a}:${g.nodes[a]!.type}`)).toEqual([
      'input:Input', 'layers.1.conv:Conv2d', 'layers.1.lif:LIF', 'layers.2.pool:AvgPool2d', 'layers.3.conv:Conv2d', 'layers.3.lif:LIF',
      'layers.4.flatten:Flatten', 'layers.5.affine:Affine', 'layers.5.lif:LIF', 'layers.6.affine:Affine', 'layers.6.lif:LIF',
    ]);
    const c1 = g.nodes['layers.1.conv']!;
    expect(Object.fromEntries(['input_shape', 'stride', 'padding', 'dilation', 'groups'].map((k) => [k, field(c1, k)]))).toEqual({
      input_shape: i64([12, 12]), stride: i64([1, 1]), padding: i64([1, 1]), dilation: i64([1, 1]), groups: i64(1),
    });
    expect(field(c1, 'weight').shape).toEqual([3, 1, 3, 3]);
    expect(bits(field(c1, 'weight').data as Float32Array)).toEqual(bits(model.tensors[0]!.data)); // same [F, C, k, k] layout
    const c3 = g.nodes['layers.3.conv']!;
    expect([field(c3, 'stride'), field(c3, 'padding'), field(c3, 'bias')]).toEqual([i64([2, 2]), i64([0, 0]), f32(new Float32Array(4))]);
    expect(field(g.nodes['layers.3.lif']!, 'tau').shape).toEqual([4, 2, 2]);
    expect(g.nodes['layers.2.pool']!.fields).toEqual({ kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) });
    expect(g.nodes['layers.4.flatten']!.fields).toEqual({ start_dim: i64(0), end_dim: i64(-1), input_type: i64([4, 2, 2]) });
    expect(g.metadata.dt).toEqual({ dtype: 'float64', shape: [], data: Float64Array.of(1e-3) });
  });

  it('writes a dense layer without bias as Linear, and the metadata as plain scalars', () => {
    const g = toNirGraph(smallModel(SPECS.noBias!));
    expect(g.nodes['layers.1.linear']!.type).toBe('Linear');
    expect(Object.keys(g.nodes['layers.1.linear']!.fields)).toEqual(['weight']);
    for (const [k, v] of Object.entries(g.metadata)) expect([k, (v as NirArray).shape]).toEqual([k, []]);
    const meta = fromNirGraph(g).metadata;
    expect(meta).toMatchObject({
      model_name: 'no-bias', dt: 1e-4, discretisation: 'forward-euler', reset: 'hard, to v_reset, applied the step after the spike',
      input_coding: 'bernoulli', steps: 30, dataset: 'mnist', producer: 'STBP Workbench 0.1.0',
    });
    expect(meta.threshold).toContain('v >= v_threshold (NIR LIF says v > v_threshold');
  });

  it('refuses a twin (ReLU) network and a bad dt', () => {
    expect(engineError(() => toNirGraph({ ...smallModel(TINY), network: 'twin' })).message).toContain('is a twin network; allowed in NIR: spiking (LIF) networks');
    expect(engineError(() => toNirGraph(smallModel(TINY), { dt: 0 })).message).toContain('NIR dt is 0');
  });
});

describe('fromNirGraph', () => {
  it.each(Object.keys(SPECS))('gives back %s: the same spec, coding and names, bit-identical tensors', (key) => {
    const model = randomModel(SPECS[key]!, 8);
    const back = fromNirGraph(toNirGraph(model, { dt: 2e-4 }));
    expect(back.spec).toEqual(model.spec);
    expect(back.tensors.map((t) => [t.name, t.shape])).toEqual(model.tensors.map((t) => [t.name, t.shape]));
    back.tensors.forEach((t, i) => expect(bits(t.data)).toEqual(bits(model.tensors[i]!.data)));
    expect(back).toMatchObject({ dt: 2e-4, steps: model.coding.steps, coding: model.coding, name: model.name, classNames: model.dataset.classNames, sampleShape: model.dataset.sampleShape, datasetName: model.dataset.name });
    expect(back.notes.join('\n')).toContain('metadata stbp_spec matches the graph');
    const p = model.provenance;
    expect(back.training).toEqual({ seed: p.seed, epoch: p.epoch, testAccuracy: p.testAccuracy, backend: p.backend, settings: p.settings });
  });

  it.each(Object.keys(SPECS))('reads %s from the graph alone (no stbp_spec): same layers, constants to float32 precision', (key) => {
    const model = randomModel(SPECS[key]!, 8);
    const g = toNirGraph(model);
    delete g.metadata.stbp_spec;
    const back = fromNirGraph(g);
    const [a, b] = [inferModel(model.spec), inferModel(back.spec)];
    const layout = (p: typeof a) => p.shapes.map((l) => [l.className, l.outputShape]);
    expect(layout(b)).toEqual(layout(a));
    b.layers.forEach((l, i) => {
      expect(l.vth).toBeCloseTo(a.layers[i]!.vth, 6);
      expect(l.decay).toBeCloseTo(a.layers[i]!.decay, 6);
      expect([l.conv, l.surrogate, l.width]).toEqual([a.layers[i]!.conv, 'rectangular', 1]);
      expect(l.bias).toBe(a.layers[i]!.bias || !!l.conv); // a conv without bias comes back with a zero one
    });
    for (const t of back.tensors) {
      const ours = model.tensors.find((m) => m.name === t.name);
      expect(ours ? bits(t.data) : Array.from(t.data)).toEqual(ours ? bits(ours.data) : new Array(t.data.length).fill(0));
    }
    expect(back.notes).toContain('surrogate gradient: not in NIR, the default (rectangular, width 1) is set');
  });

  it('ignores an stbp_spec that disagrees with the graph', () => {
    const g = toNirGraph(smallModel(TINY));
    floats(g.nodes['layers.1.lif']!.fields.v_threshold).fill(2);
    const back = fromNirGraph(g);
    expect(inferModel(back.spec).layers.map((l) => l.vth)).toEqual([2, 1.5]);
    expect(back.notes.join('\n')).toContain('metadata stbp_spec describes other LIF constants or biases than the graph');
  });

  it('takes dt from the metadata, else 1e-4 s', () => {
    const g = toNirGraph(smallModel(TINY), { dt: 1e-3 });
    delete g.metadata.stbp_spec;
    expect(inferModel(fromNirGraph(g).spec).layers[0]!.decay).toBeCloseTo(0.1, 6);
    delete g.metadata.dt;
    const back = fromNirGraph(g);
    expect(back.dt).toBe(1e-4);
    expect(inferModel(back.spec).layers[0]!.decay).toBeCloseTo(1 - 1e-4 / (1e-3 / 0.9), 6); // τ read with the wrong dt
    expect(back.notes).toContain('no dt in the graph\'s metadata: 0.0001 s assumed (snnTorch\'s convention)');
  });

  it("accepts what snnTorch writes: scalar LIF constants, Linear without bias, a batch dimension in Input's shape", () => {
    const g = snntorchLikeGraph();
    const back = fromNirGraph(g);
    expect(back.spec).toEqual({
      neuron: { vth: 1, tau: Number((1 - 1e-4 / Math.fround(1e-4 / (1 - Math.fround(0.9)))).toPrecision(15)) },
      layers: [{ className: 'input', config: { shape: [5] } }, { className: 'dense', config: { units: 4 } }, { className: 'output', config: { units: 2, bias: false } }],
    });
    expect(inferModel(back.spec).layers[0]!.decay).toBeCloseTo(0.9, 6);
    expect(Array.from(back.tensors[0]!.data.subarray(0, 4))).toEqual([0, 5, 10, 15].map((k) => Math.fround(k / 10))); // column 0 of (4, 5)
    expect(back.notes.join('\n')).toContain('Input "input" has shape [1, 5]: its first dimension was taken as the batch');
  });

  it('reads r ≠ τ/dt as a scaled threshold, a CubaLIF with tau_syn = dt as a LIF, padding "same" at stride 1', () => {
    const g = snntorchLikeGraph();
    floats(g.nodes['1']!.fields.r).fill(Math.fround(2 * 1e-3 / 1e-4)); // s = r·dt/τ = 2
    g.nodes['3'] = cuba(2, { tau_syn: 1e-4, w_in: 0.5 });
    const back = fromNirGraph(g);
    const [vth1, vth3] = inferModel(back.spec).layers.map((l) => l.vth);
    expect(vth1).toBeCloseTo(0.5, 6); // v_threshold / s with s = 2
    expect(vth3).toBeCloseTo(2, 6); // CubaLIF: s = r·dt/τ_mem·w_in = 1·0.5
    expect(back.notes.join('\n')).toMatch(/r·dt\/τ = 2.*Vth = v_threshold\/2/);
    expect(back.notes.join('\n')).toContain('CubaLIF "3": tau_syn = dt');

    const c = toNirGraph(randomModel(SPECS.cnn!));
    delete c.metadata.stbp_spec;
    c.nodes['layers.1.conv']!.fields.padding = str('same');
    expect(inferModel(fromNirGraph(c).spec).layers[0]!.conv!.pad).toBe(1);
  });

  it('reads a Flatten written with the batch dimension (start_dim 1 on [1, C, H, W])', () => {
    const g = toNirGraph(randomModel(SPECS.mlpEvents!));
    g.nodes['layers.1.flatten']!.fields = { start_dim: i64(1), end_dim: i64(-1), input_type: i64([1, 2, 34, 34]) };
    expect(inferModel(fromNirGraph(g).spec).shapes[1]!.outputShape).toEqual([2312]);
  });

  const tiny = () => toNirGraph(smallModel(TINY));
  const cnn = () => toNirGraph(smallModel(SPECS.cnn!));
  const lifOf = (g: NirGraph) => g.nodes['layers.1.lif']!.fields;
  const set = (g: NirGraph, f: (g: NirGraph) => void) => {
    f(g);
    return g;
  };
  const cases: [string, () => NirGraph, string][] = [
    ['a CubaLIF with a synaptic time constant', () => set(tiny(), (g) => (g.nodes['layers.1.lif'] = cuba(4, { tau_syn: 5e-4 }))),
      'node "layers.1.lif" (CubaLIF): tau_syn is 0.0005 s (a synaptic current keeping 0.8 of itself per step of 0.0001 s); allowed: tau_syn = dt = 0.0001 s: our neuron has no synaptic current, its input goes straight into the membrane'],
    ['an IF neuron', () => set(tiny(), (g) => (g.nodes['layers.1.lif']!.type = 'IF')), 'node "layers.1.lif" is of type IF (no leak: our neuron always decays, decay in [0, 1)); allowed node types: Input, Affine'],
    ['a SumPool2d', () => set(cnn(), (g) => (g.nodes['layers.2.pool']!.type = 'SumPool2d')), 'node "layers.2.pool" is of type SumPool2d (sums windows; our avgpool averages them)'],
    ['a branch', () => set(tiny(), (g) => g.edges.push(['layers.1.lif', 'output'])), 'node "layers.1.lif" (LIF) feeds 2 nodes (layers.2.affine, output), a branch'],
    ['a merge', () => set(tiny(), (g) => g.edges.push(['input', 'layers.2.affine'])), 'node "input" (Input) feeds 2 nodes'],
    ['a cycle', () => set(tiny(), (g) => g.edges.push(['layers.2.lif', 'layers.2.affine'])), 'it has a cycle "layers.2.affine" → "layers.2.lif" → "layers.2.affine" (a recurrent connection)'],
    ['a disconnected node', () => set(tiny(), (g) => (g.nodes.extra = { type: 'Affine', fields: {}, metadata: {} })), 'node(s) "extra" (Affine) are not on the chain from Input to Output (disconnected)'],
    ['no Input', () => set(tiny(), (g) => (g.nodes.input!.type = 'Identity')), 'it has 0 Input nodes; allowed: exactly one'],
    ['no Output', () => set(tiny(), (g) => delete g.nodes.output), 'edge "layers.2.lif" → "output" names node "output", which the graph does not have'],
    ['an edge listed twice', () => set(tiny(), (g) => g.edges.push(['input', 'layers.1.affine'])), 'edge "input" → "layers.1.affine" is listed twice'],
    ['weights that do not chain', () => set(tiny(), (g) => (g.nodes.input!.fields.shape = i64([7]))), 'node "layers.1.affine" (Affine): weight is (out, in) = (4, 6); allowed: in = 7, what the node before gives'],
    ['a 3-D Affine weight', () => set(tiny(), (g) => ((g.nodes['layers.1.affine']!.fields.weight as NirArray).shape = [2, 2, 6])), 'weight is of shape [2, 2, 6]; allowed: a 2-D (out, in) matrix'],
    ['an Affine on a map', () => set(cnn(), (g) => {
      g.edges = g.edges.filter(([a, b]) => a !== 'layers.4.flatten' && b !== 'layers.4.flatten').concat([['layers.3.lif', 'layers.5.affine']]);
      delete g.nodes['layers.4.flatten'];
    }), 'node "layers.5.affine" (Affine): input is [4, 2, 2] from the node before; allowed: a flat vector of 16 values: put a Flatten before it'],
    ['a bias of the wrong size', () => set(tiny(), (g) => (g.nodes['layers.1.affine']!.fields.bias = f32(new Float32Array(5)))), 'bias is of shape [5]; allowed: [4]'],
    ['a non-zero v_leak', () => set(tiny(), (g) => floats(lifOf(g).v_leak).fill(0.5)), 'node "layers.1.lif" (LIF): v_leak is 0.5; allowed: 0 (our membrane decays toward 0)'],
    ['a non-zero v_reset', () => set(tiny(), (g) => floats(lifOf(g).v_reset).fill(-1)), 'v_reset is -1; allowed: 0 (our reset is to 0)'],
    ['thresholds that differ per neuron', () => set(tiny(), (g) => (floats(lifOf(g).v_threshold)[2] = 2)), 'v_threshold is different per neuron (1.5 and 2); allowed: one value for every neuron of the layer'],
    ['a LIF array of the wrong size', () => set(tiny(), (g) => (lifOf(g).tau = f32(new Float32Array(3).fill(1e-3)))), 'tau is of shape [3]; allowed: a scalar or one value per neuron (4)'],
    ['τ shorter than dt', () => set(tiny(), (g) => floats(lifOf(g).tau).fill(5e-5)), 'tau is 0.00005 s, shorter than dt = 0.0001 s (decay 1 − dt/τ = -1); allowed: tau ≥ dt'],
    ['r ≤ 0', () => set(tiny(), (g) => floats(lifOf(g).r).fill(0)), 'r is such that r·dt/τ = 0; allowed: r > 0'],
    ['a negative threshold', () => set(tiny(), (g) => floats(lifOf(g).v_threshold).fill(-1)), 'v_threshold is -1; allowed: a threshold > 0'],
    ['dilation 2', () => set(cnn(), (g) => (g.nodes['layers.1.conv']!.fields.dilation = i64([2, 2]))), 'node "layers.1.conv" (Conv2d): dilation is [2, 2]; allowed: 1'],
    ['groups 3', () => set(cnn(), (g) => (g.nodes['layers.3.conv']!.fields.groups = i64(3))), 'groups is 3; allowed: 1'],
    ['a stride that differs per axis', () => set(cnn(), (g) => (g.nodes['layers.3.conv']!.fields.stride = i64([2, 1]))), 'stride is [2, 1]; allowed: one integer, or equal integers for every axis (the same stride along H and W)'],
    ["padding 'same' at stride 2", () => set(cnn(), (g) => (g.nodes['layers.3.conv']!.fields.padding = str('same'))), "padding is \"same\"; allowed: an integer, 'valid', or 'same' with stride 1 and an odd kernel"],
    ['asymmetric padding', () => set(cnn(), (g) => (g.nodes['layers.1.conv']!.fields.padding = i64([1, 0]))), 'padding is [1, 0]; allowed: one integer, or equal integers for every axis'],
    ['padding our spec cannot hold', () => set(cnn(), (g) => (g.nodes['layers.1.conv']!.fields.padding = i64([3, 3]))), 'node "layers.1.conv" (Conv2d): padding is 3; allowed: at most kernel − 1 = 2'],
    ['a non-square kernel', () => set(cnn(), (g) => ((g.nodes['layers.1.conv']!.fields.weight as NirArray).shape = [3, 1, 1, 9])), 'weight is a 1×9 kernel; allowed: a square kernel'],
    ['a conv input_shape that does not chain', () => set(cnn(), (g) => (g.nodes['layers.1.conv']!.fields.input_shape = i64([28, 28]))), 'input_shape is (28, 28); allowed: (12, 12)'],
    ['pooling with padding', () => set(cnn(), (g) => (g.nodes['layers.2.pool']!.fields.padding = i64([1, 1]))), 'node "layers.2.pool" (AvgPool2d): padding is [1, 1]; allowed: 0'],
    ['a partial Flatten', () => set(cnn(), (g) => (g.nodes['layers.4.flatten']!.fields.start_dim = i64(1))), 'start_dim/end_dim is 1/-1 on [4, 2, 2]; allowed: a flatten of the whole sample'],
    ['a LIF without its synapse', () => set(cnn(), (g) => {
      g.edges = g.edges.filter(([a]) => a !== 'layers.3.conv').map(([a, b]) => (a === 'layers.2.pool' ? ['layers.2.pool', 'layers.3.lif'] : [a, b]));
      delete g.nodes['layers.3.conv'];
    }), 'node "layers.3.lif" (LIF) follows "layers.2.pool" (AvgPool2d); allowed: a LIF node only right after an Affine, Linear or Conv2d'],
    ['a synapse without its LIF', () => set(tiny(), (g) => {
      g.edges = g.edges.filter(([a]) => a !== 'layers.2.lif').map(([a, b]) => (b === 'layers.2.lif' ? [a, 'output'] : [a, b]));
      delete g.nodes['layers.2.lif'];
    }), 'node "layers.2.affine" (Affine) is not followed by a LIF node'],
    ['a graph ending in a conv layer', () => set(cnn(), (g) => {
      g.edges = [...g.edges.filter(([a]) => !['layers.3.lif', 'layers.4.flatten', 'layers.5.affine', 'layers.5.lif', 'layers.6.affine', 'layers.6.lif'].includes(a)), ['layers.3.lif', 'output']];
      for (const n of ['layers.4.flatten', 'layers.5.affine', 'layers.5.lif', 'layers.6.affine', 'layers.6.lif']) delete g.nodes[n];
    }), 'the last node before Output is "layers.3.lif" (LIF); allowed: an Affine or Linear node and its LIF (our output layer is dense)'],
    ['an Output of another size', () => set(tiny(), (g) => (g.nodes.output!.fields.shape = i64([4]))), 'node "output" (Output): shape is [4]; allowed: [3], the size of the last LIF layer'],
    ['a bad dt in the metadata', () => set(tiny(), (g) => (g.metadata.dt = str('1ms'))), 'metadata dt is "1ms"; allowed: a time step in seconds > 0'],
  ];

  it.each(cases)('refuses %s, naming the node and why', (_what, graph, message) => {
    const e = engineError(() => fromNirGraph(graph()));
    expect(e.code).toBe('bad-model-file');
    expect(e.message.startsWith('NIR graph: ')).toBe(true);
    expect(e.message).toContain(message);
  });

  it('names the file in its refusals when told it', () => {
    const e = engineError(() => fromNirGraph(set(tiny(), (g) => (g.nodes['layers.1.lif']!.type = 'Delay')), { fileName: 'net.nir' }));
    expect(e).toBeInstanceOf(EngineError);
    expect(e.message).toMatch(/^NIR graph in net\.nir: node "layers\.1\.lif" is of type Delay \(our layers have no delays\)/);
  });
});

describe('NIR HDF5 (encodeNir / decodeNir)', () => {
  it.each(['mlp784', 'cnn'])('round-trips the graph of %s exactly', async (key) => {
    const g = toNirGraph(randomModel(SPECS[key]!, 3));
    const bytes = await encodeNir(g);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    const back = await decodeNir(bytes);
    expect(back).toEqual(g);
    expect(fromNirGraph(back).spec).toEqual(SPECS[key]);
  });

  it('reads a file written with h5wasm directly as snnTorch exports it (gzip-compressed weights, scalar LIF constants, no metadata)', async () => {
    const h5 = await import('h5wasm');
    await h5.ready;
    const f = new h5.File('/snntorch-like.nir', 'w');
    f.create_dataset({ name: 'version', data: '1.0.8', dtype: 'S' });
    const node = f.create_group('node');
    node.create_dataset({ name: 'type', data: 'NIRGraph', dtype: 'S' });
    node.create_dataset({ name: 'edges', data: ['input', '0', '0', '1', '1', '2', '2', '3', '3', 'output'], shape: [5, 2], dtype: 'S' });
    const nodes = node.create_group('nodes');
    const src = snntorchLikeGraph();
    for (const [name, n] of Object.entries(src.nodes)) {
      const g = nodes.create_group(name);
      g.create_dataset({ name: 'type', data: n.type, dtype: 'S' });
      for (const [k, a] of Object.entries(n.fields) as [string, NirArray][]) {
        const big = a.shape.length > 0 && a.dtype === 'float32';
        g.create_dataset({ name: k, data: a.data as Float32Array, shape: a.shape, dtype: { float32: '<f', float64: '<d', int64: '<q', string: 'S' }[a.dtype], ...(big ? { chunks: a.shape, compression: 'gzip' as const } : {}) });
      }
    }
    f.close();
    const bytes = h5.FS!.readFile('/snntorch-like.nir');
    h5.FS!.unlink('/snntorch-like.nir');
    const back = await decodeNir(bytes);
    expect(back).toEqual(src);
    expect(fromNirGraph(back).spec.layers.map((l) => l.className)).toEqual(['input', 'dense', 'output']);
  });

  it('refuses what is not a whole NIR file, saying what it is', async () => {
    const good = await encodeNir(toNirGraph(smallModel(TINY)));
    const h5 = await import('h5wasm');
    const other = async (build: (f: InstanceType<typeof h5.File>) => void) => {
      const f = new h5.File('/other.h5', 'w');
      build(f);
      f.close();
      const b = h5.FS!.readFile('/other.h5');
      h5.FS!.unlink('/other.h5');
      return b;
    };
    const cases: [Uint8Array, string][] = [
      [good.slice(0, good.length - 100), `NIR file is truncated: ${good.length - 100} bytes, its HDF5 superblock says ${good.length}`],
      [good.slice(0, 30), 'NIR file is truncated: 30 bytes, not even its HDF5 superblock'],
      [new TextEncoder().encode('not a network'), 'NIR file is not HDF5: it starts with bytes 6e 6f 74 20 61 20 6e 65; allowed: a NIR graph (.nir, HDF5)'],
      [new Uint8Array(0), 'NIR file is not HDF5: the file is empty'],
      [new TextEncoder().encode('STBPMODL\x01\x00\x00\x00'), 'it is a model bundle of this workbench (.stbp)'],
      [await other((f) => f.create_dataset({ name: 'data', data: new Float32Array(3) })), 'NIR file has no group "node" (it holds "data"): an HDF5 file, but not a NIR graph'],
      [await other((f) => f.create_group('node').create_dataset({ name: 'type', data: 'Affine', dtype: 'S' })), 'NIR file: /node/type is "Affine"; allowed: "NIRGraph"'],
    ];
    for (const [bytes, message] of cases) {
      const e = await decodeNir(bytes).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('bad-model-file');
      expect((e as EngineError).message).toContain(message);
    }
    expect(h5.FS!.readdir('/').filter((n: string) => n.startsWith('stbp-nir'))).toEqual([]); // nothing left behind
  });
});

/** A LIF or CubaLIF node for `n` neurons with decay 0.8 at dt 1e-4 (τ = 5e-4). */
function cuba(n: number, extra: { tau_syn: number; w_in?: number }): NirNode {
  const fill = (v: number) => f32(new Float32Array(n).fill(v));
  return {
    type: 'CubaLIF', metadata: {},
    fields: { tau_mem: fill(5e-4), tau_syn: fill(extra.tau_syn), r: fill(5), v_leak: fill(0), v_threshold: fill(1), v_reset: fill(0), ...(extra.w_in === undefined ? {} : { w_in: fill(extra.w_in) }) },
  };
}

/**
 * What snnTorch's export_to_nir makes of Sequential(Linear(5, 4), Leaky(beta=0.9), Linear(4, 2,
 * bias=False), Leaky(beta=0.9)) with sample data of shape (1, 5): nodes named by module index,
 * scalar float32 LIF constants (τ = dt/(1 − β), r = τ/dt at dt = 1e-4), Input with the batch.
 */
function snntorchLikeGraph(): NirGraph {
  const scalar = (v: number): NirArray => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });
  const beta = Math.fround(0.9);
  const tau = Math.fround(1e-4 / Math.fround(1 - beta));
  const lif = (): NirNode => ({ type: 'LIF', metadata: {}, fields: { tau: scalar(tau), r: scalar(Math.fround(tau / 1e-4)), v_leak: scalar(0), v_threshold: scalar(1), v_reset: scalar(0) } });
  return {
    version: '1.0.8', metadata: {},
    nodes: {
      input: { type: 'Input', metadata: {}, fields: { shape: i64([1, 5]) } },
      0: { type: 'Affine', metadata: {}, fields: { weight: f32(Float32Array.from({ length: 20 }, (_, k) => k / 10), [4, 5]), bias: f32(Float32Array.of(0.1, 0.2, 0.3, 0.4)) } },
      1: lif(),
      2: { type: 'Linear', metadata: {}, fields: { weight: f32(Float32Array.from({ length: 8 }, (_, k) => k - 4), [2, 4]) } },
      3: lif(),
      output: { type: 'Output', metadata: {}, fields: { shape: i64([1, 2]) } },
    },
    edges: [['input', '0'], ['0', '1'], ['1', '2'], ['2', '3'], ['3', 'output']],
  };
}
