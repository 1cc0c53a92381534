import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../../engine/backend/backends-node';
import type { Kernels } from '../../../../engine/backend/types';
import { loadMnist } from '../../../../engine/data/mnist-node';
import { tensorsFromParams, type TrainedModel } from '../../../../engine/export/model';
import { toNirGraph } from '../../../../engine/export/nir';
import { encodeNir } from '../../../../engine/export/nir-hdf5';
import { generatePytorchJob } from '../../../../engine/export/pytorch/generate';
import { GRAD_MODES, SpikingNetwork, type GradModeName } from '../../../../engine/model/network';
import { Rng } from '../../../../engine/rng';
import { inferModel, type ModelPlan } from '../../../../engine/spec/infer';
import type { LayerSpec, ModelSpec } from '../../../../engine/spec/types';
import { lossByName } from '../../../../engine/train/loss';
import { relErr } from '../../../helpers/compare';
import { pythonWith } from '../../../helpers/python';

/**
 * The generated model.py against the engine: the same weights (written by the workbench as NIR,
 * read by the job's nir_io.py) and the same input spikes must give the same output spike counts
 * and loss, and gradients within 1e-5 relative L2 of SpikingNetwork.backward on the wasm backend,
 * for the presets mlp-800 and cnn-table5 and a small random net of each kind, under every
 * surrogate and gradient mode.
 *
 * Spikes are decisions: a float32 potential within rounding of Vth (or of a rectangular window's
 * edge) could fall on different sides in two implementations that sum in different orders (GEMM
 * vs gather-adds): unquantised, these nets have potentials within 1e-6 of an edge while the two
 * sides' potentials differ by up to 6e-6. So the inputs are chosen to leave no such doubt: every
 * weight and bias is rounded to a multiple of 2^-12 (a change of < 1.3e-4 to the presets' eq.
 * 30–31 init), which makes every synaptic sum exact in float32 whatever its order (spikes are 0/1,
 * 2×2 pool means multiples of 1/4, sums far below 2^24·2^-12), and the leak tau·u is the same
 * correctly rounded product on both sides. Each case asserts the two sides' potentials are then
 * bit-identical, so no spike or window decision can differ, and reports how close a potential came
 * to an edge.
 */
