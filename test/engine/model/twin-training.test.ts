import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../../engine/backend/types';
import type { ImageDataset } from '../../../engine/data/dataset';
import { loadMnist } from '../../../engine/data/mnist-node';
import { SpikingNetwork } from '../../../engine/model/network';
import { TwinNetwork } from '../../../engine/model/twin';
import { Rng } from '../../../engine/rng';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { TrainingSession } from '../../../engine/train/session';
import { ImageSource } from '../../../engine/train/sources';
import { train } from '../../../engine/train/trainer';
import { NODE_BACKENDS, firstBitDifference } from '../backend/node-backends';

/** The non-spiking twin through the full trainer on real MNIST: it learns, reproduces, resumes. */
const MLP: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 128 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const CNN: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'conv2d', config: { filters: 6, kernel: 5 } },
    { className: 'avgpool', config: { kernel: 2 } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 32 } },
    { className: 'output', config: { units: 10 } },
  ],
};

let data: { train: ImageDataset; test: ImageDataset };
const opened: Kernels[] = [];
const kernelsOf = async (name: string) => {
  const k = await NODE_BACKENDS.find(([n]) => n === name)![1]();
  opened.push(k);
  return k;
};
beforeAll(async () => {
  data = await loadMnist({ limitTrain: 2000, limitTest: 500 });
});
afterAll(() => opened.forEach((k) => k.dispose()));

