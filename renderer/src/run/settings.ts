import { runFraction } from '../../../engine/train/progress';
import type { PresetInfo, RunSettings, RunSummary } from '../../../main/contract';

/** The paper's Table I (MNIST) with Adam: what a run takes when the preset says nothing. */
export const TABLE_I: RunSettings = {
  epochs: 20,
  steps: 30,
  batchSize: 100,
  optimizer: 'adam',
  lr: 1e-3,
  loss: 'mse',
  grad: 'stbp',
  init: 'paper',
  initGain: 3,
};

/**
 * The launcher's quick setting, beside the paper's: T = 8, 3 epochs, the first 10,000 training and
 * 2,000 test samples. mlp-800 trains so in about 6 s on this 2-core machine (91.9% test accuracy),
 * against about 9 minutes for Table I's 20 epochs at T = 30 on all 60,000.
 */
export const QUICK: Pick<RunSettings, 'steps' | 'epochs' | 'limit' | 'testLimit'> = { steps: 8, epochs: 3, limit: 10_000, testLimit: 2_000 };

export const OPTIMIZERS = ['adam', 'sgd'] as const;
export const LOSSES = [
  { value: 'mse', label: 'MSE (eq. 9)' },
  { value: 'ce', label: 'Cross-entropy' },
] as const;
export const GRAD_MODES = [
  { value: 'stbp', label: 'STBP', help: 'Spatial and temporal paths (the paper)' },
  { value: 'sdbp', label: 'SDBP', help: 'Spatial domain only: no temporal path' },
  { value: 'detach-reset', label: 'STBP, detached reset', help: 'No gradient through the reset term' },
] as const;
export const INITS = [
  { value: 'paper', label: 'Paper (eq. 30–31)' },
  { value: 'uniform', label: 'Uniform' },
  { value: 'glorot', label: 'Glorot' },
] as const;

/** The launcher's gradient choices: the STBP modes, then the spec's non-spiking twin (sets `network: 'twin'`). */
export const GRAD_CHOICES = [
  ...GRAD_MODES,
  { value: 'twin', label: 'Non-spiking twin (ReLU, backprop)', help: 'The same layers with ReLU for LIF, one pass, no time steps (the paper\'s ANN)' },
] as const;

export function gradLabel(grad: string): string {
  return GRAD_MODES.find((g) => g.value === grad)?.label ?? grad;
}

/** The choice of GRAD_CHOICES that settings stand for. */
export function gradChoice(settings: RunSettings): string {
  return settings.network === 'twin' ? 'twin' : settings.grad;
}

/**
 * Settings with a gradient choice applied. The twin starts at init gain 1 (the spiking gain lifts
 * potentials to Vth, which the twin has not); a gradient mode trains the spiking network again,
 * at `spikingGain` (the preset's) when it leaves the twin.
 */
export function withGradChoice(settings: RunSettings, choice: string, spikingGain: number): RunSettings {
  if (choice === 'twin') return { ...settings, network: 'twin', initGain: 1 };
  const { network, ...spiking } = settings;
  return { ...spiking, grad: choice, ...(network === 'twin' && { initGain: spikingGain }) };
}

/** How a run trains: its gradient mode, or the twin. */
export function methodLabel(settings: RunSettings): string {
  return settings.network === 'twin' ? 'Non-spiking twin (ReLU, backprop)' : gradLabel(settings.grad);
}

