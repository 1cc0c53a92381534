/**
 * The one implementation of the contract's `WorkbenchApi`, over the store and the training-process
 * supervisor. Electron IPC and the web server both call it through `dispatch` (validate.ts), which
 * checks arguments first; methods here trust their argument types but check everything that needs
 * the store (ids, names, states).
 *
 * It keeps the live runs of this process: their handles (pause, stop) and where each one is, and
 * turns what their training processes stream into contract events.
 */
import { basename } from 'node:path';
import type { ModelSpec } from '../../engine/spec/types';
import { inferModel } from '../../engine/spec/infer';
import type { PresetInfo, RunProgress, RunSettings, RunSummary, WorkbenchApi, WorkbenchEvent } from '../contract';
import type { FromTrainer, RunHyper } from '../runs/messages';
import { startRun as superviseRun, type RunHandle, type SpawnTrainer } from '../runs/supervisor';
import { ensureMnist, importDataset } from '../services/datasets';
import { listPresets } from '../services/presets';
import { deleteDataset, getDataset, listDatasets, requireDataset } from '../store/datasets';
import { recoverInterruptedRuns, type Store } from '../store/db';
import { latestCheckpoint } from '../store/checkpoints';
import { createRun, deleteRun, listRuns, renameRun, requireRun, setRunStatus } from '../store/runs';
import { deleteSpec, listSpecs, saveSpec } from '../store/specs';
import { datasetSummary, encodingPreview, samplePage } from './datasets';
import { badState, unavailable } from './errors';
import { appInfo } from './info';
import { runProbes } from './probes';
import { batchPoint, checkStartRun, epochPoint, hyperOf, progressOf, runMetrics, runSummary, settingsOf } from './runs';

/** Web mode: the files a browser uploaded for an import, and their removal once imported. */
export interface UploadResolver {
  /** The uploaded folder, or the single file when one file was uploaded; unknown ids throw `not-found`. */
  resolve(uploadId: string): string;
  release(uploadId: string): Promise<void>;
}

export interface WorkbenchOptions {
  store: Store;
  mode: 'desktop' | 'web';
  /** How training processes start (default: child_process.fork of the worker bundle). */
  spawn?: SpawnTrainer;
  /** The better-sqlite3 addon training processes open the store with (Electron's build in the app). */
  nativeBinding?: string;
  /** Desktop: the native open dialog. Without it `pickPaths` answers `unavailable`. */
  pickPaths?: (request: { kind: 'file' | 'folder'; title: string }) => Promise<string[]>;
  /** Web mode: where `{kind: 'upload'}` import sources are. */
  uploads?: UploadResolver;
}

export interface Workbench {
  api: WorkbenchApi;
  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  /** Pauses every live run (each checkpoints and ends 'paused') and waits for their processes. */
  dispose(): Promise<void>;
}

interface LiveRun {
  handle: RunHandle;
  progress: RunProgress | null;
  epochs: number;
  /** Probes of this epoch are arriving; announced once the next other message (or the end) comes. */
  probesOf?: number;
}