describe('the non-spiking twin on real MNIST', () => {
  it('an MLP twin learns: ≥ 80% test accuracy after 3 epochs on 2,000 images', async () => {
    // 784-128-10, rate MSE on the scores, gain 1: measured 82.2%, 87.4%, 89.4% after epochs 1-3.
    const result = await train(MLP, { network: 'twin', epochs: 3, batchSize: 50, seed: 1 }, data, await kernelsOf('wasm (2 threads)'));
    const [first, , last] = result.epochs;
    expect(last!.testAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(last!.trainLoss).toBeLessThan(first!.trainLoss);
    expect(result.network.kind).toBe('twin');
    for (const active of last!.firingRates) expect(active).toBeGreaterThan(0.01);
  });

  it('a conv twin learns: ≥ 70% test accuracy after 2 epochs on 2,000 images', async () => {
    // 28x28x1-6C5-P2-32-10: measured 81.2%, 86.2%.
    const result = await train(CNN, { network: 'twin', epochs: 2, batchSize: 50, seed: 1 }, data, await kernelsOf('wasm (2 threads)'));
    expect(result.epochs[1]!.testAccuracy).toBeGreaterThanOrEqual(0.7);
  });

  it('has the spiking network\'s parameter shapes and, from one seed, its initial weights', async () => {
    const kernels = await kernelsOf('wasm (1 thread)');
    for (const spec of [MLP, CNN]) {
      const plan = inferModel(spec);
      const [snn, twin] = [new SpikingNetwork(plan, kernels, 4, 8), new TwinNetwork(plan, kernels, 4, 8)];
      snn.init('paper', new Rng(9), 3);
      twin.init('paper', new Rng(9), 3);
      expect(twin.params().map((p) => p.value.length)).toEqual(snn.params().map((p) => p.value.length));
      snn.params().forEach((p, i) => expect(firstBitDifference(twin.params()[i]!.value, p.value), `tensor ${i}`).toBe(-1));
    }
  });

  const runs = new Map<string, Float32Array[]>();
  async function weightsAfter(backend: string, spec: ModelSpec): Promise<Float32Array[]> {
    const small = { train: { ...data.train, count: 400 }, test: { ...data.test, count: 100 } };
    const result = await train(spec, { network: 'twin', epochs: 1, batchSize: 50, seed: 4 }, small, await kernelsOf(backend));
    return result.network.params().map((p) => p.value.slice());
  }
  const cached = async (backend: string, spec: ModelSpec) => {
    const key = `${backend} ${spec === CNN ? 'cnn' : 'mlp'}`;
    if (!runs.has(key)) runs.set(key, await weightsAfter(backend, spec));
    return runs.get(key)!;
  };

  it.each(NODE_BACKENDS.map(([name]) => name))('%s: same seed → bit-identical weights (MLP and conv twins)', async (backend) => {
    for (const spec of [MLP, CNN]) {
      const [first, again] = [await cached(backend, spec), await weightsAfter(backend, spec)];
      first.forEach((p, i) => expect(firstBitDifference(again[i]!, p), `tensor ${i}`).toBe(-1));
      expect(first.every((p) => p.every(Number.isFinite))).toBe(true);
    }
  });

  it('wasm on 1 and on 2 threads trains a twin to bit-identical weights', async () => {
    for (const spec of [MLP, CNN]) {
      const [one, two] = [await cached('wasm (1 thread)', spec), await cached('wasm (2 threads)', spec)];
      one.forEach((p, i) => expect(firstBitDifference(two[i]!, p), `tensor ${i}`).toBe(-1));
    }
  });

  it('a twin resumed from a mid-epoch checkpoint is a twin and ends bit-identical to an uninterrupted run', async () => {
    const kernels = await kernelsOf('wasm (2 threads)');
    const small = { train: new ImageSource({ ...data.train, count: 250 }), test: new ImageSource({ ...data.test, count: 50 }) };
    const options = { network: 'twin' as const, epochs: 2, batchSize: 50, seed: 5 };
    const finish = (s: TrainingSession) => {
      while (!s.finished) {
        while (!s.epochComplete) s.runBatch();
        s.finishEpoch();
      }
      return s.net.params().map((p) => p.value.slice());
    };
    const want = finish(new TrainingSession(CNN, options, small, kernels));
    const first = new TrainingSession(CNN, options, small, kernels);
    for (let i = 0; i < 3; i++) first.runBatch();
    const resumed = TrainingSession.fromCheckpoint(first.checkpoint(), small, kernels);
    expect(resumed.net.kind).toBe('twin');
    expect(resumed.probe(small.test, 0, 1)).toBeNull(); // no spikes to record
    const got = finish(resumed);
    want.forEach((p, i) => expect(firstBitDifference(got[i]!, p), `tensor ${i}`).toBe(-1));
  });

  it('starts a twin at initGain 1 unless the options give one (the spiking default 3 is for Vth)', async () => {
    const kernels = await kernelsOf('wasm (1 thread)');
    const small = { train: new ImageSource({ ...data.train, count: 50 }), test: new ImageSource({ ...data.test, count: 50 }) };
    expect(new TrainingSession(MLP, { network: 'twin' }, small, kernels).options.initGain).toBe(1);
    expect(new TrainingSession(MLP, { network: 'twin', initGain: 2 }, small, kernels).options.initGain).toBe(2);
    expect(new TrainingSession(MLP, {}, small, kernels).options).toMatchObject({ network: 'spiking', initGain: 3 });
  });

  it('refuses an unknown network kind, listing the known ones', async () => {
    const kernels = await kernelsOf('wasm (1 thread)');
    const small = { train: new ImageSource({ ...data.train, count: 50 }), test: new ImageSource({ ...data.test, count: 50 }) };
    expect(() => new TrainingSession(MLP, { network: 'ann' as never }, small, kernels)).toThrow('unknown network "ann" (known: spiking, twin)');
  });

  it('takes event frames as their mean over the window: each input\'s event rate', async () => {
    const plan = inferModel({ layers: [{ className: 'input', config: { shape: [3] } }, { className: 'output', config: { units: 2 } }] });
    const twin = new TwinNetwork(plan, await kernelsOf('wasm (1 thread)'), 4, 2);
    // 4 steps × 2 samples × 3 inputs, time-major: sample 0 sees input 0 at every step, input 2 once.
    const frames = [1, 0, 1, 0, 1, 0, /**/ 1, 0, 0, 0, 1, 0, /**/ 1, 0, 0, 0, 1, 0, /**/ 1, 0, 0, 0, 0, 0];
    twin.setInputSpikes(frames, 2);
    expect([...twin.input.subarray(0, 6)]).toEqual([1, 0, 0.25, 0, 0.75, 0]);
  });
});
