import { describe, expect, it } from 'vitest';
import {
  batchSeriesCsv, epochSeriesCsv, rateColumns, runDocument, runFileName, runJson,
  type BatchRecord, type EpochRecord, type RunRecord,
} from '../../../engine/export/run-data';
import type { ModelSpec } from '../../../engine/spec/types';

const MLP: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [4] } },
    { className: 'dense', config: { units: 3 } },
    { className: 'output', config: { units: 2 } },
  ],
};

const CNN: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'conv2d', config: { filters: 15, kernel: 5 } },
    { className: 'avgpool', config: { kernel: 2 } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 300 } },
    { className: 'output', config: { units: 10 } },
  ],
};

const RUN: RunRecord = {
  id: 12, name: 'tiny, "quoted"', status: 'completed', datasetId: 1, datasetName: 'mnist', spec: MLP,
  settings: { epochs: 2, steps: 8, batchSize: 20, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3 } as RunRecord['settings'],
  seed: 7, backendRequested: 'auto', backendUsed: 'wasm-simd ×2 threads', error: null,
  createdAt: '2026-12-01T10:00:00.000Z', startedAt: '2026-12-01T10:00:01.000Z', endedAt: '2026-12-01T10:00:09.000Z', parentRunId: null,
};

const BATCHES: BatchRecord[] = [
  { step: 1, epoch: 1, batch: 1, loss: 0.5, accuracy: 0.25, firingRates: [0.125, 0.0625] },
  { step: 2, epoch: 1, batch: 2, loss: 0.1 + 0.2, accuracy: 0.5, firingRates: [0.1, 1e-7] },
  { step: 3, epoch: 2, batch: 1, loss: Number.NaN, accuracy: 0.75, firingRates: [0.2] },
];

const EPOCHS: EpochRecord[] = [
  { epoch: 1, step: 2, trainLoss: 0.4, trainAccuracy: 0.375, testAccuracy: 0.9, firingRates: [0.11, 0.05], seconds: 1.5, samplesPerSecond: 26.666666666666668 },
  { epoch: 2, step: 3, trainLoss: 0.2, trainAccuracy: 0.75, testAccuracy: 0.95, firingRates: [0.2, 0.01], seconds: 1.25, samplesPerSecond: 16 },
];

describe('metric series as CSV', () => {
  it('writes one row per batch: step, epoch, batch, loss, accuracy, a firing-rate column per LIF layer', () => {
    expect(batchSeriesCsv(BATCHES, RUN)).toBe(
      'step,epoch,batch,loss,accuracy,firing_rate_1_dense_3,firing_rate_2_output_2\r\n' +
        '1,1,1,0.5,0.25,0.125,0.0625\r\n' +
        '2,1,2,0.30000000000000004,0.5,0.1,1e-7\r\n' +
        '3,2,1,,0.75,0.2,\r\n',
    );
  });

  it('writes one row per epoch: epoch, step, train loss and accuracy, test accuracy, rates, seconds, samples/s', () => {
    expect(epochSeriesCsv(EPOCHS, RUN)).toBe(
      'epoch,step,train_loss,train_accuracy,test_accuracy,firing_rate_1_dense_3,firing_rate_2_output_2,seconds,samples_per_second\r\n' +
        '1,2,0.4,0.375,0.9,0.11,0.05,1.5,26.666666666666668\r\n' +
        '2,3,0.2,0.75,0.95,0.2,0.01,1.25,16\r\n',
    );
  });

  it('is a header alone for a run with no points yet', () => {
    expect(batchSeriesCsv([], RUN)).toBe('step,epoch,batch,loss,accuracy,firing_rate_1_dense_3,firing_rate_2_output_2\r\n');
    expect(epochSeriesCsv([], RUN).split('\r\n')).toHaveLength(2);
  });

  it('names rate columns after the LIF layers of a CNN (no column for pooling), a twin\'s as active fractions, extras by position', () => {
    expect(rateColumns({ spec: CNN, settings: {} }, [])).toEqual(['firing_rate_1_conv2d_15', 'firing_rate_4_dense_300', 'firing_rate_5_output_10']);
    expect(rateColumns({ spec: MLP, settings: { network: 'twin' } }, [])).toEqual(['active_fraction_1_dense_3', 'active_fraction_2_output_2']);
    expect(rateColumns({ spec: MLP, settings: {} }, [{ firingRates: [1, 2, 3] }])).toEqual(['firing_rate_1_dense_3', 'firing_rate_2_output_2', 'firing_rate_layer3']);
  });

  it('names the files after the run', () => {
    expect([runFileName(12, 'epochs'), runFileName(12, 'batches'), runFileName(12, 'json')]).toEqual(['run-12-epochs.csv', 'run-12-batches.csv', 'run-12.json']);
  });
});

describe('a run as JSON', () => {
  it('holds the run (spec, settings, identity) and both series, and parses back to the same values', () => {
    const document = runDocument(RUN, { batches: BATCHES, epochs: EPOCHS });
    const parsed = JSON.parse(runJson(document)) as typeof document;
    expect(parsed.format).toBe('stbp-workbench-run');
    expect(parsed.version).toBe(1);
    expect(parsed.run).toEqual(RUN);
    expect(parsed.metrics.epochs).toEqual(EPOCHS);
    // JSON has no NaN: the diverged loss comes back as null, the rest exactly.
    expect(parsed.metrics.batches[2]!.loss).toBeNull();
    expect(parsed.metrics.batches.slice(0, 2)).toEqual(BATCHES.slice(0, 2));
  });

  it('takes only the run\'s own fields, not what a side holds besides (live progress, final figures)', () => {
    const summary = { ...RUN, progress: { epoch: 1 }, final: { epochs: 2 } };
    const batch = { ...BATCHES[0]!, extra: 1 };
    const document = runDocument(summary, { batches: [batch], epochs: [] });
    expect(Object.keys(document.run)).not.toContain('progress');
    expect(Object.keys(document.run)).not.toContain('final');
    expect(document.metrics.batches[0]).toEqual(BATCHES[0]);
  });

  it('writes one metric point per line under an indented head', () => {
    const text = runJson(runDocument(RUN, { batches: BATCHES, epochs: EPOCHS }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('{');
    expect(lines[1]).toBe('  "format": "stbp-workbench-run",');
    expect(lines).toContain('      {"step":1,"epoch":1,"batch":1,"loss":0.5,"accuracy":0.25,"firingRates":[0.125,0.0625]},');
    expect(lines).toContain('      {"step":3,"epoch":2,"batch":1,"loss":null,"accuracy":0.75,"firingRates":[0.2]}');
    expect(text.endsWith('    ]\n  }\n}\n')).toBe(true);
    expect(JSON.parse(runJson(runDocument(RUN, { batches: [], epochs: [] }))).metrics).toEqual({ epochs: [], batches: [] });
  });
});
