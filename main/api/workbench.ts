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
import { asStoreError } from '../store/damage';
import type { Store } from '../store/db';
import { latestCheckpoint, listCheckpoints } from '../store/checkpoints';
import { createRun, deleteRun, listRuns, recoverInterruptedRuns, renameRun, requireRun, setRunStatus } from '../store/runs';
import { deleteSpec, listSpecs, saveSpec } from '../store/specs';
import { datasetSummary, encodingPreview, samplePage } from './datasets';
import { createEmulations, eventRecording } from './emulate';
import { badState, unavailable } from './errors';
import { appInfo } from './info';
import { evaluateModel } from '../services/evaluation';
import { importModelFile, saveRunModel } from '../services/models';
import { deleteModel, listModels, renameModel, requireModel } from '../store/models';
import { jobsApi } from './jobs';
import { studiesApi } from './studies';
import { exportedFile, modelSummary, runWeights } from './models';
import { measureInProcess } from '../runs/estimate';
import { runEstimate } from './estimate';
import { liveProbes, runProbes } from './probes';
import { epochSize, withSamples, type EpochSize } from './run-state';
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
  /** An epoch's samples and batches, for the samples seen of each batch event. */
  size: EpochSize | undefined;
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
  const emulations = createEmulations(store, emit);
  /** Where a live run is: a training process of this app, or a PyTorch job it runs or follows. */
  const liveProgress = (runId: number): RunProgress | null => live.get(runId)?.progress ?? jobs.progress(runId);
  const summary = (runId: number): RunSummary => runSummary(store, requireRun(store, runId), liveProgress(runId));
  const runChanged = (runId: number): RunSummary => {
    const run = summary(runId);
    emit({ type: 'run-changed', run });
    return run;
  };

  const forward = (runId: number, run: LiveRun, m: FromTrainer): void => {
    if (m.type !== 'probe' && run.probesOf !== undefined) {
      emit({ type: 'run-probes', runId, epoch: run.probesOf });
      if (run.probesOf > 0) runChanged(runId); // an epoch's figures and probes are in: its verdict may have changed
      run.probesOf = undefined;
    }
    switch (m.type) {
      case 'started':
        run.epochs = m.epochs;
        run.progress = withSamples({ epoch: m.epoch, batch: m.batch, batches: m.batches, epochs: m.epochs, samplesPerSecond: 0 }, run.size);
        runChanged(runId); // now with the backend that runs
        break;
      case 'batches':
        for (const { step, report } of m.batches) {
          run.progress = withSamples(progressOf(report, run.epochs), run.size);
          emit({ type: 'run-batch', runId, point: batchPoint(step, report), progress: run.progress });
        }
        break;
      case 'live-probes':
        emit({ type: 'run-live-probes', runId, probes: liveProbes(m.epoch, m.batch, m.probes) });
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
  const begin = (runId: number, resume: boolean, request?: 'stop'): RunSummary => {
    if (disposed) throw unavailable(`the workbench is shutting down; run ${runId} was not started`);
    const row = requireRun(store, runId);
    const settings = settingsOf(row.hyper as RunHyper);
    const size = epochSize(getDataset(store, row.datasetId)?.splits.train, settings);
    let run: LiveRun | undefined;
    const pending: FromTrainer[] = [];
    let handle: RunHandle;
    try {
      handle = superviseRun(store, runId, {
        resume,
        spawn: options.spawn,
        nativeBinding: options.nativeBinding,
        ...(request && { request }),
        onMessage: (m) => (run ? forward(runId, run, m) : pending.push(m)),
      });
    } catch (e) {
      if (requireRun(store, runId).status === 'failed') runChanged(runId);
      throw e;
    }
    run = { handle, progress: null, epochs: settings.epochs, size };
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

  /** A run without a process stops through one that loads its checkpoint, evaluates those weights and ends stopped. */
  const evaluateAndStop = async (runId: number): Promise<RunSummary> => {
    begin(runId, true, 'stop');
    await live.get(runId)!.handle.finished;
    return summary(runId);
  };

  /** The live run, or an error saying why this call cannot act on it. */
  const requireLive = (method: string, runId: number, allowed = 'a run training in this app'): LiveRun => {
    const row = requireRun(store, runId);
    const run = live.get(runId);
    if (run) return run;
    const where = row.status === 'running' ? 'running in another process (e.g. `stbp train` in a terminal): pause or stop it there' : `'${row.status}'`;
    throw badState(`${method}: run ${runId} (${JSON.stringify(row.name)}) is ${where}; allowed: ${allowed}`);
  };

  const jobs = jobsApi({ store, emit, summary, runChanged });
  // The persistent queue: queued runs start through `begin`, as live runs of this app.
  const studies = studiesApi({
    store,
    emit,
    launch: (runId, resume) => {
      begin(runId, resume);
      return live.get(runId)!.handle;
    },
    stopLive: async (runId) => {
      const run = live.get(runId);
      if (!run) return false;
      run.handle.stop();
      await run.handle.finished;
      return true;
    },
  });

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
    emulateEvents: async (request) => {
      if (disposed) throw unavailable('emulateEvents: the workbench is shutting down');
      return emulations.emulate(request);
    },
    cancelEmulation: async (name) => emulations.cancel(name),
    getEvents: async (request) => eventRecording(store, request),

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

    listRuns: async () => listRuns(store).map((row) => runSummary(store, row, liveProgress(row.id))),
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
      if (jobs.isLive(runId)) throw badState(`pauseRun: run ${runId} is a PyTorch job; allowed: stop (it checkpoints, and startPytorchJob with resume continues it)`);
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
      if (jobs.isLive(runId)) return jobs.stop(runId);
      const run = live.get(runId);
      if (run) {
        run.handle.stop();
        await run.handle.finished;
        return summary(runId);
      }
      const row = requireRun(store, runId);
      // A paused or interrupted run has no process: one starts to evaluate its last weights and ends stopped.
      if (row.status === 'paused' || row.status === 'interrupted') {
        if (listCheckpoints(store, runId).length > 0) return evaluateAndStop(runId);
        setRunStatus(store, runId, 'stopped'); // nothing stored to evaluate
        return runChanged(runId);
      }
      requireLive('stopRun', runId, 'a run training in this app, or a paused or interrupted one'); // throws: not live
      return summary(runId);
    },
    evaluateRun: async (runId) => {
      const run = summary(runId);
      const about = `evaluateRun: run ${runId} (${JSON.stringify(run.name)})`;
      if (run.status !== 'stopped') {
        throw badState(`${about} is '${run.status}'; allowed: a stopped run (a completed run was tested at each epoch's end; stop a paused one, which evaluates it)`);
      }
      if (run.stop?.testAccuracy != null) {
        throw badState(`${about} was evaluated already: test accuracy ${(run.stop.testAccuracy * 100).toFixed(2)}%${run.stop.evaluatedAtStop ? ' at the stop' : ` at the end of epoch ${run.stop.epoch}`}`);
      }
      const checkpoint = listCheckpoints(store, runId)[0];
      if (!checkpoint || (checkpoint.epoch === 1 && checkpoint.batch === 0)) {
        throw badState(`${about} has no trained weights stored (it stopped before its first checkpoint); allowed: a run stopped after training`);
      }
      return evaluateAndStop(runId);
    },
    estimateRun: async (request) => {
      checkStartRun(store, request);
      const dataset = requireDataset(store, request.datasetId);
      const measure = await measureInProcess(
        store,
        { datasetId: request.datasetId, spec: request.spec, hyper: hyperOf(request.settings), seed: request.seed, backend: request.backend },
        { spawn: options.spawn, nativeBinding: options.nativeBinding },
      );
      return runEstimate(measure, dataset.splits, request.settings, live.size);
    },
    deleteRun: async (runId) => {
      if (live.has(runId) || jobs.isLive(runId)) throw badState(`deleteRun: run ${runId} is training; stop it first, then delete it`);
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
    listRunWeights: async (runId) => runWeights(store, runId),

    listModels: async () => listModels(store).map((row) => modelSummary(store, row)),
    getModel: async (modelId) => modelSummary(store, requireModel(store, modelId)),
    saveModel: async ({ runId, epoch, name }) => {
      const row = saveRunModel(store, runId, epoch, name);
      emit({ type: 'models-changed' });
      return modelSummary(store, row);
    },
    renameModel: async (modelId, name) => {
      const row = renameModel(store, modelId, name);
      emit({ type: 'models-changed' });
      return modelSummary(store, row);
    },
    deleteModel: async (modelId) => {
      deleteModel(store, modelId);
      emit({ type: 'models-changed' });
    },
    importModel: async ({ source, name }) => {
      if (source.kind === 'upload' && !options.uploads) throw unavailable(`importModel: request.source.kind is "upload"; allowed here (${mode} mode): "path"`);
      const path = source.kind === 'path' ? source.path : options.uploads!.resolve(source.uploadId);
      const row = await importModelFile(store, path, { ...(name !== undefined && { name }), sourceLabel: basename(path) });
      if (source.kind === 'upload') await options.uploads!.release(source.uploadId);
      emit({ type: 'models-changed' });
      return modelSummary(store, row);
    },
    exportModel: async (request) => exportedFile(store, request),
    evaluateModel: async ({ modelId, datasetId, split, limit }) =>
      evaluateModel(store, modelId, { datasetId, split, limit, nativeBinding: options.nativeBinding }),

    pickPaths: async (request) => {
      if (!options.pickPaths) throw unavailable(`pickPaths: there is no native file dialog in ${mode} mode; allowed: type a path, or upload the files`);
      return options.pickPaths(request);
    },
    ...jobs.api,
    ...studies.api,
  };

  return {
    api: withStoreErrors(api, store.path),
    onEvent(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async dispose() {
      disposed = true;
      const queue = studies.dispose(); // no queued run starts from now; those training pause below and stay queued
      emulations.cancelAll();
      const running = [...live.values()];
      for (const run of running) run.handle.pause();
      await Promise.allSettled([...running.map((run) => run.handle.finished), jobs.dispose(), queue]);
      listeners.clear();
    },
  };
}

/** Every method with SQLite's corruption errors told as one line naming the store (main/store/damage.ts). */
function withStoreErrors(api: WorkbenchApi, path: string): WorkbenchApi {
  const guarded = Object.entries(api).map(([method, f]: [string, (...args: unknown[]) => Promise<unknown>]) => [
    method,
    async (...args: unknown[]) => {
      try {
        return await f(...args);
      } catch (e) {
        throw asStoreError(e, path);
      }
    },
  ]);
  return Object.fromEntries(guarded) as unknown as WorkbenchApi;
}

/** The run settings a preset gives (its seed is the launcher's default, not a setting). */
const SETTING_KEYS = ['epochs', 'steps', 'batchSize', 'optimizer', 'lr', 'loss', 'grad', 'init', 'initGain', 'limit', 'testLimit'] as const satisfies readonly (keyof RunSettings)[];

function presetInfo(p: { name: string; description: string; spec: ModelSpec; train: object }): PresetInfo {
  const train = p.train as Record<string, unknown>;
  const settings = Object.fromEntries(SETTING_KEYS.filter((k) => train[k] !== undefined).map((k) => [k, train[k]]));
  return { name: p.name, description: p.description, spec: p.spec, train: settings as Partial<RunSettings> };
}
