// The evaluation thread (a worker_threads Worker started by evaluation.ts): decodes the model,
// reads the split from the store read-only, runs the model on it with the WASM kernels and
// answers once. Never imported by the main thread.
import { workerData, parentPort } from 'node:worker_threads';
import { createNodeKernels } from '../../engine/backend/backends-node';
import type { Kernels } from '../../engine/backend/types';
import { EngineError } from '../../engine/errors';
import { decodeBundle } from '../../engine/export/bundle';
import { InferenceModel } from '../../engine/infer/inference';
import type { EventBinning } from '../../engine/train/sources';
import type { Split } from '../store/datasets';
import { openStore } from '../store/db';
import { loadSource } from './datasets';

export interface EvaluationJob {
  storeFile: string;
  nativeBinding?: string;
  bundle: Uint8Array;
  datasetId: number;
  split: Split;
  limit?: number;
  seed: number;
  batchSize: number;
  binning?: EventBinning;
}

export type EvaluationOutcome =
  | { ok: true; value: { samples: number; accuracy: number; classes: number; confusion: number[]; seed: number; backend: string; seconds: number } }
  | { ok: false; error: { code: string; message: string } };

async function evaluate(job: EvaluationJob): Promise<EvaluationOutcome> {
  const store = openStore({ file: job.storeFile, readonly: true, nativeBinding: job.nativeBinding });
  let kernels: Kernels | undefined;
  try {
    const src = loadSource(store, job.datasetId, job.split, { limit: job.limit, binning: job.binning });
    store.close();
    kernels = await createNodeKernels('auto');
    const started = performance.now();
    const model = new InferenceModel(decodeBundle(job.bundle), kernels, Math.max(1, Math.min(job.batchSize, src.count || 1)));
    const confusion = new Uint32Array(model.classes * model.classes);
    const accuracy = model.evaluate(src, job.seed, confusion);
    return {
      ok: true,
      value: {
        samples: src.count, accuracy, classes: model.classes, confusion: [...confusion], seed: job.seed, backend: kernels.description,
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    store.close();
    kernels?.dispose();
  }
}

evaluate(workerData as EvaluationJob).then(
  (outcome) => parentPort!.postMessage(outcome),
  (e: unknown) => parentPort!.postMessage({
    ok: false,
    error: e instanceof EngineError ? { code: e.code, message: e.message } : { code: 'crash', message: e instanceof Error ? e.stack ?? e.message : String(e) },
  } satisfies EvaluationOutcome),
);
