import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import { bernoulliSpike, prepareBernoulli } from '../../../engine/encode/bernoulli';
import type { Kernels } from '../../../engine/backend/types';
import type { TrainedModel } from '../../../engine/export/model';
import { fromNirGraph, toNirGraph } from '../../../engine/export/nir';
import { decodeNir, encodeNir } from '../../../engine/export/nir-hdf5';
import { InferenceModel } from '../../../engine/infer/inference';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import { pythonWith, runPython } from '../../helpers/python';
import { SPECS, bits, randomModel, smallModel } from './models';

/**
 * Our NIR files read by an independent reader, Debian's h5py, against the layout of the reference
 * nir.serialization.write; a file written by h5py the way snnTorch and nir write them read by us;
 * and a NIR consumer's simulation of our file (numpy, from the file alone) spiking as our engine does.
 */
const py = pythonWith(['h5py', 'numpy']);
const script = (name: string) => readFileSync(join(__dirname, 'python', name), 'utf8');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stbp-nir-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeNir(model: TrainedModel, name: string, dt?: number): Promise<string> {
  const path = join(dir, `${name}.nir`);
  writeFileSync(path, await encodeNir(toNirGraph(model, dt === undefined ? {} : { dt })));
  return path;
}

describe.skipIf(py.skip)(`NIR files and Python's h5py (${py.ok ? py.path : `skipped: ${py.reason}`})`, () => {
  it.each(['mlp784', 'mlpEvents', 'cnn', 'noBias'])('%s: h5py finds the reference layout, dtypes, shapes and our numbers', async (key) => {
    const model = randomModel(SPECS[key]!, 11);
    const dt = key === 'cnn' ? 1e-3 : 1e-4;
    const path = await writeNir(model, key, dt);
    const plan = inferModel(model.spec);
    const expected = {
      dt, inputShape: plan.inputShape, classes: plan.classes,
      layers: plan.layers.map((l) => ({ index: l.index, units: l.units, vth: l.vth, decay: l.decay, bias: l.bias, conv: l.conv ?? null })),
      tensors: Object.fromEntries(model.tensors.map((t) => [t.name, { shape: t.shape, bits: Array.from(bits(t.data)) }])),
      metadata: { dt, steps: model.coding.steps, input_coding: model.coding.kind, model_name: model.name, discretisation: 'forward-euler', class_names: JSON.stringify(model.dataset.classNames) },
    };
    const expectedPath = join(dir, `${key}.json`);
    writeFileSync(expectedPath, JSON.stringify(expected));
    expect(runPython(script('nir_layout.py'), [path, expectedPath]).trim()).toMatch(/^ok input layers\.1\./);
  });

  it("reads a file h5py wrote as nir.write writes snnTorch's export (gzip, per-neuron and scalar LIF constants, batch in the shapes)", async () => {
    const path = join(dir, 'snntorch.nir');
    const weights = JSON.parse(runPython(script('nir_write_snntorch.py'), [path])) as Record<'w1' | 'b1' | 'w2', number[]>;
    const bytes = readFileSync(path);
    const imported = fromNirGraph(await decodeNir(bytes), { fileName: 'snntorch.nir' });
    await expect(decodeNir(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(`NIR file is truncated: ${bytes.length - 1} bytes, its HDF5 superblock says ${bytes.length}`);
    expect(imported.spec.layers.map((l) => [l.className, (l.config as { units?: number })?.units, (l.config as { bias?: boolean })?.bias])).toEqual([
      ['input', undefined, undefined], ['dense', 16, undefined], ['output', 10, false],
    ]);
    const plan = inferModel(imported.spec);
    expect(plan.inputShape).toEqual([784]);
    expect(plan.layers.map((l) => l.vth)).toEqual([1, 1]);
    expect(plan.layers[0]!.decay).toBeCloseTo(0.9, 6);
    expect(plan.layers[1]!.decay).toBeCloseTo(0.8, 6);
    expect(imported.dt).toBe(1e-4);
    const [w1, b1, w2] = imported.tensors;
    expect([w1!.shape, b1!.shape, w2!.shape]).toEqual([[784, 16], [16], [16, 10]]);
    const t = (w: Float32Array, rows: number, cols: number) => Array.from({ length: w.length }, (_, k) => bits(w)[(k % rows) * cols + Math.floor(k / rows)]);
    expect(t(w1!.data, 784, 16)).toEqual(weights.w1); // ours [in, out] is theirs (out, in) transposed
    expect(Array.from(bits(b1!.data))).toEqual(weights.b1);
    expect(t(w2!.data, 16, 10)).toEqual(weights.w2);
    expect(imported.notes.join('\n')).toContain('Input "input" has shape [1, 784]: its first dimension was taken as the batch');
  });

  describe('a NIR simulation of our file spikes as our engine does', () => {
    let kernels: Kernels;
    beforeAll(async () => {
      kernels = await createNodeKernels('wasm', { threads: 1 });
    });
    afterAll(() => kernels?.dispose());

    it.each([['mlp784', 1e-4, 0.75], ['cnn', 1e-3, 0.25], ['noBias', 1e-4, 0.5]] as const)('%s (dt %s, Vth %s): output spike counts per sample for the same Bernoulli input spikes', async (key, dt, vth) => {
      const model = smallModel({ ...SPECS[key]!, neuron: { ...SPECS[key]!.neuron, vth } }, 21);
      const net = new InferenceModel(model, kernels, 16);
      const samples = 12;
      const n = net.inputSize;
      const steps = model.coding.steps;
      const rng = new Rng(3);
      const intensities = Float32Array.from({ length: samples * n }, () => rng.uniform());
      const ours = net.predictIntensities(intensities, samples, new Rng(1)).map((p) => p.counts);
      // The same input spikes, drawn as the network's encoder draws them (one batch, seed 1).
      const code = prepareBernoulli(intensities, samples, n, steps, new Rng(1));
      const spikes = Array.from({ length: steps }, (_, t) => Array.from({ length: samples }, (_, b) => Array.from({ length: n }, (_, i) => (bernoulliSpike(code, t * samples + b, i) ? 1 : 0))));
      const path = await writeNir(model, `${key}-sim`, dt);
      const theirs = (JSON.parse(runPython(script('nir_simulate.py'), [path], { input: JSON.stringify({ spikes }) })) as { counts: number[][] }).counts;
      expect(theirs).toEqual(ours);
      const all = ours.flat();
      expect(all.some((c) => c > 0 && c < model.coding.steps)).toBe(true); // neither silent nor saturated
      expect(new Set(all).size).toBeGreaterThan(3);
    });
  });
});
