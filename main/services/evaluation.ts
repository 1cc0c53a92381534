/**
 * Evaluating a model on a dataset's split: accuracy, confusion matrix and per-class accuracy. The
 * work runs on a worker thread (evaluation-thread.ts), never on the thread that serves the app or
 * the CLI's prompt; what can be refused without running the model is refused here first.
 */
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { EngineError } from '../../engine/errors';
import type { TrainedModel } from '../../engine/export/model';
import type { ModelEvaluation } from '../contract';
import type { Split } from '../store/datasets';
import { requireDataset } from '../store/datasets';
import type { Store } from '../store/db';
import { modelBundle, requireModel } from '../store/models';
import { datasetInputShape } from './datasets';
import type { EvaluationJob, EvaluationOutcome } from './evaluation-thread';

/** The thread's bundle (built from evaluation-thread.ts by `npm run build:engine`), next to the CLI's. */
export const EVALUATION_THREAD_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'cli', 'evaluation-thread.mjs');

export interface EvaluateOptions {
  datasetId: number | string;
  split?: Split;
  /** Only the first n samples. */
  limit?: number;
  /** The Bernoulli coding's seed; default the run's seed + the model's epoch, its run's own test coding. */
  seed?: number;
  /** The better-sqlite3 addon the thread opens the store with (Electron's in the app). */
  nativeBinding?: string;
}

/** The seed a model's evaluation codes with by default: its run's test coding at that epoch (engine/train/session.ts). */
export function defaultEvaluationSeed(model: Pick<TrainedModel, 'provenance'>): number {
  return model.provenance.seed + (model.provenance.epoch ?? 0);
}

export async function evaluateModel(store: Store, modelIdOrName: number | string, opts: EvaluateOptions): Promise<ModelEvaluation> {
  const row = requireModel(store, modelIdOrName);
  const dataset = requireDataset(store, opts.datasetId);
  const split = opts.split ?? 'test';
  const model = row.description;
  const where = `evaluate model ${row.id} (${JSON.stringify(row.name)}) on dataset ${JSON.stringify(dataset.name)}`;
  const shape = datasetInputShape(dataset);
  const wants = model.dataset.sampleShape;
  const spatial = model.spec.layers.some((l) => l.className === 'conv2d' || l.className === 'avgpool');
  const fits = spatial ? shape.join() === wants.join() : product(shape) === product(wants);
  if (!fits) {
    throw new EngineError('bad-data', `${where}: its samples have shape [${shape.join(', ')}]; the model takes [${wants.join(', ')}] (${model.dataset.name}); allowed: a dataset of the same sample shape`);
  }
  if ((dataset.kind === 'events') !== (model.coding.kind === 'events')) {
    throw new EngineError('bad-data', `${where}: it holds ${dataset.kind === 'events' ? 'event streams' : 'images'}; the model was trained on ${model.coding.kind === 'events' ? 'event streams' : 'images'}`);
  }
  const job: EvaluationJob = {
    storeFile: store.path, nativeBinding: opts.nativeBinding, bundle: modelBundle(store, row.id), datasetId: dataset.id, split,
    limit: opts.limit, seed: opts.seed ?? defaultEvaluationSeed(model),
    batchSize: Number(model.provenance.settings?.batchSize ?? 100),
    binning: model.coding.kind === 'events' ? model.coding.binning : undefined,
  };
  const outcome = await runThread(job);
  const classes = outcome.classes;
  const perClass = Array.from({ length: classes }, (_, k) => {
    let total = 0;
    for (let p = 0; p < classes; p++) total += outcome.confusion[k * classes + p]!;
    return total ? outcome.confusion[k * classes + k]! / total : null;
  });
  return { modelId: row.id, datasetId: dataset.id, split, ...outcome, perClass };
}

function runThread(job: EvaluationJob): Promise<Omit<ModelEvaluation, 'modelId' | 'datasetId' | 'split' | 'perClass'>> {
  if (!existsSync(EVALUATION_THREAD_FILE)) {
    throw new EngineError('not-built', `the evaluation thread ${EVALUATION_THREAD_FILE} is not built; run \`npm run build:engine\` (npm install does it)`);
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(EVALUATION_THREAD_FILE, { workerData: job, transferList: [job.bundle.buffer as ArrayBuffer] });
    let settled = false;
    worker.once('message', (m: EvaluationOutcome) => {
      settled = true;
      if (m.ok) resolve(m.value);
      else reject(new EngineError(m.error.code, m.error.message));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new EngineError('crash', `the evaluation thread exited with code ${code} before answering`));
    });
  });
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
