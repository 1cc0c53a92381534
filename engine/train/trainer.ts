import type { Kernels } from '../backend/types';
import type { ImageDataset } from '../data/dataset';
import type { Network } from '../model/networks';
import type { ModelSpec } from '../spec/types';
import type { BatchReport, EpochReport, TrainOptions } from './options';
import { TrainingSession } from './session';
import { ImageSource, type SampleSource } from './sources';

export { DEFAULT_TRAIN_OPTIONS, type BatchReport, type EpochReport, type TrainOptions } from './options';

export interface TrainCallbacks {
  onBatch?(r: BatchReport): void | Promise<void>;
  onEpoch?(r: EpochReport): void | Promise<void>;
  /** Polled between batches; true ends training after the current batch. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  epochs: EpochReport[];
  stopped: boolean;
  backend: string;
  seconds: number;
  samplesPerSecond: number;
  network: Network;
}

/** Image datasets are Bernoulli-coded; any other source is used as it is. */
export type TrainInput = ImageDataset | SampleSource;

/**
 * Train a spec with STBP in this thread: epochs of shuffled mini-batches, Bernoulli-coded, forward
 * over the T window, loss on output spike counts, backward, optimiser step (a TrainingSession
 * driven to the end). It knows nothing of processes or storage; callers observe it through
 * callbacks.
 */
export async function train(
  spec: ModelSpec, options: Partial<TrainOptions>, data: { train: TrainInput; test: TrainInput },
  kernels: Kernels, callbacks: TrainCallbacks = {},
): Promise<TrainResult> {
  const session = new TrainingSession(spec, options, { train: asSource(data.train), test: asSource(data.test) }, kernels);
  const reports: EpochReport[] = [];
  const started = performance.now();
  let stopped = false;
  while (!session.finished && !stopped) {
    while (!session.epochComplete) {
      // Run the batch first: an optional call (`f?.(x)`) skips evaluating its arguments.
      const report = session.runBatch();
      await callbacks.onBatch?.(report);
      if (callbacks.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    const report = session.finishEpoch();
    reports.push(report);
    await callbacks.onEpoch?.(report);
  }
  const trainSeconds = reports.reduce((s, r) => s + r.seconds, 0);
  const trained = reports.reduce((s, r) => s + r.samplesPerSecond * r.seconds, 0);
  return {
    epochs: reports, stopped, backend: kernels.description, seconds: (performance.now() - started) / 1000,
    samplesPerSecond: trainSeconds > 0 ? trained / trainSeconds : 0, network: session.net,
  };
}

function asSource(d: TrainInput): SampleSource {
  return 'load' in d ? d : new ImageSource(d);
}
