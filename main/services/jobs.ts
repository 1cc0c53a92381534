/**
 * PyTorch jobs: any run (or a design with launcher settings) written as a folder that trains the
 * same network with PyTorch (one process, or DistributedDataParallel under torchrun), and a job
 * folder's results recorded back as a run of the store. The engine's generator
 * (engine/export/pytorch/) writes the code; this file writes the data and weights beside it and
 * reads what the job wrote. Following a job live is jobs-live.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeIdx } from '../../engine/data/idx-encode';
import { EngineError } from '../../engine/errors';
import { DATA_FOLDER, splitFiles } from '../../engine/export/pytorch/data-files';
import { generatePytorchJob } from '../../engine/export/pytorch/generate';
import { JOB_FORMAT, JOB_OUTPUTS, type JobDataset, type JobManifest, type JobSettings } from '../../engine/export/pytorch/types';
import { inferModel } from '../../engine/spec/infer';
import type { ModelSpec } from '../../engine/spec/types';
import { appVersion } from '../api/info';
import type { RunHyper } from '../runs/messages';
import { requireDataset, type DatasetRow, type Split } from '../store/datasets';
import type { Store } from '../store/db';
import { saveCheckpoint } from '../store/checkpoints';
import { createRun, requireRun, setRunNotes, setRunStatus, type RunRow } from '../store/runs';
import { recordExport } from '../store/probes';
import { datasetClassNames, datasetInputShape, loadEventDataset, loadImageDataset } from './datasets';
import { jobError, parseJobLine, splitLines, summarizeJob, type JobRecord } from './jobs-metrics';
import {
  JOB_BACKEND, jobBackendUsed, jobCheckpoint, jobDataset, jobHyper, jobNotes, readJobWeights, recordJobBatch, recordJobEpoch,
  weightsInOrder, weightsPath,
} from './jobs-record';
import { modelFileBytes, runModel, type EpochChoice } from './models';

const gzipAsync = promisify(gzip);

/** What a job is made from: a run of the store, or a design with its launcher settings. */
export type JobSourceRequest =
  | {
      kind: 'run';
      runId: number;
      /** Start the job from these weights of the run (fine-tuning); default: the run's init. */
      weights?: EpochChoice;
    }
  | { kind: 'design'; name: string; spec: ModelSpec; settings: RunHyper; datasetId: number; seed: number };

export interface ExportJobOptions {
  /** Settings that replace the run's (e.g. more epochs for the cluster). */
  overrides?: Partial<JobSettings>;
  /** The NIR time step for the starting weights and the job's outputs (default 1e-4 s). */
  dt?: number;
}

export interface ExportedJob {
  folder: string;
  manifest: JobManifest;
  /** Paths written, relative to the folder. */
  files: string[];
}

/**
 * Writes the job folder: generated code, job.json, the dataset's splits under data/, and the
 * starting weights as init.nir when fine-tuning. The folder must not exist or be empty; it is
 * assembled beside its destination and renamed into place, so a failure leaves nothing behind.
 */
export async function exportJob(store: Store, source: JobSourceRequest, folder: string, opts: ExportJobOptions = {}): Promise<ExportedJob> {
  const target = resolve(folder);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new EngineError('bad-option', `--out ${target} is not empty; allowed: a new or empty folder (a job folder holds its results, so it is never overwritten)`);
  }
  const { name, spec, settings, dataset, runId } = jobSource(store, source, opts.overrides ?? {});
  for (const split of ['train', 'test'] as const) {
    if (dataset.splits[split] < 1) throw new EngineError('bad-data', `dataset ${dataset.name} has no ${split} samples; a job trains on its train split and evaluates on its test split`);
  }
  const channels = datasetInputShape(dataset)[0]!;
  const splits = [await splitData(store, dataset, 'train', channels), await splitData(store, dataset, 'test', channels)];
  const info = jobDatasetInfo(dataset, Math.max(...splits.map((s) => s.classCount)));
  const initWeights = source.kind === 'run' && source.weights !== undefined ? 'init.nir' : undefined;
  const files = generatePytorchJob({
    name, spec, settings, dataset: info, source: { runId, datasetId: dataset.id, appVersion: appVersion() },
    ...(initWeights ? { initWeights } : {}), ...(opts.dt !== undefined ? { dt: opts.dt } : {}),
  });
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    const written: string[] = [];
    const put = async (path: string, bytes: Uint8Array | string) => {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), bytes);
      written.push(path);
    };
    for (const f of files) await put(f.path, f.text);
    for (const [file, bytes] of splits.flatMap((s) => s.files)) await put(`${DATA_FOLDER}/${file}`, bytes);
    if (initWeights && source.kind === 'run') {
      const model = runModel(store, source.runId, source.weights!);
      await put(initWeights, await modelFileBytes(model, 'nir', opts.dt));
    }
    await mkdir(dirname(target), { recursive: true });
    if (existsSync(target)) await rm(target, { recursive: true }); // empty, checked above
    await rename(staging, target);
    if (runId !== null) recordExport(store, runId, { format: 'pytorch', path: target });
    const manifest = JSON.parse(files.find((f) => f.path === 'job.json')!.text) as JobManifest;
    return { folder: target, manifest, files: written };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function jobSource(store: Store, source: JobSourceRequest, overrides: Partial<JobSettings>) {
  if (source.kind === 'design') {
    return {
      name: source.name, spec: source.spec, dataset: requireDataset(store, source.datasetId), runId: null,
      settings: jobSettings(source.settings, source.seed, overrides, `design ${JSON.stringify(source.name)}`),
    };
  }
  const run = requireRun(store, source.runId);
  return {
    name: run.name, spec: run.spec as ModelSpec, dataset: requireDataset(store, run.datasetId), runId: run.id,
    settings: jobSettings(run.hyper as RunHyper, run.seed, overrides, `run ${run.id} (${JSON.stringify(run.name)})`),
  };
}

