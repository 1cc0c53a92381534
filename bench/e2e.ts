import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunHyper } from '../main/runs/messages';
import { startRun } from '../main/runs/supervisor';
import { ensureMnist } from '../main/services/datasets';
import { loadPreset } from '../main/services/presets';
import { openStore } from '../main/store/db';
import { createRun } from '../main/store/runs';

/** One end-to-end case: a real `stbp train` epoch slice of a preset, as plain JSON (child process argument). */
export interface EndToEndSpec {
  preset: string;
  steps: number;
  /** Training samples (the epoch slice) and test samples evaluated at its end. */
  limit: number;
  testLimit: number;
  threads?: number;
  /** The store (and MNIST imported into it) for the runs, reused across cases. */
  home: string;
}

export interface EndToEndResult {
  backend: string;
  augment: string;
  /** Training samples over the wall time from the run's start to its epoch-end checkpoint. */
  samplesPerSecond: number;
  seconds: number;
  /** The run's own throughput: its batches' time only (data, distortion, coding, step). */
  batchSamplesPerSecond: number;
  /** Evaluation of the test slice, probes and the checkpoint, after the last batch. */
  epochEndSeconds: number;
  /** The run's batches summed: their whole time, and their STBP steps alone (the run's own reports). */
  batchSeconds: number;
  stepSeconds: number;
  /** Each layer's firing rate averaged over the run's batches (a step's cost follows its spikes). */
  firingRates: number[];
}

/**
 * A run of the preset exactly as `stbp train --preset <name> --epochs 1 --T <steps> --limit … --test-limit …`
 * starts it (the preset's distortions on), in its own training process, recorded in a SQLite store
 * by this process: data, distortion, coding, the STBP step, per-batch metric writes, evaluation,
 * probes and the checkpoint all count. Timed from the process's `started` message to its epoch-end
 * checkpoint, so process start-up and dataset loading do not.
 */
export async function runEndToEnd(c: EndToEndSpec): Promise<EndToEndResult> {
  mkdirSync(c.home, { recursive: true });
  const store = openStore({ home: c.home });
  try {
    const dataset = await ensureMnist(store);
    const preset = await loadPreset(c.preset);
    const hyper: RunHyper = { ...preset.train, epochs: 1, steps: c.steps, limit: c.limit, testLimit: c.testLimit, ...(c.threads && { threads: c.threads }) };
    const runId = createRun(store, { name: `bench ${c.preset}`, datasetId: dataset.id, spec: preset.spec, hyper, seed: 1, backendRequested: 'auto' });
    let started = 0;
    let lastBatch = 0;
    let ended = 0;
    let backend = '';
    let batchRate = 0;
    let batchSeconds = 0;
    let stepSeconds = 0;
    let batches = 0;
    const rateSums: number[] = [];
    const run = await startRun(store, runId, {
      onMessage: (m) => {
        const now = performance.now();
        if (m.type === 'started') [started, backend] = [now, m.backend];
        if (m.type === 'batches') {
          lastBatch = now;
          for (const { report } of m.batches) {
            batchRate = report.samplesPerSecond;
            batchSeconds += report.seconds;
            stepSeconds += report.stepSeconds;
            batches++;
            report.firingRates.forEach((r, i) => (rateSums[i] = (rateSums[i] ?? 0) + r));
          }
        }
        if (m.type === 'checkpoint' && m.reason === 'epoch') ended = now;
      },
    }).finished;
    if (run.status !== 'completed') throw new Error(`bench run of ${c.preset} ended ${run.status}: ${run.error ?? ''}`);
    const seconds = (ended - started) / 1000;
    const augment = (hyper.augment ?? []).map((a) => (a.name === 'elastic' ? `elastic a=${a.alpha} s=${a.sigma}` : `shift ${a.max}`)).join(', ') || 'none';
    return {
      backend, augment, seconds, samplesPerSecond: c.limit / seconds, batchSamplesPerSecond: batchRate, epochEndSeconds: (ended - lastBatch) / 1000,
      batchSeconds, stepSeconds, firingRates: rateSums.map((sum) => sum / batches),
    };
  } finally {
    store.close();
  }
}

/** Where the end-to-end cases keep their store: bench/tmp (git-ignored) under the project root. */
export const endToEndHome = (root: string): string => join(root, 'bench', 'tmp', 'e2e-home');
