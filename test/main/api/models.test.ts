import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle } from '../../../engine/export/bundle';
import type { ModelSpec } from '../../../engine/spec/types';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { ModelEvaluation, RunSettings, RunSummary, WorkbenchApi } from '../../../main/contract';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import { InferenceModel } from '../../../engine/infer/inference';
import { loadSource } from '../../../main/services/datasets';
import { evaluateModel } from '../../../main/services/evaluation';
import { storedModel } from '../../../main/services/models';
import { insertImageDataset } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { useFileTemps } from '../services/temp';
import { countRows } from '../store/temp-store';
import { recordEvents, runReaches } from './events';

// Models through the API over a temp store: runs trained by real training processes on a real
// MNIST slice, saved as models, exported, imported back and evaluated on worker threads.
const { tempStore, tempDir } = useFileTemps();

const MLP: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 48 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const CNN: ModelSpec = {
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'sigmoid', width: 0.5 } },
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'conv2d', config: { filters: 4, kernel: 5, stride: 2, padding: 1 } },
    { className: 'avgpool', config: { kernel: 2 } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 32, vth: 1.2 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const settings: RunSettings = {
  epochs: 3, steps: 6, batchSize: 25, optimizer: 'adam', lr: 0.002, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 4, limit: 500, testLimit: 150,
};

let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;
let mnistId: number;
let mlpRun: RunSummary;
let cnnRun: RunSummary;
const dir = tempDir('stbp-models-');

async function trained(spec: ModelSpec, name: string): Promise<RunSummary> {
  const events = recordEvents(workbench);
  const run = await api.startRun({ name, datasetId: mnistId, spec, settings, seed: 7, backend: 'wasm' });
  await events.until(runReaches(run.id, 'completed'));
  events.stop();
  return api.getRun(run.id);
}

beforeAll(async () => {
  store = tempStore();
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  mnistId = (await api.ensureMnist()).id;
  [mlpRun, cnnRun] = await Promise.all([trained(MLP, 'mlp'), trained(CNN, 'cnn')]);
});
afterAll(() => workbench.dispose());

const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);
const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));
/** Evaluations agree on everything but the time and the model they are of. */
const outcome = (e: ModelEvaluation) => ({ samples: e.samples, accuracy: e.accuracy, confusion: e.confusion, perClass: e.perClass, seed: e.seed });

async function written(run: RunSummary | { modelId: number }, format: 'bundle' | 'nir', name: string): Promise<string> {
  const source = 'modelId' in run ? { kind: 'model' as const, modelId: run.modelId } : { kind: 'run' as const, runId: run.id, epoch: 'best' as const };
  const file = await api.exportModel({ source, format });
  const path = join(dir, name);
  writeFileSync(path, bytesOf(file.bytes));
  return path;
}

describe('a run\'s weights', () => {
  it('are listed newest first, the best marked and kept with its test accuracy', async () => {
    const weights = await api.listRunWeights(mlpRun.id);
    const epochs = (await api.getRunMetrics(mlpRun.id)).epochs;
    expect(weights[0]).toMatchObject({ epoch: 3, batch: 0, reason: 'epoch', latest: true });
    const best = weights.find((w) => w.best)!;
    const top = Math.max(...epochs.map((e) => e.testAccuracy));
    expect(best.testAccuracy).toBe(top);
    expect(best.epoch).toBe(epochs.find((e) => e.testAccuracy === top)!.epoch);
    for (const w of weights) expect(w.testAccuracy).toBe(epochs.find((e) => e.epoch === w.epoch)!.testAccuracy);
  });
});

