import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../engine/spec/types';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { RunSettings, WorkbenchApi, WorkbenchEvent } from '../../../main/contract';
import { latestCheckpoint, listCheckpoints } from '../../../main/store/checkpoints';
import type { Store } from '../../../main/store/db';
import { setRunStatus } from '../../../main/store/runs';
import { listProbes } from '../../../main/store/probes';
import { useFileTemps } from '../services/temp';
import { recordEvents, runReaches } from './events';

// The run's state told truthfully, over real training processes on a real MNIST slice: progress
// of runs that are not training here, a stop's evaluation, the verdict of a run that did not
// learn, probes within an epoch, bounded conv probes, and the launcher's measured estimate.
const { tempStore } = useFileTemps();

const spec: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 32 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const settings: RunSettings = {
  epochs: 2, steps: 4, batchSize: 10, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3, limit: 1000, testLimit: 200,
};

let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;
let mnistId: number;

beforeAll(async () => {
  store = tempStore();
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  mnistId = (await api.ensureMnist()).id;
});
afterAll(() => workbench.dispose());

const isBatch = (id: number) => (e: WorkbenchEvent): boolean => e.type === 'run-batch' && e.runId === id && e.progress.batch >= 5;

describe('a paused run', () => {
  it('sends the probe sample within an epoch every few seconds, every layer, then keeps its progress when paused, here and in a new process', async () => {
    const log = recordEvents(workbench);
    // 60,000 samples in batches of 10 at T = 30: 6,000 batches, many seconds an epoch.
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: { ...settings, steps: 30, limit: 60000 }, seed: 2, backend: 'wasm' });
    const first = await log.until((e) => (e.type === 'run-live-probes' && e.runId === id) || (e.type === 'run-changed' && e.run.id === id && e.run.status !== 'running'));
    if (first.type !== 'run-live-probes') throw new Error(`the run ended before its first live probe: ${JSON.stringify(first)}`);
    const live = first;
    expect(live.probes.epoch).toBe(1);
    expect(live.probes.batch).toBeGreaterThan(0);
    expect(live.probes.rasters.map((r) => [r.layer, r.units, r.steps, r.unitStep])).toEqual([[0, 784, 30, 1], [1, 32, 30, 1], [2, 10, 30, 1]]);
    expect(live.probes.membranes.map((m) => [m.layer, m.traces.length, m.vth])).toEqual([[1, 10, 1.5], [2, 10, 1.5]]);
    for (const m of live.probes.membranes) expect(m.peak).toBeGreaterThanOrEqual(Math.max(...m.traces.flat().map(Math.abs)));
    expect(listProbes(store, id).every((p) => p.epoch === 0)).toBe(true); // live probes are not stored

    const paused = await api.pauseRun(id);
    log.stop();
    const at = latestCheckpoint(store, id)!;
    expect(at.reason).toBe('pause');
    const expected = { epoch: 1, batch: at.batch, batches: 6000, epochs: 2, samplesSeen: at.batch * 10, samplesTotal: 120000 };
    expect(at.batch).toBeGreaterThan(live.probes.batch);
    expect(at.batch).toBeLessThan(6000);
    expect(paused.progress).toMatchObject(expected);
    expect(paused.progress!.samplesPerSecond).toBeGreaterThan(0);
    expect((await api.listRuns()).find((r) => r.id === id)!.progress).toEqual(paused.progress);

    // Another process of the app (or the CLI) knows it from the store alone.
    const other = createWorkbench({ store, mode: 'desktop' });
    expect((await other.api.getRun(id)).progress).toEqual(paused.progress);
    await other.dispose();
  });
});

describe('a stopped run', () => {
  // 1,000 samples train in a few tens of milliseconds, less than the 100 ms between two groups of
  // batch reports: the stop would land after the epoch. 60,000 samples give it seconds.
  const long: RunSettings = { ...settings, limit: 60000 };

  it('is evaluated on the test set with the weights it stopped with, as a model of those weights evaluates', async () => {
    const log = recordEvents(workbench);
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: long, seed: 5, backend: 'wasm' });
    await log.until(isBatch(id));
    const stopped = await api.stopRun(id);
    log.stop();
    const checkpoint = latestCheckpoint(store, id)!;
    expect(checkpoint).toMatchObject({ reason: 'stop', epoch: 1, best: false });
    expect(stopped.stop).toEqual({ epoch: 1, batch: checkpoint.batch, batches: 6000, testAccuracy: checkpoint.testAccuracy, evaluatedAtStop: true });
    expect(stopped.final).toBeNull(); // no epoch ended
    expect(stopped.progress).toMatchObject({ epoch: 1, batch: checkpoint.batch, samplesSeen: checkpoint.batch * 10 });

    // The same number, independently: the stopped weights saved as a model and evaluated on the same test slice.
    const model = await api.saveModel({ runId: id, epoch: 'latest' });
    expect(model.provenance.testAccuracy).toBe(stopped.stop!.testAccuracy);
    const evaluated = await api.evaluateModel({ modelId: model.id, datasetId: mnistId, limit: 200 });
    expect(evaluated.accuracy).toBe(stopped.stop!.testAccuracy);
  });

  it('stopped while paused, it is evaluated all the same (its process starts only for that)', async () => {
    const log = recordEvents(workbench);
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: long, seed: 6, backend: 'wasm' });
    await log.until(isBatch(id));
    const paused = await api.pauseRun(id);
    const stopped = await api.stopRun(id);
    log.stop();
    expect(stopped.status).toBe('stopped');
    expect(stopped.stop).toMatchObject({ epoch: 1, batch: paused.progress!.batch, evaluatedAtStop: true, testAccuracy: expect.any(Number) });
    expect(listCheckpoints(store, id).map((c) => [c.reason, c.batch])).toEqual([['stop', paused.progress!.batch], ['pause', paused.progress!.batch]]);
    expect((await api.getRunMetrics(id)).batches).toHaveLength(paused.progress!.batch); // no batch trained on the way
  });

  it('says plainly when it was not evaluated, and evaluateRun evaluates it', async () => {
    const log = recordEvents(workbench);
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: long, seed: 7, backend: 'wasm' });
    await log.until(isBatch(id));
    await api.pauseRun(id);
    log.stop();
    setRunStatus(store, id, 'stopped'); // as runs were stopped before stops were evaluated
    const before = await api.getRun(id);
    expect(before.stop).toMatchObject({ epoch: 1, testAccuracy: null, evaluatedAtStop: false });
    const after = await api.evaluateRun(id);
    expect(after).toMatchObject({ status: 'stopped', stop: { epoch: 1, batch: before.stop!.batch, evaluatedAtStop: true, testAccuracy: expect.any(Number) } });
    expect(await dispatch(api, 'evaluateRun', [id])).toEqual({
      ok: false, error: { code: 'bad-state', message: expect.stringMatching(/^evaluateRun: run \d+ \("run-\d+"\) was evaluated already: test accuracy \d+\.\d\d% at the stop$/) },
    });
  });
});

