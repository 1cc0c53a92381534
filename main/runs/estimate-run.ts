/**
 * The training process's other job: time a run's network on this machine before it starts, so the
 * launcher can say "≈ 14 min" from a measurement rather than a guess. It builds the run as it would
 * train (spec, settings, backend, augmentation) on a slice of the data, runs one untimed batch
 * (JIT, buffers), then times training batches for about a second and a test pass, and answers the
 * rates. Runs in the worker process, never on the thread that serves the app.
 */
import { createNodeKernels } from '../../engine/backend/backends-node';
import type { Kernels } from '../../engine/backend/types';
import { TrainingSession } from '../../engine/train/session';
import type { ModelSpec } from '../../engine/spec/types';
import { openStore } from '../store/db';
import { loadSource } from '../services/datasets';
import type { EstimateJob, EstimateMeasure } from './messages';

/** Batches timed at most, and the time after which no further one starts. */
const MAX_TIMED_BATCHES = 4;
const TIMING_BUDGET_MS = 1000;

export async function measureRun(job: EstimateJob & { storeFile: string; nativeBinding?: string }): Promise<EstimateMeasure> {
  const store = openStore({ file: job.storeFile, readonly: true, nativeBinding: job.nativeBinding });
  let kernels: Kernels | undefined;
  try {
    const batchSize = job.hyper.batchSize ?? 100;
    const trainCount = Math.min(job.hyper.limit ?? Infinity, batchSize * (1 + MAX_TIMED_BATCHES));
    const data = {
      train: loadSource(store, job.datasetId, 'train', { limit: trainCount, binning: job.hyper.binning }),
      test: loadSource(store, job.datasetId, 'test', { limit: Math.min(job.hyper.testLimit ?? Infinity, batchSize), binning: job.hyper.binning }),
    };
    store.close();
    kernels = await createNodeKernels(job.backend, { threads: job.hyper.threads });
    const session = new TrainingSession(job.spec as ModelSpec, { ...job.hyper, epochs: 1, seed: job.seed }, data, kernels);
    const warmStarted = performance.now();
    session.runBatch(); // warm-up: first-call costs are not the run's rate
    const warm = { samples: Math.min(batchSize, data.train.count), seconds: (performance.now() - warmStarted) / 1000 };
    let samples = 0;
    let batches = 0;
    const started = performance.now();
    while (!session.epochComplete && batches < MAX_TIMED_BATCHES && (batches === 0 || performance.now() - started < TIMING_BUDGET_MS)) {
      const before = session.batch;
      session.runBatch();
      samples += Math.min(batchSize, data.train.count - before * batchSize);
      batches++;
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const testStarted = performance.now();
    session.evaluate(data.test, job.seed);
    const testSeconds = (performance.now() - testStarted) / 1000;
    return {
      // A training split of one batch leaves nothing to time after the warm-up: its rate is all there is.
      trainSamplesPerSecond: batches > 0 ? samples / trainSeconds : warm.samples / warm.seconds,
      testSamplesPerSecond: data.test.count / Math.max(testSeconds, 1e-6),
      batchesTimed: batches,
      backend: kernels.description,
    };
  } finally {
    store.close();
    kernels?.dispose();
  }
}