describe.each([['MLP', () => mlpRun], ['CNN', () => cnnRun]] as const)('a %s model', (_kind, run) => {
  it('saved from the best epoch evaluates to exactly the run\'s own test accuracy and confusion there', async () => {
    const changes = recordEvents(workbench);
    const model = await api.saveModel({ runId: run().id, epoch: 'best' });
    expect(changes.events).toContainEqual({ type: 'models-changed' });
    changes.stop();
    const epochs = (await api.getRunMetrics(run().id)).epochs;
    const best = epochs.find((e) => e.epoch === model.provenance.epoch)!;
    expect(model).toMatchObject({
      name: `${run().name}-best`, runName: run().name, network: 'spiking',
      coding: { kind: 'bernoulli', steps: 6 }, dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28] }, spec: run().spec,
    });
    expect(model.provenance).toMatchObject({ origin: 'trained', runId: run().id, seed: 7, epoch: best.epoch, testAccuracy: best.testAccuracy, backend: run().backendUsed });
    expect(model.dataset.classNames).toEqual([...'0123456789']);

    const evaluation = await api.evaluateModel({ modelId: model.id, datasetId: mnistId, limit: 150 });
    expect(evaluation).toMatchObject({ samples: 150, accuracy: best.testAccuracy, classes: 10, seed: 7 + best.epoch });
    const probes = await api.getRunProbes(run().id, best.epoch);
    expect(evaluation.confusion).toEqual(probes.confusion!.counts);
    evaluation.perClass.forEach((a, k) => {
      const row = evaluation.confusion.slice(k * 10, k * 10 + 10);
      const total = row.reduce((x, y) => x + y, 0);
      expect(a).toBe(total ? row[k]! / total : null);
    });
    expect(best.testAccuracy).toBeGreaterThan(0.25); // learnt something: the comparisons are of a trained network
  });

  it('goes out as a bundle and comes back with identical weights and predictions', async () => {
    const saved = (await api.listModels()).find((m) => m.provenance.runId === run().id)!;
    const path = await written({ modelId: saved.id }, 'bundle', `${saved.name}.stbp`);
    const imported = await api.importModel({ source: { kind: 'path', path } });
    expect(imported).toMatchObject({ name: `${saved.name}-2`, spec: saved.spec, coding: saved.coding, dataset: saved.dataset });
    expect(imported.provenance).toMatchObject({ origin: 'bundle', runId: run().id, epoch: saved.provenance.epoch, seed: 7, sourceFile: `${saved.name}.stbp` });
    const a = await api.evaluateModel({ modelId: saved.id, datasetId: mnistId, limit: 150 });
    const b = await api.evaluateModel({ modelId: imported.id, datasetId: mnistId, limit: 150 });
    expect(outcome(b)).toEqual(outcome(a));
    const there = decodeBundle(bytesOf((await api.exportModel({ source: { kind: 'model', modelId: saved.id }, format: 'bundle' })).bytes));
    const back = decodeBundle(bytesOf((await api.exportModel({ source: { kind: 'model', modelId: imported.id }, format: 'bundle' })).bytes));
    back.tensors.forEach((t, i) => expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(there.tensors[i]!.data.buffer, there.tensors[i]!.data.byteOffset, there.tensors[i]!.data.byteLength))).toBe(true));
  });

  it('goes out as NIR and comes back as the same network: identical predictions for the same seed', async () => {
    const saved = (await api.listModels()).find((m) => m.provenance.runId === run().id && m.provenance.origin === 'trained')!;
    const path = await written({ modelId: saved.id }, 'nir', `${saved.name}.nir`);
    const imported = await api.importModel({ source: { kind: 'path', path }, name: `${saved.name} via NIR` });
    expect(imported.provenance).toMatchObject({ origin: 'nir', nirDt: 1e-4, sourceFile: `${saved.name}.nir` });
    expect(imported.coding).toEqual(saved.coding);
    expect(imported.params).toBe(saved.params);
    const seed = 12345;
    const opts = { datasetId: mnistId, limit: 150, seed };
    const a = await evaluateModel(store, saved.id, opts);
    const b = await evaluateModel(store, imported.id, opts);
    expect({ ...b, modelId: 0, seconds: 0 }).toEqual({ ...a, modelId: 0, seconds: 0 });
  });
});