/** Table I, overridden by what the preset's `train` says (only RunSettings fields). */
export function settingsFor(preset: Pick<PresetInfo, 'train'> | null | undefined): RunSettings {
  const out: RunSettings = { ...TABLE_I };
  const train = (preset?.train ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(TABLE_I) as (keyof RunSettings)[]) {
    const value = train[key];
    if (value !== undefined && typeof value === typeof TABLE_I[key]) (out as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of ['limit', 'testLimit'] as const) {
    if (typeof train[key] === 'number') out[key] = train[key] as number;
  }
  const binning = train.binning as RunSettings['binning'] | undefined;
  if (binning && (binning.mode === 'count' || binning.mode === 'time')) out.binning = { ...binning };
  return out;
}

/** A label per setting the compare table shows, in order. */
export const SETTING_ROWS: { key: string; label: string; get(run: RunSummary): string }[] = [
  { key: 'dataset', label: 'Dataset', get: (r) => r.datasetName ?? `#${r.datasetId} (deleted)` },
  { key: 'layers', label: 'Network', get: (r) => describeLayers(r) },
  { key: 'network', label: 'Neurons', get: (r) => (r.settings.network === 'twin' ? 'ReLU (non-spiking twin)' : 'LIF (spiking)') },
  { key: 'steps', label: 'T (steps)', get: (r) => (r.settings.network === 'twin' ? '1 (one pass)' : String(r.settings.steps)) },
  { key: 'epochs', label: 'Epochs', get: (r) => String(r.settings.epochs) },
  { key: 'batchSize', label: 'Batch', get: (r) => String(r.settings.batchSize) },
  { key: 'optimizer', label: 'Optimiser', get: (r) => r.settings.optimizer },
  { key: 'lr', label: 'Learning rate', get: (r) => String(r.settings.lr) },
  { key: 'loss', label: 'Loss', get: (r) => r.settings.loss },
  { key: 'grad', label: 'Gradient', get: (r) => (r.settings.network === 'twin' ? 'Backprop' : gradLabel(r.settings.grad)) },
  { key: 'init', label: 'Init (gain)', get: (r) => `${r.settings.init} × ${r.settings.initGain}` },
  { key: 'vth', label: 'Vth', get: (r) => String(r.spec.neuron?.vth ?? 1.5) },
  { key: 'tau', label: 'tau', get: (r) => String(r.spec.neuron?.tau ?? 0.1) },
  { key: 'surrogate', label: 'Surrogate (a)', get: (r) => `${r.spec.neuron?.surrogate?.name ?? 'rectangular'} (${r.spec.neuron?.surrogate?.width ?? 1})` },
  { key: 'limit', label: 'Train / test limit', get: (r) => `${r.settings.limit ?? 'all'} / ${r.settings.testLimit ?? 'all'}` },
  { key: 'seed', label: 'Seed', get: (r) => String(r.seed) },
  { key: 'backend', label: 'Backend', get: (r) => r.backendUsed ?? `${r.backendRequested} (not started)` },
];

/** "784-800-10" for an MLP; layer classes otherwise. */
export function describeLayers(run: Pick<RunSummary, 'spec'>): string {
  return run.spec.layers
    .map((layer) => {
      const c = (layer as { config?: Record<string, unknown> }).config ?? {};
      switch (layer.className as string) {
        case 'input':
          return Array.isArray(c.shape) ? (c.shape as number[]).join('x') : '?';
        case 'dense':
        case 'output':
          return String(c.units);
        case 'conv2d':
          return `${c.filters}C${c.kernel}`;
        case 'avgpool':
          return `P${c.kernel}`;
        default:
          return null;
      }
    })
    .filter((part) => part !== null)
    .join('-');
}

/** Which rows differ between the runs (the compare table highlights them). */
export function differingSettings(runs: RunSummary[]): Set<string> {
  const differing = new Set<string>();
  if (runs.length < 2) return differing;
  for (const row of SETTING_ROWS) {
    const values = new Set(runs.map((r) => row.get(r)));
    if (values.size > 1) differing.add(row.key);
  }
  return differing;
}

/** Seconds left from the live progress: remaining samples at the current speed (test passes not counted). */
export function etaSeconds(progress: RunSummary['progress'], batchSize: number): number | null {
  if (!progress || !(progress.samplesPerSecond > 0)) return null;
  const remainingBatches = (progress.epochs - progress.epoch) * progress.batches + (progress.batches - progress.batch);
  return Math.max(0, (remainingBatches * batchSize) / progress.samplesPerSecond);
}

/** Overall fraction done, 0…1. */
export function progressFraction(progress: RunSummary['progress']): number {
  return progress ? runFraction(progress) : 0;
}

export const ACTIVE_STATUSES = new Set(['created', 'running']);
export function canPause(status: string): boolean {
  return status === 'running' || status === 'created';
}
export function canResume(status: string): boolean {
  return status === 'paused' || status === 'stopped' || status === 'interrupted' || status === 'failed';
}
export function canStop(status: string): boolean {
  return status === 'running' || status === 'paused' || status === 'created';
}
