/**
 * The launcher's checks, field by field: errors that stop a start and warnings for settings that
 * will run but are unlikely to learn. Each names the field by the label the form shows, and sits
 * beside that field (never "steps must be…" at the foot of the form).
 */
import { inferModel, type LifLayerPlan } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import type { DatasetSummary, RunSettings } from '../../../main/contract';

/** The form's fields, by the key the checks use. */
export const FIELD_LABELS = {
  dataset: 'Dataset',
  network: 'Network',
  steps: 'Time steps T',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  lr: 'Learning rate',
  initGain: 'Init gain',
  seed: 'Seed',
  limit: 'Train limit',
  testLimit: 'Test limit',
} as const;
export type Field = keyof typeof FIELD_LABELS;

export type FieldMessages = Partial<Record<Field, string>>;

export const SEED_MAX = 0xffffffff;

/** The learning rates each optimiser is usually run at (Adam: 1e-4 … 1e-2 around the paper's 1e-3; SGD: the paper's 0.5 and below). */
export const USUAL_LR: Record<string, [number, number]> = { adam: [1e-4, 1e-2], sgd: [1e-2, 1] };
/** How far outside the usual range a rate must be to warn. */
const LR_FACTOR = 10;

export interface CheckInput {
  settings: RunSettings;
  seed: number;
  dataset: Pick<DatasetSummary, 'name' | 'trainCount' | 'testCount'> | null;
  /** The chosen network, when it passes shape inference. */
  spec: ModelSpec | null;
}

function wholeIn(label: string, value: number, min: number, max: number): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${label} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}${Number.isFinite(value) ? ` (it is ${value})` : ''}.`;
}

/** Errors: a start with these would be refused. */
export function fieldErrors({ settings: s, seed }: CheckInput): FieldMessages {
  const out: FieldMessages = {};
  const set = (field: Field, message: string | undefined): void => {
    if (message) out[field] = message;
  };
  set('epochs', wholeIn(FIELD_LABELS.epochs, s.epochs, 1, 100_000));
  if (s.network !== 'twin') set('steps', wholeIn(FIELD_LABELS.steps, s.steps, 1, 10_000));
  set('batchSize', wholeIn(FIELD_LABELS.batchSize, s.batchSize, 1, 100_000));
  if (!(Number.isFinite(s.lr) && s.lr > 0)) set('lr', `${FIELD_LABELS.lr} must be a number above 0.`);
  if (s.initialModelId === undefined && !(Number.isFinite(s.initGain) && s.initGain > 0)) set('initGain', `${FIELD_LABELS.initGain} must be a number above 0.`);
  set('seed', wholeIn(FIELD_LABELS.seed, seed, 0, SEED_MAX));
  for (const key of ['limit', 'testLimit'] as const) {
    const v = s[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) out[key] = `${FIELD_LABELS[key]} must be empty (all samples) or a whole number of at least 1.`;
  }
  return out;
}

/** Warnings: it will run, but probably not learn, or not as the user may think. */
export function fieldWarnings(input: CheckInput): FieldMessages {
  const { settings: s, dataset } = input;
  const out: FieldMessages = {};
  const usual = USUAL_LR[s.optimizer];
  if (usual && Number.isFinite(s.lr) && s.lr > 0) {
    const [low, high] = usual;
    const name = s.optimizer === 'adam' ? 'Adam' : 'SGD';
    if (s.lr > high * LR_FACTOR) out.lr = `${FIELD_LABELS.lr} ${s.lr} is far above ${name}'s usual range (${low} to ${high}): the weights are likely to blow up and the run not to learn.`;
    else if (s.lr < low / LR_FACTOR) out.lr = `${FIELD_LABELS.lr} ${s.lr} is far below ${name}'s usual range (${low} to ${high}): the run will barely move from its start.`;
  }
  if (s.network !== 'twin' && s.steps === 1) {
    out.steps = `T = 1 is a single time step: each neuron fires at most once, so spike counts are 0 or 1 and the rate code says little (the paper uses 30).`;
  }
  if (dataset && Number.isInteger(s.batchSize)) {
    const train = Math.min(dataset.trainCount, s.limit ?? Infinity);
    if (s.batchSize > train) out.batchSize = `${FIELD_LABELS.batchSize} ${s.batchSize} is more than the ${train.toLocaleString('en-US')} training samples: each epoch is one short batch.`;
  }
  const unreachable = s.initialModelId === undefined && s.network !== 'twin' ? unreachableLayer(input.spec, s) : undefined;
  if (unreachable) out.initGain = unreachable;
  return out;
}

/**
 * The first LIF layer whose threshold no input can reach with the initial weights: each step's
 * input is at most Σ|wᵢ| over its fan-in (inputs are spikes or pooled spike rates, each ≤ 1), and
 * with decay τ the potential is at most that over (1 − τ). The initialisers bound Σ|wᵢ|: eq. 30–31
 * rows have unit L2 norm (Σ|wᵢ| ≤ √n, Cauchy–Schwarz), uniform has |wᵢ| ≤ 1/√n, Glorot |wᵢ| ≤
 * √(6/(n + fan-out)); all times the gain. Such a layer never fires, so no gradient reaches it.
 */
export function unreachableLayer(spec: ModelSpec | null, s: Pick<RunSettings, 'init' | 'initGain'>): string | undefined {
  if (!spec || !(s.initGain > 0)) return undefined;
  let layers: LifLayerPlan[];
  try {
    layers = inferModel(spec).layers;
  } catch {
    return undefined; // the network's own error is shown instead
  }
  for (const l of layers) {
    const fanIn = l.conv ? l.conv.inC * l.conv.kernel * l.conv.kernel : l.inUnits;
    const fanOut = l.conv ? l.conv.outC * l.conv.kernel * l.conv.kernel : l.units;
    const perStep = s.initGain * (s.init === 'glorot' ? fanIn * Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(fanIn));
    const most = perStep / (1 - l.decay);
    if (l.vth > most) {
      return `Vth ${l.vth} of layer ${l.index} (${l.kind}) is above the most any input can give it at the start (${+most.toPrecision(3)}, with init ${s.init} × ${s.initGain}): it can never fire and no gradient reaches it. Raise the init gain or lower Vth.`;
    }
  }
  return undefined;
}