function jobSettings(hyper: RunHyper, seed: number, overrides: Partial<JobSettings>, what: string): JobSettings {
  if (hyper.network === 'twin') {
    throw new EngineError('bad-option', `${what} trains the non-spiking twin; allowed for a PyTorch job: spiking networks`);
  }
  const { threads: _threads, network: _network, ...rest } = hyper;
  return { ...(rest as JobSettings), seed, ...overrides };
}

function jobDatasetInfo(row: DatasetRow, classes: number): JobDataset {
  const [c, h, w] = datasetInputShape(row);
  const names = datasetClassNames(row);
  return {
    name: row.name, kind: row.kind, sampleShape: [c!, h!, w!], classes,
    classNames: Array.isArray(row.meta.classNames) ? names : [], train: row.splits.train, test: row.splits.test,
  };
}

/** One split as gzip IDX files (see engine/export/pytorch/data-files.ts), and its class count. */
async function splitData(store: Store, row: DatasetRow, split: Split, channels: number): Promise<{ files: [string, Uint8Array][]; classCount: number }> {
  const names = splitFiles(row.kind, split, channels);
  const gz = (bytes: Uint8Array) => gzipAsync(bytes) as Promise<Uint8Array>;
  if (row.kind === 'events') {
    const ds = loadEventDataset(store, row.id, split);
    const offsets = new Int32Array(ds.count + 1);
    ds.samples.forEach((s, i) => (offsets[i + 1] = offsets[i]! + s.length / 5));
    const records = new Uint8Array(offsets[ds.count]! * 5);
    ds.samples.forEach((s, i) => records.set(s, offsets[i]! * 5));
    if (records.length === 0) throw new EngineError('bad-data', `dataset ${row.name}'s ${split} split has no events at all`);
    return {
      classCount: ds.classCount,
      files: [
        [names.events!, await gz(encodeIdx({ type: 'u8', dims: [records.length / 5, 5], data: records }))],
        [names.offsets!, await gz(encodeIdx({ type: 'i32', dims: [offsets.length], data: offsets }))],
        [names.labels, await gz(encodeIdx({ type: 'u8', dims: [ds.count], data: ds.labels }))],
      ],
    };
  }
  const ds = loadImageDataset(store, row.id, split);
  const dims = ds.channels === 1 ? [ds.count, ds.rows, ds.cols] : [ds.count, ds.rows, ds.cols, ds.channels];
  return {
    classCount: ds.classCount,
    files: [
      [names.images!, await gz(encodeIdx({ type: 'u8', dims, data: ds.pixels }))],
      [names.labels, await gz(encodeIdx({ type: 'u8', dims: [ds.count], data: ds.labels }))],
    ],
  };
}

// ---- reading a job folder back -----------------------------------------------------------------

