import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { loadMnist } from '../../../engine/data/mnist-node';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { checkActivity } from '../../../engine/train/divergence';
import { TrainingSession, type TrainData } from '../../../engine/train/session';
import { ImageSource } from '../../../engine/train/sources';
import type { EpochReport } from '../../../engine/train/options';

const spec: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 48 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const options = { epochs: 2, steps: 6, batchSize: 50, seed: 11 };

let kernels: Kernels;
let data: TrainData;
beforeAll(async () => {
  kernels = await createNodeKernels('wasm');
  const mnist = await loadMnist({ limitTrain: 420, limitTest: 100 }); // 9 batches, the last one partial
  data = { train: new ImageSource(mnist.train), test: new ImageSource(mnist.test) };
});
afterAll(() => kernels.dispose());

/** Drive a session to the end, collecting its epoch reports. */
function finish(s: TrainingSession): EpochReport[] {
  const reports: EpochReport[] = [];
  while (!s.finished) {
    while (!s.epochComplete) s.runBatch();
    reports.push(s.finishEpoch());
  }
  return reports;
}

function params(s: TrainingSession): Float32Array[] {
  return s.net.params().map((p) => p.value.slice());
}

describe('TrainingSession checkpoints', () => {
  it.each([
    ['mid-epoch', 4],
    ['at an epoch end', 9],
    ['in the second epoch', 13],
  ])('a run resumed from a checkpoint taken %s ends bit-identical to an uninterrupted one', (_when, batches) => {
    const straight = new TrainingSession(spec, options, data, kernels);
    const want = finish(straight);

    const first = new TrainingSession(spec, options, data, kernels);
    for (let i = 0; i < batches; i++) {
      if (first.epochComplete) first.finishEpoch();
      first.runBatch();
    }
    const bytes = first.checkpoint();
    const resumed = TrainingSession.fromCheckpoint(bytes, data, kernels);
    const got = finish(resumed);

    expect(params(resumed)).toEqual(params(straight));
    const last = (r: EpochReport[]) => ({ ...r[r.length - 1]!, seconds: 0, samplesPerSecond: 0 });
    expect(last(got)).toEqual(last(want));
  });

  it.each([
    ['not a checkpoint', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), /does not start with STBPCKP1/],
    ['truncated', 'truncate', /truncated/],
  ])('rejects a checkpoint that is %s', (_what, bytes, message) => {
    const good = new TrainingSession(spec, options, data, kernels).checkpoint();
    const input = bytes === 'truncate' ? good.subarray(0, good.length - 10) : (bytes as Uint8Array);
    expect(() => TrainingSession.fromCheckpoint(input, data, kernels)).toThrow(message);
  });

  it('rejects a checkpoint taken on a different training set', async () => {
    const bytes = new TrainingSession(spec, options, data, kernels).checkpoint();
    const other = await loadMnist({ limitTrain: 300, limitTest: 100 });
    expect(() => TrainingSession.fromCheckpoint(bytes, { train: new ImageSource(other.train), test: data.test }, kernels))
      .toThrow(/checkpoint was taken on 420 training samples; this dataset has 300/);
  });
});

