/**
 * A run's data as files: its metric series as CSV (one row per batch, or per epoch) and the whole
 * run as JSON (identity, spec, settings, both series). The types are the neutral shape the two
 * sides already hold: the renderer's RunSummary and RunMetrics (main/contract.ts) fit them as they
 * are, and the CLI builds those same values from the store (main/api/runs.ts), so a run exported
 * from the app and from `stbp runs export` is the same file.
 */
import type { LayerSpec, ModelSpec } from '../spec/types';
import type { EpochReport } from '../train/options';
import { toCsv, type CsvCell } from './csv';

/** One training batch as recorded; `step` (optimiser steps so far) is the charts' x axis. */
export interface BatchRecord {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  accuracy: number;
  /** Per LIF layer, in spec order: spikes per neuron per step (a twin: the fraction of active units). */
  firingRates: readonly number[];
}

/** One epoch's figures at the step it ended on. */
export interface EpochRecord extends EpochReport {
  step: number;
}

export interface RunSeries {
  batches: readonly BatchRecord[];
  epochs: readonly EpochRecord[];
}

/** What a run is, as the exported JSON records it. */
export interface RunRecord {
  id: number;
  name: string;
  status: string;
  datasetId: number;
  datasetName: string | null;
  spec: ModelSpec;
  /** Hyper-parameters as the run was started with them; `network: 'twin'` renames the rate columns. */
  settings: { readonly network?: string };
  seed: number;
  backendRequested: string;
  backendUsed: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  parentRunId: number | null;
}

export const RUN_DOCUMENT_FORMAT = 'stbp-workbench-run';
export const RUN_DOCUMENT_VERSION = 1;

export interface RunDocument {
  format: typeof RUN_DOCUMENT_FORMAT;
  version: typeof RUN_DOCUMENT_VERSION;
  run: RunRecord;
  metrics: { epochs: EpochRecord[]; batches: BatchRecord[] };
}

/** `run-12-epochs.csv`, `run-12-batches.csv`, `run-12.json`: what the app downloads and `--out <dir>` writes. */
export function runFileName(runId: number, what: 'epochs' | 'batches' | 'json'): string {
  return what === 'json' ? `run-${runId}.json` : `run-${runId}-${what}.csv`;
}

function lifColumn(layer: LayerSpec, index: number): string | null {
  if (layer.className === 'dense' || layer.className === 'output') return `${index}_${layer.className}_${layer.config.units}`;
  if (layer.className === 'conv2d') return `${index}_conv2d_${layer.config.filters}`;
  return null;
}

/**
 * One column per LIF layer, named after its place in the spec (`firing_rate_1_dense_800`; a twin's
 * `active_fraction_…`), as many as the widest row needs.
 */
export function rateColumns(run: Pick<RunRecord, 'spec' | 'settings'>, rows: readonly { firingRates: readonly number[] }[]): string[] {
  const prefix = run.settings.network === 'twin' ? 'active_fraction' : 'firing_rate';
  const named = run.spec.layers.map(lifColumn).filter((c): c is string => c !== null);
  const count = rows.reduce((n, r) => Math.max(n, r.firingRates.length), named.length);
  return Array.from({ length: count }, (_, k) => `${prefix}_${named[k] ?? `layer${k + 1}`}`);
}

function rates(values: readonly number[], count: number): CsvCell[] {
  return Array.from({ length: count }, (_, k) => values[k]);
}

/** step, epoch, batch, loss, accuracy, then one rate column per LIF layer: one row per batch. */
export function batchSeriesCsv(batches: readonly BatchRecord[], run: Pick<RunRecord, 'spec' | 'settings'>): string {
  const columns = rateColumns(run, batches);
  return toCsv(
    ['step', 'epoch', 'batch', 'loss', 'accuracy', ...columns],
    batches.map((b) => [b.step, b.epoch, b.batch, b.loss, b.accuracy, ...rates(b.firingRates, columns.length)]),
  );
}

/** epoch, step, train loss and accuracy, test accuracy, one rate column per LIF layer, seconds, samples/s. */
export function epochSeriesCsv(epochs: readonly EpochRecord[], run: Pick<RunRecord, 'spec' | 'settings'>): string {
  const columns = rateColumns(run, epochs);
  return toCsv(
    ['epoch', 'step', 'train_loss', 'train_accuracy', 'test_accuracy', ...columns, 'seconds', 'samples_per_second'],
    epochs.map((e) => [e.epoch, e.step, e.trainLoss, e.trainAccuracy, e.testAccuracy, ...rates(e.firingRates, columns.length), e.seconds, e.samplesPerSecond]),
  );
}

/**
 * The run and its series, fields picked one by one so that what a side holds besides them (live
 * progress, final figures) never leaks in and both sides write the same document.
 */
export function runDocument(run: RunRecord, series: RunSeries): RunDocument {
  return {
    format: RUN_DOCUMENT_FORMAT,
    version: RUN_DOCUMENT_VERSION,
    run: {
      id: run.id, name: run.name, status: run.status, datasetId: run.datasetId, datasetName: run.datasetName,
      spec: run.spec, settings: run.settings, seed: run.seed, backendRequested: run.backendRequested, backendUsed: run.backendUsed,
      error: run.error, createdAt: run.createdAt, startedAt: run.startedAt, endedAt: run.endedAt, parentRunId: run.parentRunId,
    },
    metrics: {
      epochs: series.epochs.map((e) => ({
        epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, testAccuracy: e.testAccuracy,
        firingRates: [...e.firingRates], seconds: e.seconds, samplesPerSecond: e.samplesPerSecond,
      })),
      batches: series.batches.map((b) => ({ step: b.step, epoch: b.epoch, batch: b.batch, loss: b.loss, accuracy: b.accuracy, firingRates: [...b.firingRates] })),
    },
  };
}

/**
 * The document as indented JSON with one metric point per line (a 20-epoch run has 12,000 batch
 * points: one line each keeps the file readable and a third of the fully indented size). JSON has no
 * NaN or Infinity: a diverged loss is written as null.
 */
export function runJson(document: RunDocument): string {
  const points = (list: readonly object[]): string =>
    list.length === 0 ? '[]' : `[\n${list.map((p) => `      ${JSON.stringify(p)}`).join(',\n')}\n    ]`;
  const head = JSON.stringify({ format: document.format, version: document.version, run: document.run }, null, 2);
  // `head` ends with "\n}": the metrics go in before that brace.
  return `${head.slice(0, -2)},\n  "metrics": {\n    "epochs": ${points(document.metrics.epochs)},\n    "batches": ${points(document.metrics.batches)}\n  }\n}\n`;
}
