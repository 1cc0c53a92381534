/**
 * Runs as the contract shows them: summaries with their final figures, metric series as chart
 * points, and the checks a new run passes before it is recorded.
 */
import { EngineError } from '../../engine/errors';
import { inferModel, type ModelPlan } from '../../engine/spec/infer';
import type { ModelSpec } from '../../engine/spec/types';
import { checkOptions, DEFAULT_TRAIN_OPTIONS, withDefaults, type BatchReport, type EpochReport, type TrainOptions } from '../../engine/train/options';
import type { BatchPoint, EpochPoint, RunFigures, RunMetrics, RunProgress, RunSettings, RunSummary, RunVerdict, StartRunRequest } from '../contract';
import type { RunHyper } from '../runs/messages';
import { getDataset, requireDataset } from '../store/datasets';
import type { Store } from '../store/db';
import { modelParams } from '../services/models';
import { type RunRow } from '../store/runs';
import { batchMetricEnds, listMetrics, type MetricRow } from '../store/metrics';
import { listCheckpoints } from '../store/checkpoints';
import { badRequest } from './errors';
import { datasetInputShape } from '../services/datasets';
import { epochSize, stopFigures, storedProgress, withSamples } from './run-state';
import { storedVerdict } from './verdict';

/**
 * A run as the contract shows it. `live`: where it is, from its process, when it trains here;
 * otherwise its progress is told from what is stored (run-state.ts).
 */
export function runSummary(store: Store, row: RunRow, live: RunProgress | null): RunSummary {
  const hyper = row.hyper as RunHyper;
  const settings = settingsOf(hyper);
  const dataset = getDataset(store, row.datasetId);
  const size = epochSize(dataset?.splits.train, settings);
  const epochs = listMetrics(store, row.id, 'epoch').map(epochPoint);
  const ends = batchMetricEnds(store, row.id);
  const checkpoint = listCheckpoints(store, row.id)[0];
  const progress = live ? withSamples(live, size) : storedProgress(row.status, settings.epochs, ends.last, checkpoint, size);
  const stop = row.status === 'stopped' ? stopFigures(progress, checkpoint, epochs) : null;
  const stopTestAccuracy = stop?.evaluatedAtStop ? stop.testAccuracy! : undefined;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    datasetId: row.datasetId,
    datasetName: dataset?.name ?? null,
    spec: row.spec as ModelSpec,
    settings,
    seed: row.seed,
    backendRequested: row.backendRequested,
    backendUsed: row.backendUsed,
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    parentRunId: row.parentRunId,
    progress,
    final: finalFigures(epochs),
    stop,
    verdict: verdictOf(store, row, settings, epochs, ends.first, stopTestAccuracy),
  };
}

/** The verdict, or null for a spec the engine no longer infers (nothing to judge it by). */
function verdictOf(store: Store, row: RunRow, settings: RunSettings, epochs: EpochPoint[], firstBatch: MetricRow | undefined, stopTestAccuracy: number | undefined): RunVerdict | null {
  let plan: ModelPlan;
  try {
    plan = inferModel(row.spec as ModelSpec);
  } catch (e) {
    if (e instanceof EngineError) return null;
    throw e;
  }
  return storedVerdict(store, { runId: row.id, plan, network: settings.network ?? 'spiking', epochs, firstBatch, stopTestAccuracy });
}

/** A run's stored hyper-parameters as settings; a run recorded by the CLI may omit defaults. */
export function settingsOf(hyper: RunHyper): RunSettings {
  const o = withDefaults(hyper);
  return {
    epochs: o.epochs, steps: o.steps, batchSize: o.batchSize, optimizer: o.optimizer, lr: o.lr, loss: o.loss, grad: o.grad, init: o.init, initGain: o.initGain,
    ...(hyper.network !== undefined && { network: hyper.network }),
    ...(hyper.limit !== undefined && { limit: hyper.limit }),
    ...(hyper.testLimit !== undefined && { testLimit: hyper.testLimit }),
    ...(hyper.binning !== undefined && { binning: { ...hyper.binning } }),
    ...(hyper.initialModelId !== undefined && { initialModelId: hyper.initialModelId }),
  };
}

