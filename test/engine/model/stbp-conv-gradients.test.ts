import { afterAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { GRAD_MODES, SpikingNetwork, type GradModeName } from '../../../engine/model/network';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import type { LayerSpec, ModelSpec } from '../../../engine/spec/types';
import { lossByName } from '../../../engine/train/loss';
import { referenceGradients } from '../../helpers/stbp-autodiff';
import { relErr } from '../../helpers/compare';
import { rateCodedSpikes } from '../../helpers/kernel-data';

const opened: Kernels[] = [];
afterAll(() => opened.forEach((k) => k.dispose()));

const BACKENDS: [string, () => Promise<Kernels>][] = [
  ['wasm (1 thread)', () => createNodeKernels('wasm', { threads: 1 })],
  ['wasm (2 threads)', () => createNodeKernels('wasm', { threads: 2 })],
  ['wasm (3 threads)', () => createNodeKernels('wasm', { threads: 3 })],
  ['tfjs', () => createNodeKernels('tfjs')],
];

const layer = (className: string, config: Record<string, unknown> = {}) => ({ className, config }) as unknown as LayerSpec;

/**
 * Two small conv nets that between them take every path of the chain: event-driven convolution
 * of the input, pooling of spikes, convolution and dense layers on analog (pooled) input, a
 * convolution on a convolution's spikes (its ∂L/∂input reaches a LIF layer), stride, padding,
 * overlapping pooling, a flatten into dense layers.
 */
const NETS: [string, number[], LayerSpec[]][] = [
  ['[1,8,8] → conv 3×k3 pad 1 → avgpool 2 → conv 4×k3 → flatten → dense 9 → output 5', [1, 8, 8], [
    layer('conv2d', { filters: 3, kernel: 3, padding: 1 }), layer('avgpool', { kernel: 2 }),
    layer('conv2d', { filters: 4, kernel: 3 }), layer('flatten'), layer('dense', { units: 9 }),
  ]],
  ['[2,9,9] → conv 4×k3 stride 2 pad 1 → conv 3×k2 → avgpool 2 stride 1 → flatten → output 5', [2, 9, 9], [
    layer('conv2d', { filters: 4, kernel: 3, stride: 2, padding: 1 }), layer('conv2d', { filters: 3, kernel: 2 }),
    layer('avgpool', { kernel: 2, stride: 1 }), layer('flatten'),
  ]],
];

/**
 * Random weights scaled by each neuron's fan-in (more for analog inputs, pooled spikes being
 * smaller than spikes), seeded so that every layer of both nets fires at a moderate rate.
 */
function setup(kernels: Kernels, shape: number[], hidden: LayerSpec[], surrogate: string, width: number, rateCoded: boolean) {
  const steps = 6;
  const batch = 4;
  const spec: ModelSpec = {
    neuron: { vth: 1.0, tau: 0.3, surrogate: { name: surrogate, width } },
    layers: [layer('input', { shape }), ...hidden, layer('output', { units: 5 })],
  };
  const plan = inferModel(spec);
  const net = new SpikingNetwork(plan, kernels, steps, batch + 3); // a batch below the maximum, like an epoch's last
  const rng = new Rng(16);
  for (const l of net.layers) {
    const fanIn = l.w.length / (l.plan.conv ? l.plan.conv.outC : l.plan.units);
    const gain = l.plan.input === 'analog' ? 4 : 2.2;
    for (let i = 0; i < l.w.length; i++) l.w[i] = (rng.uniform() * 2 - 0.8) * (gain / Math.sqrt(fanIn));
    for (let i = 0; i < l.b.length; i++) l.b[i] = rng.uniform() * 0.4;
  }
  // Rate-coded input repeats itself from step to step, so the first convolution sums its changes.
  const input = rateCoded
    ? Float32Array.from(rateCodedSpikes(rng, steps, batch, plan.inputSize))
    : new Float32Array(steps * batch * plan.inputSize).map(() => (rng.uniform() < 0.4 ? 1 : 0));
  const labels = Array.from({ length: batch }, (_, b) => b % 5);
  return { plan, net, input, labels, steps, batch };
}

const CASES: [GradModeName, string, number, 'mse' | 'ce', 'random' | 'rate-coded'][] = [
  ...(Object.keys(GRAD_MODES) as GradModeName[]).map((mode) => [mode, 'rectangular', 1.0, 'mse', 'random'] as [GradModeName, string, number, 'mse', 'random']),
  ['stbp', 'polynomial', 0.6, 'mse', 'random'],
  ['stbp', 'gaussian', 0.6, 'mse', 'random'],
  ['stbp', 'sigmoid', 0.5, 'ce', 'random'],
  ['stbp', 'sigmoid', 0.5, 'mse', 'rate-coded'],
];

describe.each(BACKENDS)('STBP backward of conv nets on %s matches tfjs autodiff of the same forward', (_name, make) => {
  describe.each(NETS)('%s', (_net, shape, hidden) => {
    it.each(CASES)('%s, %s surrogate (width %d), %s loss, %s input', async (mode, surrogate, width, lossName, inputKind) => {
      const kernels = await make();
      opened.push(kernels);
      const { plan, net, input, labels, steps, batch } = setup(kernels, shape, hidden, surrogate, width, inputKind === 'rate-coded');
      net.setInputSpikes(input, batch);
      const counts = net.forward();
      const grad = new Float32Array(batch * plan.classes);
      const loss = lossByName(lossName).evaluate(counts, labels, batch, plan.classes, steps, grad);
      net.backward(grad, GRAD_MODES[mode]);

      const ref = referenceGradients({
        stages: plan.stages, weights: net.layers.map((l) => l.w.slice()), biases: net.layers.map((l) => l.b.slice()),
        input, labels, steps, batch, mode, loss: lossName,
      });
      expect(loss).toBeCloseTo(ref.loss, 5);
      const rates = net.firingRates();
      expect(Math.min(...rates), `firing rates ${rates.map((r) => r.toFixed(2))}`).toBeGreaterThan(0.05); // the check is not vacuous
      expect(Math.max(...rates), `firing rates ${rates.map((r) => r.toFixed(2))}`).toBeLessThan(0.95);
      net.layers.forEach((l, i) => {
        expect(ref.dw[i].some((v) => v !== 0), `layer ${i} gets a gradient`).toBe(true);
        expect(relErr(l.dw, ref.dw[i]), `dW of layer ${i} (${l.plan.kind})`).toBeLessThanOrEqual(1e-5);
        expect(relErr(l.db, ref.db[i]), `db of layer ${i} (${l.plan.kind})`).toBeLessThanOrEqual(1e-5);
      });
    });
  });
});
