import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../../engine/backend/types';
import { loadMnist } from '../../../engine/data/mnist-node';
import { tensorsFromParams, type TrainedModel } from '../../../engine/export/model';
import { evaluationRng } from '../../../engine/infer/evaluate';
import { InferenceModel } from '../../../engine/infer/inference';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { TrainingSession, type TrainData } from '../../../engine/train/session';
import { ImageSource } from '../../../engine/train/sources';
import { expectEngineError } from '../../helpers/errors';
import { NODE_BACKENDS } from '../backend/node-backends';

/**
 * A model made from a session's weights predicts exactly what the session's own network does: the
 * same test accuracy for the same seed and batch size (every backend), the same counts per sample,
 * and traces with the same spikes as a run's probes.
 */
const MLP: ModelSpec = {
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 40 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const CNN: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'conv2d', config: { filters: 4, kernel: 5 } },
    { className: 'avgpool', config: { kernel: 2 } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 24, bias: false } },
    { className: 'output', config: { units: 10 } },
  ],
};
const OPTIONS = { epochs: 1, steps: 8, batchSize: 40, seed: 5, initGain: 4, lr: 0.002 };

let data: TrainData;
beforeAll(async () => {
  const mnist = await loadMnist({ limitTrain: 2000, limitTest: 120 });
  data = { train: new ImageSource(mnist.train), test: new ImageSource(mnist.test) };
});

const open: Kernels[] = [];
afterAll(() => open.forEach((k) => k.dispose()));

async function kernelsOf(make: () => Promise<Kernels>): Promise<Kernels> {
  const k = await make();
  open.push(k);
  return k;
}

function modelOf(session: TrainingSession, spec: ModelSpec): TrainedModel {
  return {
    name: 'test', spec, network: 'spiking', coding: { kind: 'bernoulli', steps: OPTIONS.steps },
    dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classNames: Array.from({ length: 10 }, (_, i) => String(i)) },
    provenance: {
      origin: 'trained', runId: 1, epoch: 1, testAccuracy: null, seed: OPTIONS.seed, backend: session.kernels.description, settings: null,
      appVersion: 'test', createdAt: '2026-12-04T00:00:00.000Z',
    },
    tensors: tensorsFromParams(inferModel(spec), session.net.params().map((p) => p.value)),
  };
}

describe.each(NODE_BACKENDS)('InferenceModel on %s', (_name, make) => {
  it.each([['MLP', MLP], ['CNN', CNN]] as const)('reproduces a %s session\'s test accuracy, confusion and counts exactly', async (_kind, spec) => {
    const kernels = await kernelsOf(make);
    const session = new TrainingSession(spec, OPTIONS, data, kernels);
    while (!session.epochComplete) session.runBatch();
    const report = session.finishEpoch(); // evaluated with seed + epoch 1
    const confusion = session.confusion.slice();
    const model = new InferenceModel(modelOf(session, spec), await kernelsOf(make), OPTIONS.batchSize);
    const mine = new Uint32Array(100);
    expect(model.evaluate(data.test, OPTIONS.seed + 1, mine)).toBe(report.testAccuracy);
    expect(mine).toEqual(confusion);
    expect(report.testAccuracy).toBeGreaterThan(0.2); // trained, twice chance: the comparison is of a network that learnt

    const indices = Uint32Array.from({ length: data.test.count }, (_, i) => i);
    const predictions = model.predictSource(data.test, indices, data.test.count, evaluationRng(99));
    const again = session.evaluate(data.test, 99); // the same stream through the session's own network
    const correct = predictions.filter((p, i) => p.predicted === data.test.label(i)).length;
    expect(correct / data.test.count).toBe(again);
    expect(predictions[0]!.counts).toHaveLength(10);
    expect(predictions[0]!.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

describe('InferenceModel', () => {
  it('traces one image like a run\'s probe: the same spikes and potentials for the same seed', async () => {
    const kernels = await kernelsOf(NODE_BACKENDS[0]![1]);
    const session = new TrainingSession(MLP, OPTIONS, data, kernels);
    session.runBatch();
    const probe = session.probe(data.test, 3, 7)!;
    const model = new InferenceModel(modelOf(session, MLP), await kernelsOf(NODE_BACKENDS[0]![1]), 1);
    const intensities = (data.test as ImageSource).fill([3], 1).slice();
    const trace = model.trace(intensities, 7);
    expect(trace.activity!.input).toEqual(probe.input);
    expect(trace.activity!.layers.map((l) => l.spikes)).toEqual(probe.layers.map((l) => l.spikes));
    expect(trace.activity!.layers.map((l) => l.membrane)).toEqual(probe.layers.map((l) => l.membrane));
    const out = probe.layers.at(-1)!;
    const counts = Array.from({ length: 10 }, (_, k) => Array.from({ length: OPTIONS.steps }, (_, t) => out.spikes[t * 10 + k]!).reduce((a, b) => a + b, 0));
    expect(trace.counts).toEqual(counts);
    expect(trace.predicted).toBe(counts.indexOf(Math.max(...counts)));
  });

  it('refuses weights that do not fit the spec, and intensities of the wrong size, naming them', async () => {
    const kernels = await kernelsOf(NODE_BACKENDS[0]![1]);
    const session = new TrainingSession(MLP, OPTIONS, data, kernels);
    const good = modelOf(session, MLP);
    const short = { ...good, tensors: good.tensors.map((t, i) => (i === 2 ? { ...t, shape: [40, 9], data: t.data.subarray(0, 360) } : t)) };
    await expectEngineError(() => new InferenceModel(short, kernels), 'bad-model', 'tensor layers.3.weight has shape [40, 9]', 'allowed: [40, 10]');
    const nan = { ...good, tensors: good.tensors.map((t, i) => (i === 1 ? { ...t, data: Float32Array.from(t.data, (v, j) => (j === 5 ? NaN : v)) } : t)) };
    await expectEngineError(() => new InferenceModel(nan, kernels), 'bad-model', 'tensor layers.2.bias holds NaN at element 5');
    const model = new InferenceModel(good, kernels, 4);
    await expectEngineError(() => model.predictIntensities(new Float32Array(700), 1, evaluationRng(1)), 'bad-input', '700 values for 1 samples', '1 × 784');
  });
});
