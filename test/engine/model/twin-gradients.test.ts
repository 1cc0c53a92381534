import { afterAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../../engine/backend/types';
import { TwinNetwork } from '../../../engine/model/twin';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import type { LayerSpec, ModelSpec } from '../../../engine/spec/types';
import { lossByName } from '../../../engine/train/loss';
import { twinReferenceGradients } from '../../helpers/twin-autodiff';
import { relErr } from '../../helpers/compare';
import { NODE_BACKENDS } from '../backend/node-backends';

const opened: Kernels[] = [];
afterAll(() => opened.forEach((k) => k.dispose()));

const layer = (className: string, config: Record<string, unknown> = {}) => ({ className, config }) as unknown as LayerSpec;

/**
 * A dense net and two conv nets that between them take every path of the twin: dense on the
 * analog input, convolution of the input, pooling of ReLU maps, convolution of pooled maps,
 * a convolution on a convolution, stride, padding, overlapping pooling, flatten into dense layers.
 */
const NETS: [string, number[], LayerSpec[]][] = [
  ['[30] → dense 16 → dense 9 → output 5', [30], [layer('dense', { units: 16 }), layer('dense', { units: 9 })]],
  ['[1,8,8] → conv 3×k3 pad 1 → avgpool 2 → conv 4×k3 → flatten → dense 9 → output 5', [1, 8, 8], [
    layer('conv2d', { filters: 3, kernel: 3, padding: 1 }), layer('avgpool', { kernel: 2 }),
    layer('conv2d', { filters: 4, kernel: 3 }), layer('flatten'), layer('dense', { units: 9 }),
  ]],
  ['[2,9,9] → conv 4×k3 stride 2 pad 1 → conv 3×k2 → avgpool 2 stride 1 → flatten → output 5', [2, 9, 9], [
    layer('conv2d', { filters: 4, kernel: 3, stride: 2, padding: 1 }), layer('conv2d', { filters: 3, kernel: 2 }),
    layer('avgpool', { kernel: 2, stride: 1 }), layer('flatten'),
  ]],
];

/** Weights around zero scaled by fan-in and small positive biases: every ReLU layer partly active. */
function setup(kernels: Kernels, shape: number[], hidden: LayerSpec[]) {
  const batch = 6;
  const spec: ModelSpec = { layers: [layer('input', { shape }), ...hidden, layer('output', { units: 5 })] };
  const plan = inferModel(spec);
  const net = new TwinNetwork(plan, kernels, 1, batch + 3); // a batch below the maximum, like an epoch's last
  const rng = new Rng(23);
  for (const l of net.layers) {
    const fanIn = l.w.length / (l.plan.conv ? l.plan.conv.outC : l.plan.units);
    for (let i = 0; i < l.w.length; i++) l.w[i] = (rng.uniform() * 2 - 0.9) * (2 / Math.sqrt(fanIn));
    for (let i = 0; i < l.b.length; i++) l.b[i] = rng.uniform() * 0.2 - 0.05;
  }
  const input = new Float32Array(batch * plan.inputSize).map(() => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
  const labels = Array.from({ length: batch }, (_, b) => b % 5);
  return { plan, net, input, labels, batch };
}

describe.each(NODE_BACKENDS)('the non-spiking twin\'s backprop on %s matches tfjs autodiff of the same forward', (_name, make) => {
  describe.each(NETS)('%s', (_net, shape, hidden) => {
    it.each(['mse', 'ce'] as const)('%s loss', async (lossName) => {
      const kernels = await make();
      opened.push(kernels);
      const { plan, net, input, labels, batch } = setup(kernels, shape, hidden);
      net.encode(input, batch, new Rng(1));
      const scores = net.forward();
      const grad = new Float32Array(batch * plan.classes);
      const loss = lossByName(lossName).evaluate(scores, labels, batch, plan.classes, net.countSteps, grad);
      net.backward(grad);

      const ref = twinReferenceGradients({
        stages: plan.stages, weights: net.layers.map((l) => l.w.slice()), biases: net.layers.map((l) => l.b.slice()),
        input, labels, batch, loss: lossName,
      });
      expect(loss).toBeCloseTo(ref.loss, 5);
      const active = net.firingRates().slice(0, -1);
      expect(Math.min(...active), `active fractions ${active.map((r) => r.toFixed(2))}`).toBeGreaterThan(0.05); // the check is not vacuous
      expect(Math.max(...active), `active fractions ${active.map((r) => r.toFixed(2))}`).toBeLessThan(0.95);
      net.layers.forEach((l, i) => {
        expect(ref.dw[i]!.some((v) => v !== 0), `layer ${i} gets a gradient`).toBe(true);
        expect(relErr(l.dw, ref.dw[i]!), `dW of layer ${i} (${l.plan.kind})`).toBeLessThanOrEqual(1e-5);
        expect(relErr(l.db, ref.db[i]!), `db of layer ${i} (${l.plan.kind})`).toBeLessThanOrEqual(1e-5);
      });
    });
  });
});
