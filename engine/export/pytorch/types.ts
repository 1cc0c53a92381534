import type { AugmentationConfig } from '../../augment/types';
import type { TrainOptions } from '../../train/options';
import type { EventBinning } from '../../train/sources';
import type { ModelSpec } from '../../spec/types';

/** A run's settings as a job takes them: the trainer's options plus the data settings of a run. */
export interface JobSettings extends Omit<TrainOptions, 'augment' | 'network'> {
  /** Only the spiking network has a PyTorch job (the twin has none). */
  network?: 'spiking';
  augment?: AugmentationConfig[];
  /** Train / evaluate on the first n samples only. */
  limit?: number;
  testLimit?: number;
  /** Event datasets: how each stream is cut into T frames. */
  binning?: EventBinning;
}

/** What the job's data/ folder holds (written by the workbench next to the generated code). */
export interface JobDataset {
  name: string;
  kind: 'image' | 'events';
  /** One sample as the input layer takes it, [channels, height, width] ([2, h, w] for events). */
  sampleShape: [number, number, number];
  classes: number;
  /** One name per class, in label order (empty when the dataset has none). */
  classNames: string[];
  /** Samples written per split. */
  train: number;
  test: number;
}

/** Where a job came from, for its manifest and the run it becomes when imported. */
export interface JobSource {
  /** The run it was exported from; null for a design that was never trained. */
  runId: number | null;
  /** The store's id of the dataset, so an import into the same store finds it. */
  datasetId: number | null;
  appVersion: string;
}

/** Everything the generator needs: a pure function of this gives the job's text files. */
export interface JobInput {
  /** The job's name (the run's name, or the design's): shown in the README and the metrics header. */
  name: string;
  spec: ModelSpec;
  settings: JobSettings;
  dataset: JobDataset;
  source: JobSource;
  /** Start from weights in the job folder (a NIR file name, e.g. `init.nir`): fine-tuning. */
  initWeights?: string;
  /** The NIR time step in seconds the LIF constants are written for (default 1e-4). */
  dt?: number;
}

/** One generated file: its path inside the job folder and its text. */
export interface JobFile {
  path: string;
  text: string;
}

/** The manifest the workbench writes as job.json and reads back when it imports or follows the job. */
export interface JobManifest {
  format: typeof JOB_FORMAT;
  version: number;
  name: string;
  spec: ModelSpec;
  settings: JobSettings;
  dataset: JobDataset;
  source: JobSource;
  initWeights: string | null;
  dt: number;
  /** Where the job writes, relative to the job folder (train.py's default --out). */
  out: string;
}

export const JOB_FORMAT = 'stbp-pytorch-job';
export const JOB_VERSION = 1;
export const DEFAULT_NIR_DT = 1e-4;

/** The files a job writes into its out/ folder, named once for the generator and the importer. */
export const JOB_OUTPUTS = {
  folder: 'out',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.pt',
  final: 'final.nir',
  best: 'best.nir',
} as const;