/** job.json of a job folder, checked. */
export async function readManifest(folder: string): Promise<JobManifest> {
  const path = join(folder, 'job.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw jobError(`${path}: ${why}; allowed: a job folder written by \`stbp export <run> --format pytorch\``);
  }
  let m: JobManifest;
  try {
    m = JSON.parse(text) as JobManifest;
  } catch (e) {
    throw jobError(`${path}: not JSON (${(e as Error).message})`);
  }
  if (m?.format !== JOB_FORMAT) throw jobError(`${path}: format is ${JSON.stringify(m?.format)}; allowed: ${JOB_FORMAT}`);
  if (typeof m.name !== 'string' || !m.spec || !m.settings || !m.dataset || !m.source) {
    throw jobError(`${path}: it lacks name, spec, settings, dataset or source; allowed: a job.json written by the workbench`);
  }
  return m;
}

/** The job's output folder (`out/` unless told: a sweep member's `out/lr-3`). */
export function jobOutputs(folder: string, manifest: JobManifest, out?: string): string {
  return resolve(folder, out ?? manifest.out ?? JOB_OUTPUTS.folder);
}

/** The metrics file's complete lines, checked; the unfinished last line, if any, is left out. */
export async function readJobMetrics(path: string): Promise<JobRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (has the job run? its train.py writes it)' : (e as Error).message;
    throw jobError(`${path}: ${why}`);
  }
  const { lines } = splitLines(text);
  return summarizeJob(lines.map((l, i) => parseJobLine(l, `${path} line ${i + 1}`)), path);
}

export interface ImportedJob {
  runId: number;
  run: RunRow;
  epochs: number;
  batches: number;
  /** Weights files stored as checkpoints. */
  weights: string[];
}

/**
 * Records a job folder's results as a run: spec and settings from its metrics header, every batch
 * and epoch, the test confusion per epoch, its NIR weights as checkpoints (final = latest, best
 * kept), provenance in the notes and backend. A job that has not ended imports what it has (status
 * stopped, saying so); a failed one is failed with its error. Everything is read and checked
 * before the store is touched, and written in one transaction: a bad file leaves no run.
 */
export async function importJob(store: Store, folder: string, opts: { out?: string } = {}): Promise<ImportedJob> {
  const dir = resolve(folder);
  const manifest = await readManifest(dir);
  const outputs = jobOutputs(dir, manifest, opts.out);
  const record = await readJobMetrics(join(outputs, JOB_OUTPUTS.metrics));
  const h = record.header;
  try {
    inferModel(h.spec);
  } catch (e) {
    throw jobError(`${join(outputs, JOB_OUTPUTS.metrics)}: its header's spec is refused: ${(e as Error).message}`);
  }
  // Every file the metrics name is read and checked, even a best.nir that final.nir repeats.
  const files = new Map(await Promise.all([...record.weights.values()].map(async (w) => [w.file, await readJobWeights(weightsPath(outputs, w), h.spec)] as const)));
  const weights = weightsInOrder(record.weights);
  const params = weights.map((w) => files.get(w.file)!);
  const dataset = jobDataset(store, manifest, dir);
  const run = store.transaction(() => {
    const runId = createRun(store, {
      name: h.job || manifest.name, datasetId: dataset.id, spec: h.spec, hyper: jobHyper(h.settings), seed: h.settings.seed, backendRequested: JOB_BACKEND,
    });
    setRunStatus(store, runId, 'running', { backendUsed: jobBackendUsed(h) });
    for (const b of record.batches) recordJobBatch(store, runId, b);
    for (const e of record.epochs) recordJobEpoch(store, runId, e);
    weights.forEach((w, i) => saveCheckpoint(store, runId, jobCheckpoint(h.spec, h, w, params[i]!)));
    setRunNotes(store, runId, jobNotes(h, dir, `imported ${new Date().toISOString()}`));
    return finishJobRun(store, runId, record);
  });
  return { runId: run.id, run, epochs: record.epochs.length, batches: record.batches.length, weights: weights.map((w) => w.file) };
}

/** The run's final status from the job's outcome; a job without one has not ended. */
export function finishJobRun(store: Store, runId: number, record: Pick<JobRecord, 'outcome' | 'batches'>, unfinished?: string): RunRow {
  const o = record.outcome;
  if (o?.type === 'end') return setRunStatus(store, runId, o.status);
  if (o?.type === 'error') return setRunStatus(store, runId, 'failed', { error: `the PyTorch job failed: ${o.message}` });
  const last = record.batches.at(-1);
  const where = last ? `after epoch ${last.epoch}, batch ${last.batch} of ${last.batches}` : 'before its first batch';
  return setRunStatus(store, runId, 'stopped', { error: unfinished ?? `recorded ${where}; the job had not ended (no end line in its metrics): import it again when it has` });
}
