import { afterAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { GRAD_MODES, SpikingNetwork, type GradModeName } from '../../../engine/model/network';
import { SURROGATES } from '../../../engine/neuron/surrogates';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import { lossByName } from '../../../engine/train/loss';
import { referenceGradients } from '../../helpers/stbp-autodiff';
import { relErr } from '../../helpers/compare';
import { rateCodedSpikes } from '../../helpers/kernel-data';

const opened: Kernels[] = [];
afterAll(() => opened.forEach((k) => k.dispose()));

const BACKENDS: [string, () => Promise<Kernels>][] = [
  ['wasm (1 thread)', () => createNodeKernels('wasm', { threads: 1 })],
  ['wasm (2 threads)', () => createNodeKernels('wasm', { threads: 2 })],
  ['wasm (3 threads)', () => createNodeKernels('wasm', { threads: 3 })], // more threads than cores still splits right
  ['tfjs', () => createNodeKernels('tfjs')],
];

/**
 * Input spikes: independent at every step, or rate-coded (test/helpers/kernel-data.ts), whose
 * steps repeat each other so the first layer sums their changes (SpikeDeltas).
 */
type Input = 'random' | 'rate-coded';

/**
 * A small random 3-layer net with weights scaled so every layer fires at a moderate rate and
 * many potentials sit inside the surrogate window: a check that exercises every gradient path.
 */
function setup(kernels: Kernels, surrogate: string, width: number, seed: number, input: Input = 'random') {
  const steps = 6;
  const batch = 4;
  const spec = {
    neuron: { vth: 1.0, tau: 0.3, surrogate: { name: surrogate, width } },
    layers: [
      { className: 'input' as const, config: { shape: [12] } },
      { className: 'dense' as const, config: { units: 70 } }, // ≥ 64: the packed gather path
      { className: 'dense' as const, config: { units: 7 } },
      { className: 'output' as const, config: { units: 5 } },
    ],
  };
  const plan = inferModel(spec);
  const net = new SpikingNetwork(plan, kernels, steps, batch + 3); // a batch below the maximum, like an epoch's last
  const rng = new Rng(seed);
  for (const l of net.layers) {
    for (let i = 0; i < l.w.length; i++) l.w[i] = (rng.uniform() * 2 - 0.8) * (2.2 / Math.sqrt(l.plan.inUnits));
    for (let i = 0; i < l.b.length; i++) l.b[i] = rng.uniform() * 0.4;
  }
  const spikes = input === 'random'
    ? new Float32Array(steps * batch * 12).map(() => (rng.uniform() < 0.4 ? 1 : 0))
    : Float32Array.from(rateCodedSpikes(rng, steps, batch, 12));
  const labels = Array.from({ length: batch }, (_, b) => b % 5);
  return { plan, net, input: spikes, labels, steps, batch };
}

describe.each(BACKENDS)('STBP backward on %s matches tfjs autodiff of the same forward', (_name, make) => {
  const cases: [GradModeName, string, number, 'mse' | 'ce', Input][] = [];
  for (const mode of Object.keys(GRAD_MODES) as GradModeName[]) {
    for (const s of SURROGATES) cases.push([mode, s.name, s.name === 'rectangular' ? 1.0 : 0.6, 'mse', 'random']);
  }
  cases.push(['stbp', 'sigmoid', 0.5, 'ce', 'random']);
  cases.push(['stbp', 'rectangular', 1.0, 'mse', 'rate-coded'], ['detach-reset', 'sigmoid', 0.5, 'ce', 'rate-coded']);

  it.each(cases)('%s, %s surrogate (width %d), %s loss, %s input', async (mode, surrogate, width, lossName, inputKind) => {
    const kernels = await make();
    opened.push(kernels);
    const { plan, net, input, labels, steps, batch } = setup(kernels, surrogate, width, 7 + width * 10, inputKind);
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
    expect(Math.min(...rates)).toBeGreaterThan(0.05); // every layer active: the check is not vacuous
    expect(Math.max(...rates)).toBeLessThan(0.95);
    net.layers.forEach((l, i) => {
      expect(relErr(l.dw, ref.dw[i]), `dW of layer ${i}`).toBeLessThanOrEqual(1e-5);
      expect(relErr(l.db, ref.db[i]), `db of layer ${i}`).toBeLessThanOrEqual(1e-5);
    });
  });
});
