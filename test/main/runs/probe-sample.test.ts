import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { loadMnist } from '../../../engine/data/mnist-node';
import type { ModelSpec } from '../../../engine/spec/types';
import { decodeCheckpoint } from '../../../engine/train/checkpoint';
import { TrainingSession, type TrainData } from '../../../engine/train/session';
import { ImageSource } from '../../../engine/train/sources';
import { peakPotential, PROBE_UNITS_MAX, probeRecords, sampleUnits, unitStep } from '../../../main/runs/probe-sample';

describe('probe records', () => {
  it('keep every k-th unit of a large layer, the same for every step', () => {
    expect([unitStep(784), unitStep(PROBE_UNITS_MAX), unitStep(PROBE_UNITS_MAX + 1), unitStep(8640)]).toEqual([1, 1, 2, 9]);
    const rows = Uint8Array.from({ length: 2 * 7 }, (_, i) => i); // 2 steps × 7 units
    expect([...sampleUnits(rows, 2, 7, 3)]).toEqual([0, 3, 6, 7, 10, 13]);
    const u = Float32Array.of(0.5, -9, 2, 1);
    expect(sampleUnits(u, 1, 4, 1)).toBe(u);
    expect(peakPotential(u)).toBe(9);
  });

  it('describe each layer: shown units, the layer\'s, the step; membranes their peak over every unit', () => {
    const steps = 2;
    const units = 2 * PROBE_UNITS_MAX; // sampled at step 2
    const membrane = new Float32Array(steps * units);
    membrane[steps * units - 1] = -42; // an odd unit: not kept, but the peak sees it
    const records = probeRecords({ steps, input: new Uint8Array(steps * 4), layers: [{ units, vth: 1.5, spikes: new Uint8Array(steps * units), membrane }] }, 0, 7);
    expect(records.map((r) => [r.kind, r.layer, r.meta.units, r.meta.layerUnits, r.meta.unitStep])).toEqual([
      ['raster', 0, 4, 4, 1], ['raster', 1, PROBE_UNITS_MAX, units, 2], ['membrane', 1, PROBE_UNITS_MAX, units, 2],
    ]);
    expect(records[2]!.meta).toMatchObject({ vth: 1.5, peak: 42, dtype: 'f32', label: 7 });
    expect(records[2]!.data.byteLength).toBe(steps * PROBE_UNITS_MAX * 4);
  });
});

describe('probing within an epoch', () => {
  const spec: ModelSpec = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 24 } }, { className: 'output', config: { units: 10 } }] };
  let kernels: Kernels;
  let data: TrainData;
  beforeAll(async () => {
    kernels = await createNodeKernels('wasm');
    const mnist = await loadMnist({ limitTrain: 300, limitTest: 20 });
    data = { train: new ImageSource(mnist.train), test: new ImageSource(mnist.test) };
  });
  afterAll(() => kernels.dispose());

  it('leaves training untouched: a run probed after every batch ends with the same state as one never probed', () => {
    const options = { epochs: 1, steps: 5, batchSize: 30, seed: 4 };
    const plain = new TrainingSession(spec, options, data, kernels);
    while (!plain.epochComplete) plain.runBatch();
    const plainBytes = plain.checkpoint();
    const probed = new TrainingSession(spec, options, data, kernels);
    while (!probed.epochComplete) {
      probed.runBatch();
      expect(probeRecords(probed.probe(data.test, 0, options.seed)!, 0, data.test.label(0))).toHaveLength(5);
    }
    // Everything but the wall-clock seconds the checkpoint also keeps.
    const { epochSeconds: _a, ...expected } = decodeCheckpoint(plainBytes);
    const { epochSeconds: _b, ...got } = decodeCheckpoint(probed.checkpoint());
    expect(got).toEqual(expected);
  });
});