describe('model files that are refused', () => {
  it.each<[string, (good: Uint8Array) => Uint8Array, string]>([
    ['an empty file', () => new Uint8Array(0), 'neither a model bundle nor a NIR file'],
    ['a text file', () => new TextEncoder().encode('hello, this is not a model'), 'neither a model bundle nor a NIR file'],
    ['a truncated bundle', (good) => good.subarray(0, Math.floor(good.length * 0.6)), 'truncated'],
    ['a bundle with a flipped byte', (good) => Uint8Array.from(good, (b, i) => (i === good.length - 100 ? b ^ 0x40 : b)), 'it is corrupted: CRC-32'],
  ])('%s: a clear error, nothing stored', async (_what, damage, message) => {
    const good = bytesOf((await api.exportModel({ source: { kind: 'run', runId: mlpRun.id, epoch: 'latest' }, format: 'bundle' })).bytes);
    const path = join(dir, 'damaged.stbp');
    writeFileSync(path, damage(good));
    const before = countRows(store, 'models');
    const result = await call('importModel', { source: { kind: 'path', path } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain(message);
    expect(countRows(store, 'models')).toBe(before);
  });

  it('a truncated NIR file: a clear error, nothing stored', async () => {
    const good = bytesOf((await api.exportModel({ source: { kind: 'run', runId: cnnRun.id, epoch: 'best' }, format: 'nir' })).bytes);
    const path = join(dir, 'cut.nir');
    writeFileSync(path, good.subarray(0, Math.floor(good.length / 2)));
    const before = countRows(store, 'models');
    const result = await call('importModel', { source: { kind: 'path', path } });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-model-file' } });
    if (!result.ok) expect(result.error.message).toContain('cut.nir');
    expect(countRows(store, 'models')).toBe(before);
  });
});

describe('models', () => {
  it('are renamed and deleted by id; names stay unique and a run\'s missing epoch is named', async () => {
    const model = await api.saveModel({ runId: mlpRun.id, epoch: 3, name: 'mlp last epoch' });
    expect(model).toMatchObject({ name: 'mlp last epoch', provenance: { epoch: 3 } });
    expect(await call('saveModel', { runId: mlpRun.id, epoch: 'latest', name: 'mlp last epoch' })).toMatchObject({
      ok: false, error: { code: 'model-exists', message: expect.stringContaining(`taken by model ${model.id}`) },
    });
    expect(await call('saveModel', { runId: mlpRun.id, epoch: 9 })).toMatchObject({
      ok: false, error: { code: 'no-weights', message: expect.stringContaining('no weights of the end of epoch 9; stored weights: end of epoch 3, end of epoch 2, end of epoch 1') },
    });
    expect((await api.renameModel(model.id, 'digits')).name).toBe('digits');
    expect((await api.getModel(model.id)).name).toBe('digits');
    const exported = await api.exportModel({ source: { kind: 'model', modelId: model.id }, format: 'bundle' });
    expect(exported.fileName).toBe('digits.stbp');
    expect(decodeBundle(bytesOf(exported.bytes)).name).toBe('digits');
    await api.deleteModel(model.id);
    expect(await call('getModel', model.id)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('refuse an evaluation on a dataset of another sample shape, naming both', async () => {
    const cnn = (await api.listModels()).find((m) => m.provenance.runId === cnnRun.id)!;
    const split = (count: number) => ({ count, pixels: new Uint8Array(16 * 16 * count).fill(9), labels: new Uint8Array(count) });
    const small = insertImageDataset(store, { name: 'sixteen', source: 'test', meta: { shape: [16, 16, 1], classCount: 10 }, sampleBytes: 256, train: split(2), test: split(2) });
    const result = await call('evaluateModel', { modelId: cnn.id, datasetId: small });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-data' } });
    if (!result.ok) expect(result.error.message).toContain('its samples have shape [1, 16, 16]; the model takes [1, 28, 28] (mnist)');
    expect(await call('evaluateModel', { modelId: cnn.id, datasetId: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('fine-tuning', () => {
  it('a run started from a model begins with its weights: its before-training probe is the model\'s trace', async () => {
    const model = (await api.listModels()).find((m) => m.provenance.runId === mlpRun.id && m.provenance.origin === 'trained')!;
    const events = recordEvents(workbench);
    const run = await api.startRun({ name: 'tuned', datasetId: mnistId, spec: model.spec, settings: { ...settings, epochs: 1, initialModelId: model.id }, seed: 3, backend: 'wasm' });
    expect(run.settings.initialModelId).toBe(model.id);
    await events.until(runReaches(run.id, 'completed'));
    events.stop();
    const before = await api.getRunProbes(run.id, 0);
    const kernels = await createNodeKernels('wasm', { threads: 1 });
    try {
      const inference = new InferenceModel(storedModel(store, model.id), kernels, 1);
      const test = loadSource(store, mnistId, 'test', { limit: 1 });
      const trace = inference.traceSource(test, 0, 3); // the run's probe: test sample 0, coded from the run's seed
      const hidden = trace.activity!.layers[0]!;
      const probe = before.membranes.find((m) => m.layer === 1)!;
      probe.traces.forEach((unit, k) => unit.forEach((u, t) => expect(u).toBe(hidden.membrane[t * hidden.units + k])));
    } finally {
      kernels.dispose();
    }
    // A fine-tuned run learns from there: its first epoch is at least near the model's accuracy, far above chance.
    expect((await api.getRun(run.id)).final!.testAccuracy).toBeGreaterThan(model.provenance.testAccuracy! - 0.1);
  });

  it('refuses a model whose weights do not fit the spec, naming both', async () => {
    const model = (await api.listModels()).find((m) => m.provenance.runId === mlpRun.id)!;
    const wider: ModelSpec = { layers: [MLP.layers[0]!, { className: 'dense', config: { units: 64 } }, MLP.layers[2]!] };
    const result = await call('startRun', { datasetId: mnistId, spec: wider, settings: { ...settings, initialModelId: model.id }, seed: 1, backend: 'wasm' });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    if (!result.ok) expect(result.error.message).toContain(`request.settings.initialModelId is ${model.id}: model ${model.id} (${JSON.stringify(model.name)}) does not fit: tensor layers.1.weight has shape [784, 48]`);
  });
});
