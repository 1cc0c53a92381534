import type { EpochReport, BatchReport } from '../../engine/train/options';
import type { EventBinning } from '../../engine/train/sources';
import type { TrainOptions } from '../../engine/train/options';

/** A run's hyper-parameters as stored (runs.hyper): the trainer's options plus data settings. */
export interface RunHyper extends Partial<TrainOptions> {
  /** Train / evaluate on the first n samples only. */
  limit?: number;
  testLimit?: number;
  /** Event datasets: how streams become T frames. */
  binning?: EventBinning;
  /** Kernel threads for the wasm backend (default: every core, up to 8). */
  threads?: number;
  /** Start from this stored model's weights (fine-tuning). */
  initialModelId?: number;
}

/** One layer's spikes or potentials for the probe sample (main/runs/probe-sample.ts). */
export interface ProbeRecord {
  kind: 'raster' | 'membrane';
  layer: number;
  sample: number;
  data: Uint8Array;
  meta: Record<string, unknown>;
}

/** What to time: a run as it would start. */
export interface EstimateJob {
  datasetId: number;
  spec: unknown;
  hyper: RunHyper;
  seed: number;
  backend: string;
}

/** What the timing measured (main/runs/estimate.ts). */
export interface EstimateMeasure {
  trainSamplesPerSecond: number;
  testSamplesPerSecond: number;
  batchesTimed: number;
  backend: string;
}

/** Main side → training process. */
export type ToTrainer =
  | {
      type: 'start';
      runId: number;
      storeFile: string;
      resume: boolean;
      /** The better-sqlite3 addon to open the store with (Electron's ABI build in the app); default: the package's own. */
      nativeBinding?: string;
      /** Stop before the first batch: evaluate the checkpoint's weights and end stopped (a paused run's stop). */
      request?: 'stop';
      /** Batch reports are sent in groups at most this often (default BATCH_MESSAGE_MS); 0: each batch alone. */
      batchMessageMs?: number;
    }
  /** Time the network on this machine instead of training (main/runs/estimate.ts), answer once and exit. */
  | ({ type: 'estimate'; storeFile: string; nativeBinding?: string } & EstimateJob)
  | { type: 'pause' }
  | { type: 'stop' };

/** One trained batch: its report and its step (batches since the run began). */
export interface StepReport {
  step: number;
  report: BatchReport;
}

/**
 * How often, at most, the training process sends its batch reports (in groups, in order; always
 * before an epoch's figures, a checkpoint, a pause or an error). A message per batch made
 * 784-800-10 at T = 8 train 6–9% slower end to end (a batch takes 6 ms, and the main side's
 * handling of each message, decoding it, a store transaction and the monitor's event, ran on the
 * cores the step needs; two series of alternated runs, medians 12,911 → 13,952 and 12,087 → 13,124
 * samples/s). Ten groups a second still move the monitor's charts smoothly.
 */
export const BATCH_MESSAGE_MS = 100;

/** Training process → main side; the main side is the only writer of the store. */
export type FromTrainer =
  | { type: 'started'; backend: string; epoch: number; batch: number; batches: number; epochs: number }
  | { type: 'batches'; batches: StepReport[] }
  | { type: 'epoch'; step: number; report: EpochReport; confusion: Uint32Array }
  | ({ type: 'probe'; epoch: number } & ProbeRecord)
  /** The probe sample through the weights of this moment of the epoch; sent every few seconds, not stored. */
  | { type: 'live-probes'; epoch: number; batch: number; probes: ProbeRecord[] }
  /** `testAccuracy`: a stop's evaluation of the weights it stops with (seed + epoch, as an epoch's test). */
  | { type: 'checkpoint'; epoch: number; batch: number; reason: 'epoch' | 'pause' | 'stop'; state: Uint8Array; testAccuracy?: number }
  | { type: 'estimate'; measure: EstimateMeasure }
  | { type: 'ended'; status: 'completed' | 'paused' | 'stopped' }
  | { type: 'error'; error: { code: string; message: string } };
