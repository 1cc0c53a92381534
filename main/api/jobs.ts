/**
 * PyTorch jobs in the API (main/contract.ts "PyTorch jobs"): export a run or a design as a job
 * folder, import a finished job's results, run a job here under torchrun or follow one running
 * elsewhere, each as a run of the store whose monitor fills from the job's metrics file. The
 * services do the work (main/services/jobs*.ts); this keeps the live jobs and turns their metrics
 * lines into the contract's events.
 */
import type { EpochReport } from '../../engine/train/options';
import type { ExportJobRequest, JobFolder, JobFolderRequest, PythonInfo, RunProgress, RunSummary, StartJobRequest, WorkbenchEvent } from '../contract';
import type { RunHyper } from '../runs/messages';
import { exportJob, importJob } from '../services/jobs';
import { followJob, startJob, type JobHandle } from '../services/jobs-live';
import type { JobLine } from '../services/jobs-metrics';
import { findPython } from '../services/jobs-python';
import type { Store } from '../store/db';
import { badState } from './errors';
import { batchPoint, epochPoint, hyperOf } from './runs';

export interface JobsContext {
  store: Store;
  emit(event: WorkbenchEvent): void;
  /** The run as the contract shows it, with its live progress. */
  summary(runId: number): RunSummary;
  /** Announces a run's new state to every window. */
  runChanged(runId: number): RunSummary;
}

export interface LiveJob {
  handle: JobHandle;
  progress: RunProgress | null;
}

export function jobsApi(ctx: JobsContext) {
  const live = new Map<number, LiveJob>();

  /** What the job writes, as the events a training process's messages become. */
  const onLine = (runId: () => number | undefined) => (line: JobLine): void => {
    const id = runId();
    if (id === undefined) return;
    const job = live.get(id);
    if (line.type === 'header' && job) {
      job.progress = { epoch: line.resumed?.epoch ?? 1, batch: line.resumed?.batch ?? 0, batches: line.batches, epochs: line.settings.epochs, samplesPerSecond: 0 };
      ctx.runChanged(id);
    } else if (line.type === 'batch') {
      const progress: RunProgress = { epoch: line.epoch, batch: line.batch, batches: line.batches, epochs: job?.progress?.epochs ?? line.epoch, samplesPerSecond: line.samplesPerSecond };
      if (job) job.progress = progress;
      ctx.emit({ type: 'run-batch', runId: id, point: batchPoint(line.step, line), progress });
    } else if (line.type === 'epoch') {
      ctx.emit({ type: 'run-epoch', runId: id, point: epochPoint({ step: line.step, values: line as EpochReport }) });
    }
  };

  /** Keeps a started or followed job until it ends, then announces its final state. */
  const keep = (handle: JobHandle): RunSummary => {
    live.set(handle.runId, { handle, progress: null });
    void handle.finished.then(
      () => {
        live.delete(handle.runId);
        ctx.runChanged(handle.runId);
      },
      (e: unknown) => {
        live.delete(handle.runId);
        console.error(`workbench: job run ${handle.runId} could not be recorded as ended:`, e);
      },
    );
    return ctx.runChanged(handle.runId);
  };

  const api = {
    pythonInfo: async (): Promise<PythonInfo> => {
      try {
        const p = await findPython();
        return { found: true, python: p.python, torch: p.torch, cuda: p.cuda, gpus: p.gpus, why: null };
      } catch (e) {
        return { found: false, python: null, torch: null, cuda: false, gpus: 0, why: (e as Error).message };
      }
    },
    exportPytorchJob: async ({ source, folder }: ExportJobRequest): Promise<JobFolder> => {
      const job = await exportJob(
        ctx.store,
        source.kind === 'run'
          ? { kind: 'run', runId: source.runId, ...(source.fineTune !== undefined && { weights: source.fineTune }) }
          : { kind: 'design', name: source.name, spec: source.spec, settings: hyperOf(source.settings) as RunHyper, datasetId: source.datasetId, seed: source.seed },
        folder,
      );
      return { folder: job.folder, files: job.files };
    },
    importJobResults: async ({ folder, out }: JobFolderRequest): Promise<RunSummary> => {
      const { runId } = await importJob(ctx.store, folder, { ...(out !== undefined && { out }) });
      return ctx.runChanged(runId);
    },
    startPytorchJob: async ({ folder, nproc, resume }: StartJobRequest): Promise<RunSummary> => {
      let id: number | undefined;
      const handle = await startJob(ctx.store, folder, { ...(nproc !== undefined && { nproc }), ...(resume !== undefined && { resume }), onLine: onLine(() => id) });
      id = handle.runId;
      return keep(handle);
    },
    followJob: async ({ folder, out }: JobFolderRequest): Promise<RunSummary> => {
      let id: number | undefined;
      const handle = await followJob(ctx.store, folder, { ...(out !== undefined && { out }), onLine: onLine(() => id), onRun: (runId) => (id = runId) });
      id = handle.runId;
      return keep(handle);
    },
  };

  return {
    api,
    progress: (runId: number): RunProgress | null => live.get(runId)?.progress ?? null,
    isLive: (runId: number): boolean => live.has(runId),
    /** stopRun of a job: SIGTERM (it checkpoints after its batch) or, when following, stop watching. */
    async stop(runId: number): Promise<RunSummary> {
      const job = live.get(runId);
      if (!job) throw badState(`stopRun: run ${runId} is not a job running or followed by this app`);
      job.handle.stop();
      await job.handle.finished;
      return ctx.summary(runId);
    },
    /** Quitting: every job run here stops with a checkpoint, every follow ends. */
    async dispose(): Promise<void> {
      const jobs = [...live.values()];
      for (const job of jobs) job.handle.stop();
      await Promise.allSettled(jobs.map((job) => job.handle.finished));
    },
  };
}