/** Settings as stored hyper-parameters (validated at the boundary, so the names are the engine's). */
export function hyperOf(settings: RunSettings): RunHyper {
  return { ...settings } as RunHyper;
}

function finalFigures(epochs: EpochPoint[]): RunFigures | null {
  const last = epochs[epochs.length - 1];
  if (!last) return null;
  return {
    epochs: epochs.length,
    testAccuracy: last.testAccuracy,
    bestTestAccuracy: Math.max(...epochs.map((e) => e.testAccuracy)),
    trainAccuracy: last.trainAccuracy,
    trainLoss: last.trainLoss,
    seconds: epochs.reduce((sum, e) => sum + e.seconds, 0),
  };
}

export function runMetrics(store: Store, runId: number): RunMetrics {
  return {
    runId,
    batches: listMetrics(store, runId, 'batch').map((r) => batchPoint(r.step, r.values as unknown as BatchReport)),
    epochs: listMetrics(store, runId, 'epoch').map(epochPoint),
  };
}

export function batchPoint(step: number, r: BatchReport): BatchPoint {
  return { step, epoch: r.epoch, batch: r.batch, loss: r.loss, accuracy: r.accuracy, firingRates: r.firingRates };
}

export function epochPoint(row: MetricRow | { step: number; values: EpochReport }): EpochPoint {
  const r = row.values as unknown as EpochReport;
  return {
    step: row.step, epoch: r.epoch, trainLoss: r.trainLoss, trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy,
    firingRates: r.firingRates, seconds: r.seconds, samplesPerSecond: r.samplesPerSecond,
  };
}

export function progressOf(r: BatchReport, epochs: number): RunProgress {
  return { epoch: r.epoch, batch: r.batch, batches: r.batches, epochs, samplesPerSecond: r.samplesPerSecond };
}

/**
 * Everything that would make the training process fail at once, refused before a run is recorded:
 * a spec that fails shape inference, settings the trainer refuses, a dataset whose samples or
 * classes do not fit the network.
 */
export function checkStartRun(store: Store, request: StartRunRequest): void {
  const dataset = requireDataset(store, request.datasetId);
  const plan = inferModel(request.spec);
  checkOptions({ ...DEFAULT_TRAIN_OPTIONS, ...(request.settings as Partial<TrainOptions>), seed: request.seed });
  const shape = datasetInputShape(dataset);
  const inputs = shape.reduce((a, b) => a * b, 1);
  if (inputs !== plan.inputSize) {
    throw badRequest(
      `startRun: request.spec takes ${plan.inputSize} inputs per sample (input shape [${plan.inputShape.join(', ')}]); ` +
        `dataset ${JSON.stringify(dataset.name)} gives ${inputs} ([${shape.join(', ')}]); allowed: a spec whose input layer matches the dataset`,
    );
  }
  if (request.settings.initialModelId !== undefined) initialWeights(store, request.settings.initialModelId, plan);
  const classes = dataset.meta.classCount ?? dataset.meta.classNames?.length;
  if (classes !== undefined && classes > plan.classes) {
    throw badRequest(
      `startRun: request.spec has ${plan.classes} output units; dataset ${JSON.stringify(dataset.name)} has ${classes} classes; allowed: an output layer of at least ${classes} units`,
    );
  }
}

/** The stored model a run starts from, its weights checked against the run's spec (fine-tuning). */
function initialWeights(store: Store, modelId: number, plan: ModelPlan): void {
  try {
    modelParams(store, modelId, plan);
  } catch (e) {
    if (!(e instanceof EngineError) || e.code !== 'bad-model') throw e;
    throw badRequest(`startRun: request.settings.initialModelId is ${modelId}: ${e.message}; allowed: a model whose weights fit the spec (its own spec, or one with the same layer shapes)`);
  }
}