export function createWorkbench(options: WorkbenchOptions): Workbench {
  const { store, mode } = options;
  const listeners = new Set<(event: WorkbenchEvent) => void>();
  const live = new Map<number, LiveRun>();
  let disposed = false;
  recoverInterruptedRuns(store);

  const emit = (event: WorkbenchEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (e) {
        console.error('workbench: an event listener failed:', e);
      }
    }
  };
  const summary = (runId: number): RunSummary => runSummary(store, requireRun(store, runId), live.get(runId)?.progress ?? null);
  const runChanged = (runId: number): RunSummary => {
    const run = summary(runId);
    emit({ type: 'run-changed', run });
    return run;
  };

  const forward = (runId: number, run: LiveRun, m: FromTrainer): void => {
    if (m.type !== 'probe' && run.probesOf !== undefined) {
      emit({ type: 'run-probes', runId, epoch: run.probesOf });
      run.probesOf = undefined;
    }
    switch (m.type) {
      case 'started':
        run.epochs = m.epochs;
        run.progress = { epoch: m.epoch, batch: m.batch, batches: m.batches, epochs: m.epochs, samplesPerSecond: 0 };
        runChanged(runId); // now with the backend that runs
        break;
      case 'batch':
        run.progress = progressOf(m.report, run.epochs);
        emit({ type: 'run-batch', runId, point: batchPoint(m.step, m.report), progress: run.progress });
        break;
      case 'epoch':
        emit({ type: 'run-epoch', runId, point: epochPoint({ step: m.step, values: m.report }) });
        run.probesOf = m.report.epoch; // its confusion counts are recorded; a twin sends no other probes
        break;
      case 'probe':
        run.probesOf = m.epoch;
        break;
    }
  };

  /** Starts (or resumes) a recorded run in its own process and follows it until it ends. */
  const begin = (runId: number, resume: boolean): RunSummary => {
    if (disposed) throw unavailable(`the workbench is shutting down; run ${runId} was not started`);
    const epochs = settingsOf(requireRun(store, runId).hyper as RunHyper).epochs;
    let run: LiveRun | undefined;
    const pending: FromTrainer[] = [];
    let handle: RunHandle;
    try {
      handle = superviseRun(store, runId, {
        resume,
        spawn: options.spawn,
        nativeBinding: options.nativeBinding,
        onMessage: (m) => (run ? forward(runId, run, m) : pending.push(m)),
      });
    } catch (e) {
      if (requireRun(store, runId).status === 'failed') runChanged(runId);
      throw e;
    }
    run = { handle, progress: null, epochs };
    live.set(runId, run);
    for (const m of pending.splice(0)) forward(runId, run, m);
    void handle.finished.then(
      () => {
        if (run!.probesOf !== undefined) emit({ type: 'run-probes', runId, epoch: run!.probesOf });
        live.delete(runId);
        runChanged(runId);
      },
      (e: unknown) => {
        live.delete(runId);
        console.error(`workbench: run ${runId} could not be recorded as ended:`, e);
      },
    );
    return runChanged(runId);
  };

  /** The live run, or an error saying why this call cannot act on it. */
  const requireLive = (method: string, runId: number, allowed = 'a run training in this app'): LiveRun => {
    const row = requireRun(store, runId);
    const run = live.get(runId);
    if (run) return run;
    const where = row.status === 'running' ? 'running in another process (e.g. `stbp train` in a terminal): pause or stop it there' : `'${row.status}'`;
    throw badState(`${method}: run ${runId} (${JSON.stringify(row.name)}) is ${where}; allowed: ${allowed}`);
  };

  const api: WorkbenchApi = {
    getInfo: async () => appInfo(mode, store.path),

    listDatasets: async () => listDatasets(store).map(datasetSummary),
    ensureMnist: async () => {
      const existed = getDataset(store, 'mnist') !== undefined;
      const row = await ensureMnist(store);
      if (!existed) emit({ type: 'datasets-changed' });
      return datasetSummary(row);
    },
    importDataset: async ({ format, name, source, options: formatOptions }) => {
      let path: string | undefined;
      let sourceLabel: string | undefined;
      if (source?.kind === 'path') path = source.path;
      if (source?.kind === 'upload') {
        if (!options.uploads) throw unavailable(`importDataset: request.source.kind is "upload"; allowed here (${mode} mode): "path"`);
        path = options.uploads.resolve(source.uploadId);
        sourceLabel = `browser upload of ${basename(path)}`; // the temp folder itself is removed below
      }
      const row = await importDataset(store, {
        format, name, ...(path !== undefined && { path }), ...(formatOptions && { options: formatOptions }), ...(sourceLabel && { sourceLabel }),
      });
      // Only a successful import drops the upload: after a refusal (a taken name, a bad option) the same files can be retried.
      if (source?.kind === 'upload') await options.uploads!.release(source.uploadId);
      emit({ type: 'datasets-changed' });
      return datasetSummary(row);
    },
    deleteDataset: async (datasetId) => {
      deleteDataset(store, requireDataset(store, datasetId).id); // refused while runs use it
      emit({ type: 'datasets-changed' });
    },
    getSamples: async (request) => samplePage(store, request),
    getEncoding: async (request) => encodingPreview(store, request),

    listPresets: async () => (await listPresets()).map(presetInfo),
    listSpecs: async () => listSpecs(store).map((s) => ({ name: s.name, spec: s.spec as ModelSpec, updatedAt: s.updatedAt })),
    saveSpec: async (name, spec) => {
      inferModel(spec); // a spec that fails shape inference is refused, naming the layer
      const saved = saveSpec(store, name, spec);
      emit({ type: 'specs-changed' });
      return { name: saved.name, spec: saved.spec as ModelSpec, updatedAt: saved.updatedAt };
    },
    deleteSpec: async (name) => {
      deleteSpec(store, name);
      emit({ type: 'specs-changed' });
    },

    listRuns: async () => listRuns(store).map((row) => runSummary(store, row, live.get(row.id)?.progress ?? null)),
    getRun: async (runId) => summary(runId),
    startRun: async (request) => {
      if (disposed) throw unavailable('startRun: the workbench is shutting down');
      checkStartRun(store, request);
      const runId = createRun(store, {
        ...(request.name !== undefined && { name: request.name }),
        datasetId: request.datasetId,
        spec: request.spec,
        hyper: hyperOf(request.settings),
        seed: request.seed,
        backendRequested: request.backend,
      });
      return begin(runId, false);
    },
    pauseRun: async (runId) => {
      const run = requireLive('pauseRun', runId);
      run.handle.pause();
      await run.handle.finished; // after its current batch, with a checkpoint
      return summary(runId);
    },
    resumeRun: async (runId) => {
      if (live.has(runId)) throw badState(`resumeRun: run ${runId} is already training`);
      const row = requireRun(store, runId);
      if (row.status === 'running') requireLive('resumeRun', runId); // another process trains it
      return begin(runId, latestCheckpoint(store, runId) !== undefined);
    },
    stopRun: async (runId) => {
      const run = live.get(runId);
      if (run) {
        run.handle.stop();
        await run.handle.finished;
        return summary(runId);
      }
      const row = requireRun(store, runId);
      // A paused or interrupted run has no process: stopping it only records that it is done.
      if (row.status === 'paused' || row.status === 'interrupted') {
        setRunStatus(store, runId, 'stopped');
        return runChanged(runId);
      }
      requireLive('stopRun', runId, 'a run training in this app, or a paused or interrupted one'); // throws: not live
      return summary(runId);
    },
    deleteRun: async (runId) => {
      if (live.has(runId)) throw badState(`deleteRun: run ${runId} is training; stop it first, then delete it`);
      deleteRun(store, runId); // also refuses a run another process is training
      emit({ type: 'run-deleted', runId });
    },
    renameRun: async (runId, name) => {
      renameRun(store, runId, name);
      return runChanged(runId);
    },
    getRunMetrics: async (runId) => {
      requireRun(store, runId);
      return runMetrics(store, runId);
    },
    getRunProbes: async (runId, epoch) => runProbes(store, runId, epoch),

    pickPaths: async (request) => {
      if (!options.pickPaths) throw unavailable(`pickPaths: there is no native file dialog in ${mode} mode; allowed: type a path, or upload the files`);
      return options.pickPaths(request);
    },
  };

  return {
    api,
    onEvent(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async dispose() {
      disposed = true;
      const running = [...live.values()];
      for (const run of running) run.handle.pause();
      await Promise.allSettled(running.map((run) => run.handle.finished));
      listeners.clear();
    },
  };
}

/** The run settings a preset gives (its seed is the launcher's default, not a setting). */
const SETTING_KEYS = ['epochs', 'steps', 'batchSize', 'optimizer', 'lr', 'loss', 'grad', 'init', 'initGain', 'limit', 'testLimit'] as const satisfies readonly (keyof RunSettings)[];

function presetInfo(p: { name: string; description: string; spec: ModelSpec; train: object }): PresetInfo {
  const train = p.train as Record<string, unknown>;
  const settings = Object.fromEntries(SETTING_KEYS.filter((k) => train[k] !== undefined).map((k) => [k, train[k]]));
  return { name: p.name, description: p.description, spec: p.spec, train: settings as Partial<RunSettings> };
}