describe('the verdict', () => {
  it('calls an Adam run at lr 50 diverged (accuracy at chance, potentials thousands of thresholds out), and a normal run ok', async () => {
    const log = recordEvents(workbench);
    const wild = await api.startRun({ datasetId: mnistId, spec, settings: { ...settings, epochs: 1, lr: 50, testLimit: 500 }, seed: 1, backend: 'wasm' });
    const calm = await api.startRun({ datasetId: mnistId, spec, settings: { ...settings, epochs: 1, testLimit: 500 }, seed: 1, backend: 'wasm' });
    const [diverged, learnt] = await Promise.all([log.until(runReaches(wild.id, 'completed')), log.until(runReaches(calm.id, 'completed'))]);
    log.stop();
    expect(diverged.run.status).toBe('completed'); // what happened: the status word stays
    expect(diverged.run.verdict!.kind).toBe('diverged');
    expect(diverged.run.verdict!.message).toMatch(/^diverged: test accuracy \d+(\.\d)?% \(chance 10%\), membrane up to [\d,]+ \(Vth 1\.5\) in layer \d \((dense 32|output 10)\)/);
    const peak = Number(/membrane up to ([\d,]+)/.exec(diverged.run.verdict!.message)![1]!.replaceAll(',', ''));
    expect(peak).toBeGreaterThan(150);
    expect(learnt.run.verdict).toEqual({ kind: 'ok', message: expect.stringMatching(/^learning: test accuracy \d+(\.\d)?% \(chance 10%\)$/) });
    expect(learnt.run.final!.testAccuracy).toBeGreaterThan(0.2);
  });
});

describe('probes of a convolutional layer', () => {
  it('keep a bounded, evenly spread sample of its 8,640 units, and its peak over all of them', async () => {
    const cnn: ModelSpec = {
      layers: [
        { className: 'input', config: { shape: [1, 28, 28] } },
        { className: 'conv2d', config: { filters: 15, kernel: 5 } },
        { className: 'flatten' },
        { className: 'output', config: { units: 10 } },
      ],
    };
    const log = recordEvents(workbench);
    const { id } = await api.startRun({ datasetId: mnistId, spec: cnn, settings: { ...settings, epochs: 1, steps: 3, limit: 20, testLimit: 10 }, seed: 1, backend: 'wasm' });
    await log.until(runReaches(id, 'completed'));
    log.stop();
    const probes = await api.getRunProbes(id);
    const conv = probes.rasters.find((r) => r.layer === 1)!;
    expect([conv.units, conv.layerUnits, conv.unitStep, conv.steps]).toEqual([960, 8640, 9, 3]);
    const stored = listProbes(store, id, { kind: 'membrane', epoch: 1 }).find((p) => p.layer === 1)!;
    expect(stored.data.byteLength).toBe(3 * 960 * 4); // every 9th unit, not 3 × 8,640 floats
    expect(probes.membranes.find((m) => m.layer === 1)!.peak).toBe(stored.meta.peak);
  });
});

describe('estimateRun', () => {
  it('times the network in a training process and scales its rates to the run', async () => {
    const request = { datasetId: mnistId, spec, settings: { ...settings, epochs: 3, limit: 5000, testLimit: 1000 }, seed: 1, backend: 'wasm' };
    const estimate = await api.estimateRun(request);
    expect(estimate.backend).toMatch(/^wasm-simd/);
    expect(estimate.batchesTimed).toBeGreaterThanOrEqual(1);
    expect(estimate.trainSamplesPerSecond).toBeGreaterThan(0);
    expect(estimate.testSamplesPerSecond).toBeGreaterThan(0);
    expect(estimate.trainSeconds).toBeCloseTo((3 * 5000) / estimate.trainSamplesPerSecond, 6);
    expect(estimate.testSeconds).toBeCloseTo((3 * 1000) / estimate.testSamplesPerSecond, 6);
    expect(estimate.seconds).toBeCloseTo(estimate.trainSeconds + estimate.testSeconds, 6);
    expect(await api.listRuns()).toHaveLength(7); // nothing recorded
    expect(await dispatch(api, 'estimateRun', [{ ...request, spec: { layers: [spec.layers[0], { className: 'output', config: { units: 0 } }] } }])).toMatchObject({
      ok: false, error: { code: 'bad-spec', message: 'layer 1 (output): units is 0; allowed: an integer from 1 to 1048576' },
    });
  });
});