describe('TrainingSession augmentation', () => {
  const elastic = { ...options, augment: [{ name: 'elastic' as const, alpha: 34, sigma: 4 }, { name: 'shift' as const, max: 2 }] };

  it('distorts the training images: another run than without, the same run for the same seed, resumable mid-epoch', () => {
    const plain = new TrainingSession(spec, options, data, kernels);
    finish(plain);
    const a = new TrainingSession(spec, elastic, data, kernels);
    finish(a);
    const b = new TrainingSession(spec, elastic, data, kernels);
    finish(b);
    expect(params(b)).toEqual(params(a));
    expect(params(a)).not.toEqual(params(plain));

    const first = new TrainingSession(spec, elastic, data, kernels);
    for (let i = 0; i < 13; i++) {
      if (first.epochComplete) first.finishEpoch();
      first.runBatch();
    }
    const resumed = TrainingSession.fromCheckpoint(first.checkpoint(), data, kernels);
    finish(resumed);
    expect(params(resumed)).toEqual(params(a));
  });

  it('never distorts the test images: evaluation is the same with or without augmentation', () => {
    const plain = new TrainingSession(spec, options, data, kernels);
    const augmented = new TrainingSession(spec, elastic, data, kernels);
    expect(augmented.evaluate(data.test, 5)).toBe(plain.evaluate(data.test, 5)); // same initial weights
  });

  it.each([
    ['an unknown augmentation', [{ name: 'rotate' }], /unknown augmentation "rotate" \(known: elastic, shift\)/],
    ['a negative sigma', [{ name: 'elastic', alpha: 34, sigma: -1 }], /sigma is -1; allowed: a number > 0/],
  ])('refuses %s, naming it', (_what, augment, message) => {
    expect(() => new TrainingSession(spec, { ...options, augment: augment as never }, data, kernels)).toThrow(message);
  });
});

describe('divergence', () => {
  it('stops a run whose hidden layer never fires, naming the layer', () => {
    const silent = new TrainingSession(spec, { ...options, initGain: 0.05 }, data, kernels);
    expect(() => finish(silent)).toThrow(/layer 1 \(dense, 48 units\) did not fire once in 9 batches: no gradient can flow/);
  });

  it('stops a saturated layer and resets the count when activity returns', () => {
    const plan = inferModel(spec);
    const watch = { silent: [0, 0], saturated: [0, 0] };
    checkActivity(watch, [1, 0.2], plan, 3);
    checkActivity(watch, [0.5, 0.2], plan, 3); // back to normal: the streak restarts
    checkActivity(watch, [1, 0.2], plan, 3);
    checkActivity(watch, [1, 0.2], plan, 3);
    expect(() => checkActivity(watch, [1, 0.2], plan, 3)).toThrow(/layer 1 \(dense, 48 units\) fired at every step in 3 batches: saturated/);
  });

  it('names NaN weights as the cause when they silence a layer', () => {
    const s = new TrainingSession(spec, options, data, kernels);
    s.net.layers[0]!.w.fill(NaN); // NaN potentials never reach Vth: the layer falls silent
    expect(() => finish(s)).toThrow(/training diverged: layer 1 \(dense\) weights contain NaN \(element 0\)/);
  });
});

describe('TrainingSession.loadParams', () => {
  it('starts from given weights (fine-tuning), before the first batch only, and refuses ones that do not fit', () => {
    const trained = new TrainingSession(spec, options, data, kernels);
    for (let i = 0; i < 3; i++) trained.runBatch();
    const weights = params(trained);
    const tuned = new TrainingSession(spec, { ...options, seed: 99 }, data, kernels);
    tuned.loadParams(weights);
    expect(params(tuned)).toEqual(weights);
    tuned.runBatch();
    expect(() => tuned.loadParams(weights)).toThrow('loadParams: the run is at epoch 1, batch 1; allowed: before its first batch');
    const fresh = new TrainingSession(spec, options, data, kernels);
    expect(() => fresh.loadParams(weights.slice(1))).toThrow("their parameter shapes differ from the spec's");
  });
});

describe('TrainingSession batch reports', () => {
  it('time each batch and, inside it, the STBP step (what the bench compares end to end)', () => {
    const s = new TrainingSession(spec, { ...options, epochs: 1 }, data, kernels);
    let total = 0;
    while (!s.epochComplete) {
      const r = s.runBatch();
      expect(r.stepSeconds).toBeGreaterThan(0);
      expect(r.stepSeconds).toBeLessThanOrEqual(r.seconds);
      total += r.seconds;
    }
    expect(s.finishEpoch().seconds).toBeCloseTo(total, 9);
  });
});