const python = pythonWith(['torch', 'numpy', 'h5py']);
const HARNESS = join(dirname(fileURLToPath(import.meta.url)), 'harness.py');
const preset = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../resources/presets/${name}.json`, import.meta.url)), 'utf8')) as { spec: ModelSpec; train: { initGain: number } };
const layer = (className: string, config: Record<string, unknown> = {}) => ({ className, config }) as unknown as LayerSpec;

interface NetCase {
  name: string;
  spec: ModelSpec;
  steps: number;
  batch: number;
  /** Weights: the presets' own init (eq. 30–31 × their gain), or random ones for the small nets. */
  weights(net: SpikingNetwork, rng: Rng): void;
  /** Dense 0/1 input spikes [T·batch, inputs], time-major. */
  input(plan: ModelPlan, steps: number, batch: number, rng: Rng): Promise<Uint8Array>;
}

/** Bernoulli-coded real MNIST test images (pixel/255 per step). */
async function mnistSpikes(plan: ModelPlan, steps: number, batch: number, rng: Rng): Promise<Uint8Array> {
  const { test } = await loadMnist({ limitTrain: 0, limitTest: batch });
  const n = plan.inputSize;
  const out = new Uint8Array(steps * batch * n);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) out[(t * batch + b) * n + i] = rng.uniform() < test.pixels[b * n + i]! / 255 ? 1 : 0;
  }
  return out;
}

async function randomSpikes(plan: ModelPlan, steps: number, batch: number, rng: Rng): Promise<Uint8Array> {
  return new Uint8Array(steps * batch * plan.inputSize).map(() => (rng.uniform() < 0.4 ? 1 : 0));
}

/** Weights scaled by fan-in (more for pooled, analog input), biases small and positive: every layer fires. */
function randomWeights(net: SpikingNetwork, rng: Rng): void {
  for (const l of net.layers) {
    const fanIn = l.w.length / (l.plan.conv ? l.plan.conv.outC : l.plan.units);
    const gain = l.plan.input === 'analog' ? 4 : 2.2;
    for (let i = 0; i < l.w.length; i++) l.w[i] = (rng.uniform() * 2 - 0.8) * (gain / Math.sqrt(fanIn));
    if (l.plan.bias) for (let i = 0; i < l.b.length; i++) l.b[i] = rng.uniform() * 0.4;
  }
}

const NETS: NetCase[] = [
  {
    name: 'mlp-800', spec: preset('mlp-800').spec, steps: 30, batch: 2, input: mnistSpikes,
    weights: (net, rng) => net.init('paper', rng, preset('mlp-800').train.initGain),
  },
  {
    name: 'cnn-table5', spec: preset('cnn-table5').spec, steps: 20, batch: 2, input: mnistSpikes,
    weights: (net, rng) => net.init('paper', rng, preset('cnn-table5').train.initGain),
  },
  {
    name: 'random-mlp', steps: 8, batch: 3, input: randomSpikes, weights: randomWeights,
    spec: { neuron: { vth: 1, tau: 0.3 }, layers: [layer('input', { shape: [40] }), layer('dense', { units: 16 }), layer('dense', { units: 12, bias: false }), layer('output', { units: 5 })] },
  },
  {
    name: 'random-cnn', steps: 6, batch: 3, input: randomSpikes, weights: randomWeights,
    spec: {
      neuron: { vth: 1, tau: 0.3 },
      layers: [
        layer('input', { shape: [2, 9, 9] }), layer('conv2d', { filters: 4, kernel: 3, stride: 2, padding: 1 }),
        layer('avgpool', { kernel: 2, stride: 1 }), layer('conv2d', { filters: 3, kernel: 2 }), layer('flatten'),
        layer('dense', { units: 7 }), layer('output', { units: 5 }),
      ],
    },
  },
];

const SURROGATES: [string, number][] = [['rectangular', 1], ['polynomial', 1], ['sigmoid', 0.4], ['gaussian', 0.5]];
const MODES = Object.keys(GRAD_MODES) as GradModeName[];

interface Result {
  counts: Float32Array;
  loss: number;
  grads: Float32Array[];
  potentials: Float32Array[];
}

interface Case {
  id: string;
  net: NetCase;
  surrogate: string;
  width: number;
  mode: GradModeName;
  loss: 'mse' | 'ce';
  plan: ModelPlan;
  engine: Result;
  /** Smallest distance of a potential to a decision edge (Vth; a rectangular window's edges), reported. */
  margin: number;
}

const cases: Case[] = [];
let dir = '';
let kernels: Kernels | undefined;
const torchResults = new Map<string, Result>();

async function buildCases(): Promise<void> {
  kernels = await createNodeKernels('wasm', { threads: 1 });
  for (const net of NETS) {
    for (const [si, [surrogate, width]] of SURROGATES.entries()) {
      const spec: ModelSpec = { ...net.spec, neuron: { ...net.spec.neuron, surrogate: { name: surrogate, width } } };
      const plan = inferModel(spec);
      const job = join(dir, `${net.name}-${surrogate}`);
      writeJob(job, spec, plan);
      const rng = new Rng(7 + si);
      const engineNet = new SpikingNetwork(plan, kernels, net.steps, net.batch);
      net.weights(engineNet, rng);
      for (const l of engineNet.layers) for (const a of [l.w, l.b]) a.forEach((v, i) => (a[i] = Math.round(v * 4096) / 4096));
      const input = await net.input(plan, net.steps, net.batch, rng);
      const weights = join(job, 'weights.nir');
      writeFileSync(weights, await encodeNir(toNirGraph(modelOf(spec, plan, engineNet, net.steps))));
      const spikes = join(job, 'input.bin');
      writeFileSync(spikes, input);
      const labels = Array.from({ length: net.batch }, (_, b) => (b * 3 + si) % plan.classes);
      for (const [mi, mode] of MODES.entries()) {
        const loss = (si + mi) % 2 ? 'ce' : 'mse';
        const id = `${net.name}-${surrogate}-${mode}`;
        engineNet.setInputSpikes(input, net.batch);
        const counts = engineNet.forward();
        const outGrad = new Float32Array(net.batch * plan.classes);
        const value = lossByName(loss).evaluate(counts, labels, net.batch, plan.classes, net.steps, outGrad);
        engineNet.backward(outGrad, GRAD_MODES[mode]);
        const rows = net.steps * net.batch;
        const engine: Result = {
          counts: counts.slice(0, net.batch * plan.classes), loss: value,
          grads: engineNet.layers.flatMap((l) => [l.dw.slice(), ...(l.plan.bias ? [l.db.slice()] : [])]),
          potentials: engineNet.layers.map((l) => l.u.slice(0, rows * l.plan.units)),
        };
        cases.push({ id, net, surrogate, width, mode, loss, plan, engine, margin: margin(engine.potentials, plan, surrogate, width) });
        harnessCases.push({ id, job, grad: mode, loss, T: net.steps, batch: net.batch, input: spikes, labels, weights });
      }
    }
  }
}

const harnessCases: object[] = [];

function writeJob(folder: string, spec: ModelSpec, plan: ModelPlan): void {
  const shape = (plan.inputShape.length === 3 ? plan.inputShape : [1, 1, plan.inputSize]) as [number, number, number];
  const files = generatePytorchJob({
    name: 'same-math', spec, settings: { epochs: 1, steps: 1, batchSize: 1, optimizer: 'adam', lr: 1e-3, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 1, seed: 1 },
    dataset: { name: 'test', kind: 'image', sampleShape: shape, classes: plan.classes, classNames: [], train: 1, test: 1 },
    source: { runId: null, datasetId: null, appVersion: 'test' },
  });
  for (const f of files) {
    mkdirSync(dirname(join(folder, f.path)), { recursive: true });
    writeFileSync(join(folder, f.path), f.text);
  }
}

function modelOf(spec: ModelSpec, plan: ModelPlan, net: SpikingNetwork, steps: number): TrainedModel {
  const shape = plan.inputShape.length === 3 ? plan.inputShape : [1, 1, plan.inputSize];
  return {
    name: 'same-math', spec, network: 'spiking', coding: { kind: 'bernoulli', steps },
    dataset: { name: 'test', kind: 'image', sampleShape: shape, classNames: [] },
    provenance: { origin: 'trained', runId: null, epoch: null, testAccuracy: null, seed: 1, backend: null, settings: null, appVersion: 'test', createdAt: '2026-01-01T00:00:00Z' },
    tensors: tensorsFromParams(plan, net.params().map((p) => p.value)),
  };
}

function margin(potentials: Float32Array[], plan: ModelPlan, surrogate: string, width: number): number {
  let m = Infinity;
  plan.layers.forEach((l, i) => {
    for (const u of potentials[i]!) {
      const d = Math.abs(u - l.vth);
      m = Math.min(m, d, surrogate === 'rectangular' ? Math.abs(d - width / 2) : Infinity);
    }
  });
  return m;
}

function readTorch(c: Case): Result {
  const all = new Float32Array(readFileSync(join(dir, 'out', `${c.id}.bin`)).buffer.slice(0));
  let at = 0;
  const take = (n: number) => all.slice(at, (at += n));
  const counts = take(c.engine.counts.length);
  const grads = c.engine.grads.map((g) => take(g.length));
  const potentials = c.engine.potentials.map((u) => take(u.length));
  expect(at, `${c.id}.bin length`).toBe(all.length);
  const { loss } = JSON.parse(readFileSync(join(dir, 'out', `${c.id}.json`), 'utf8')) as { loss: number };
  return { counts, loss, grads, potentials };
}

describe.skipIf(python.skip)('a generated PyTorch job computes what the engine computes (same weights via NIR, same input spikes)', () => {
  beforeAll(async () => {
    if (!python.ok) throw new Error(python.reason);
    dir = mkdtempSync(join(tmpdir(), 'stbp-same-math-'));
    await buildCases();
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(harnessCases));
    mkdirSync(join(dir, 'out'));
    const r = spawnSync(python.path, [HARNESS, join(dir, 'cases.json'), join(dir, 'out')], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`harness.py failed (${r.status ?? r.signal}):\n${r.stderr}`);
    for (const c of cases) torchResults.set(c.id, readTorch(c));
  }, 600_000);

  afterAll(() => {
    kernels?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cases.length && torchResults.size) {
      const worst = (f: (c: Case, t: Result) => number) => Math.max(...cases.map((c) => f(c, torchResults.get(c.id)!)));
      const gradErr = (c: Case, t: Result) => Math.max(...c.engine.grads.map((g, i) => relErr(t.grads[i]!, g)));
      const du = (c: Case, t: Result) => Math.max(...c.engine.potentials.map((u, i) => maxAbsDiff(u, t.potentials[i]!)));
      console.log(`same math, ${cases.length} cases: worst gradient rel. L2 error ${worst(gradErr).toExponential(2)}, worst loss rel. difference ${worst((c, t) => Math.abs(t.loss - c.engine.loss) / Math.abs(c.engine.loss)).toExponential(2)}, largest potential difference ${worst(du).toExponential(2)}, smallest margin to an edge ${Math.min(...cases.map((c) => c.margin)).toExponential(2)}`);
    }
  });

  it.each(NETS.flatMap((n) => SURROGATES.flatMap(([s]) => MODES.map((m) => `${n.name}-${s}-${m}`))))('%s', (id) => {
    const c = cases.find((x) => x.id === id)!;
    const t = torchResults.get(id)!;
    const du = Math.max(...c.engine.potentials.map((u, i) => maxAbsDiff(u, t.potentials[i]!)));
    expect(du, `${id}: largest difference of a membrane potential (closest potential to an edge: ${c.margin})`).toBe(0);
    expect(Array.from(t.counts), `${id}: output spike counts`).toEqual(Array.from(c.engine.counts));
    expect(Math.abs(t.loss - c.engine.loss) / Math.abs(c.engine.loss), `${id}: loss ${t.loss} vs ${c.engine.loss}`).toBeLessThan(1e-6);
    c.engine.grads.forEach((g, i) => {
      expect(g.some((v) => v !== 0), `${id}: parameter tensor ${i} gets a gradient`).toBe(true);
      expect(relErr(t.grads[i]!, g), `${id}: gradient of parameter tensor ${i} (rel. L2)`).toBeLessThanOrEqual(1e-5);
    });
  });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
