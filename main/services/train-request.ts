/**
 * What a run is, from the options of `stbp train`: a starting point (a preset, or a stored model to
 * fine-tune) changed by the options, checked, into a spec and hyper-parameters ready to record.
 * `stbp train` (flags) and studies (a JSON base and its axes) both come through here, so a study's
 * cell is exactly the run the same options give on the command line.
 */
import { SIMARD_MNIST } from '../../engine/augment/elastic';
import { checkAugmentations } from '../../engine/augment/registry';
import type { AugmentationConfig } from '../../engine/augment/types';
import { BACKEND_NAMES } from '../../engine/backend/select';
import { BIN_MODES } from '../../engine/data/nmnist';
import { EngineError } from '../../engine/errors';
import { inferModel, type ModelPlan } from '../../engine/spec/infer';
import { DEFAULT_NEURON, type LayerSpec, type ModelSpec, type NeuronConfig } from '../../engine/spec/types';
import { checkOptions, DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../engine/train/options';
import type { TrainRequest } from '../contract';
import type { RunHyper } from '../runs/messages';
import type { Store } from '../store/db';
import { requireDataset, type DatasetRow } from '../store/datasets';
import { requireModel } from '../store/models';
import type { CreateRun } from '../store/runs';
import { datasetInputShape, ensureMnist } from './datasets';
import { modelParams } from './models';
import { loadPreset } from './presets';

export type { TrainRequest };

type FieldKind = 'integer' | 'number' | 'text' | 'flag';

/** Every option: its flag (`--test-limit`), its key in a request (`testLimit`) and its kind. */
export const TRAIN_FIELDS: readonly { flag: string; key: keyof TrainRequest; kind: FieldKind }[] = (
  [
    ['preset', 'text'], ['from-model', 'text'], ['epochs', 'integer'], ['T', 'integer'], ['batch', 'integer'], ['lr', 'number'],
    ['optimizer', 'text'], ['loss', 'text'], ['grad', 'text'], ['twin', 'flag'], ['backend', 'text'], ['threads', 'integer'],
    ['seed', 'integer'], ['init-gain', 'number'], ['vth', 'number'], ['tau', 'number'], ['surrogate', 'text'],
    ['surrogate-width', 'number'], ['hidden', 'integer'], ['limit', 'integer'], ['test-limit', 'integer'], ['name', 'text'],
    ['dataset', 'text'], ['elastic', 'flag'], ['elastic-alpha', 'number'], ['elastic-sigma', 'number'], ['shift', 'integer'],
    ['no-augment', 'flag'], ['bin', 'text'], ['dt-us', 'number'],
  ] as const
).map(([flag, kind]) => ({ flag, kind, key: flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof TrainRequest }));

const FIELD_BY_KEY = new Map(TRAIN_FIELDS.map((f) => [f.key as string, f]));

/** How an option is named in messages: `--test-limit` on the command line, `base.testLimit` in a study file. */
export type OptionName = (key: keyof TrainRequest) => string;

export const flagName: OptionName = (key) => `--${FIELD_BY_KEY.get(key)!.flag}`;

const ALLOWED: Record<FieldKind, string> = { integer: 'an integer', number: 'a number', text: 'a non-empty string', flag: 'true or false' };

/** One option's value checked against its kind; `where` names it in the message. */
export function checkField(key: keyof TrainRequest, value: unknown, where: string): TrainRequest[keyof TrainRequest] {
  const field = FIELD_BY_KEY.get(key as string);
  if (!field) throw new EngineError('bad-option', `${where} is not an option; allowed: ${TRAIN_FIELDS.map((f) => f.key).join(', ')}`);
  const ok = field.kind === 'integer' ? Number.isSafeInteger(value)
    : field.kind === 'number' ? typeof value === 'number' && Number.isFinite(value)
      : field.kind === 'text' ? typeof value === 'string' && value.trim() !== ''
        : typeof value === 'boolean';
  if (!ok) throw new EngineError('bad-option', `${where} is ${JSON.stringify(value) ?? String(value)}; allowed: ${ALLOWED[field.kind]}`);
  return value as TrainRequest[keyof TrainRequest];
}

/** A JSON object as a request: every key an option (camelCase), every value of its kind. */
export function requestFromJson(value: unknown, where: string): TrainRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EngineError('bad-option', `${where} is ${JSON.stringify(value)}; allowed: an object of stbp train options`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!FIELD_BY_KEY.has(key)) {
      throw new EngineError('bad-option', `${where}.${key} is not an option of stbp train; allowed: ${TRAIN_FIELDS.map((f) => f.key).join(', ')}`);
    }
    out[key] = checkField(key as keyof TrainRequest, v, `${where}.${key}`);
  }
  return out as TrainRequest;
}

/** Parsed command-line values (strings and booleans) as a request; a bad number names its flag. */
export function requestFromFlags(values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>): TrainRequest {
  const out: Record<string, unknown> = {};
  for (const f of TRAIN_FIELDS) {
    const v = values[f.flag];
    if (v === undefined || Array.isArray(v)) continue;
    if (f.kind === 'integer' || f.kind === 'number') {
      const n = Number(v);
      if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) {
        throw new EngineError('bad-option', `--${f.flag} is ${JSON.stringify(v)}; allowed: ${ALLOWED[f.kind]}`);
      }
      out[f.key] = n;
    } else {
      out[f.key] = v;
    }
  }
  return out as TrainRequest;
}

/** What needs no store: a starting point named, a known backend and binning. */
export function checkRequest(r: TrainRequest, name: OptionName, what: string): void {
  if (r.preset === undefined && r.fromModel === undefined) {
    throw new EngineError('bad-option', `${what} needs ${name('preset')} <name> (see \`stbp presets\`) or ${name('fromModel')} <model> (see \`stbp models list\`)`);
  }
  if (r.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(r.backend)) {
    throw new EngineError('bad-option', `${name('backend')} is ${JSON.stringify(r.backend)}; allowed: ${BACKEND_NAMES.join(', ')}`);
  }
  if (r.bin !== undefined && !(BIN_MODES as readonly string[]).includes(r.bin)) {
    throw new EngineError('bad-option', `${name('bin')} is ${JSON.stringify(r.bin)}; allowed: ${BIN_MODES.join(', ')}`);
  }
}

/** A run's starting point: a preset's spec and Table I settings, or a stored model's spec, settings and weights. */
export interface StartingPoint {
  name: string;
  /** For messages: "preset mlp-400", "model digits". */
  what: string;
  spec: ModelSpec;
  train: RunHyper;
}

/** The settings a fine-tuning run takes over from the model's own run. */
const TRAIN_SETTING_KEYS = ['epochs', 'steps', 'batchSize', 'optimizer', 'lr', 'loss', 'grad', 'network', 'init', 'initGain', 'augment', 'binning', 'seed'] as const;

/**
 * A preset (its spec and Table I settings), or a stored model to fine-tune (its spec, its run's
 * settings unless a preset is also named, and its weights).
 */
export async function startingPoint(store: Store, r: TrainRequest): Promise<StartingPoint> {
  const preset = r.preset !== undefined ? await loadPreset(r.preset) : undefined;
  if (r.fromModel === undefined) return { name: preset!.name, what: `preset ${preset!.name}`, spec: preset!.spec, train: preset!.train };
  const model = requireModel(store, r.fromModel);
  const d = model.description;
  const trained = (d.provenance.settings ?? {}) as RunHyper;
  const own: RunHyper = Object.fromEntries(TRAIN_SETTING_KEYS.filter((k) => trained[k] !== undefined).map((k) => [k, trained[k]]));
  return { name: `${model.name}-tuned`, what: `model ${model.name}`, spec: d.spec, train: { ...(preset?.train ?? { ...own, steps: d.coding.steps }), initialModelId: model.id } };
}

/** A run as it will be recorded, before its dataset is known. */
export interface RunPlan {
  name: string;
  spec: ModelSpec;
  hyper: RunHyper;
  seed: number;
  backend: string;
  model: ModelPlan;
}

/**
 * The starting point changed by the request's options, checked as the trainer and shape
 * inference check them (so a bad value is refused before a run is recorded). Pure.
 */
export function planRun(start: StartingPoint, r: TrainRequest): RunPlan {
  const hyper: RunHyper = { ...start.train };
  const set = <K extends keyof RunHyper>(key: K, v: RunHyper[K] | undefined) => {
    if (v !== undefined) hyper[key] = v;
  };
  set('epochs', r.epochs);
  set('steps', r.T);
  set('batchSize', r.batch);
  set('lr', r.lr);
  set('initGain', r.initGain);
  set('optimizer', r.optimizer as TrainOptions['optimizer'] | undefined);
  set('loss', r.loss as TrainOptions['loss'] | undefined);
  set('grad', r.grad as TrainOptions['grad'] | undefined);
  set('limit', r.limit);
  set('testLimit', r.testLimit);
  set('threads', r.threads);
  if (r.twin) {
    hyper.network = 'twin';
    // The presets' gain lifts potentials to Vth; the twin has none (engine/train/options.ts withDefaults).
    hyper.initGain = r.initGain ?? 1;
  }
  hyper.augment = augmentations(r, hyper.augment ?? []);
  if (hyper.augment.length === 0) delete hyper.augment;
  const spec = withHidden(withNeuron(start.spec, r), r.hidden);
  const seed = r.seed ?? hyper.seed ?? 1;
  checkOptions({ ...DEFAULT_TRAIN_OPTIONS, ...hyper, seed });
  const model = inferModel(spec);
  if (r.bin !== undefined || r.dtUs !== undefined) {
    hyper.binning = { mode: (r.bin ?? 'time') as 'time' | 'count', ...(r.dtUs !== undefined ? { dtUs: r.dtUs } : {}) };
  }
  return { name: r.name ?? start.name, spec, hyper, seed, backend: r.backend ?? 'auto', model };
}

/**
 * vth, tau and the surrogate set for every LIF layer: in the spec's neuron defaults, and taken out
 * of any layer's own config that would override them.
 */
function withNeuron(spec: ModelSpec, r: TrainRequest): ModelSpec {
  const patch: Partial<NeuronConfig> = {};
  if (r.vth !== undefined) patch.vth = r.vth;
  if (r.tau !== undefined) patch.tau = r.tau;
  if (r.surrogate !== undefined || r.surrogateWidth !== undefined) {
    const old = { ...DEFAULT_NEURON.surrogate, ...(spec.neuron?.surrogate ?? {}) };
    patch.surrogate = { name: r.surrogate ?? old.name, width: r.surrogateWidth ?? old.width };
  }
  const keys = Object.keys(patch) as (keyof NeuronConfig)[];
  if (keys.length === 0) return spec;
  const layers = spec.layers.map((layer) => {
    const config = layer.config as Record<string, unknown> | undefined;
    if (!config || !keys.some((k) => k in config)) return layer;
    return { ...layer, config: Object.fromEntries(Object.entries(config).filter(([k]) => !(keys as string[]).includes(k))) } as LayerSpec;
  });
  return { ...spec, neuron: { ...spec.neuron, ...patch }, layers };
}

/** Every hidden dense layer given `units` (the output layer keeps its own). */
function withHidden(spec: ModelSpec, units: number | undefined): ModelSpec {
  if (units === undefined) return spec;
  if (!spec.layers.some((l) => l.className === 'dense')) {
    throw new EngineError('bad-option', `hidden is ${units} but spec ${JSON.stringify(spec.name ?? '')} has no hidden dense layer; allowed: a spec with one (an MLP, or a CNN's dense layers)`);
  }
  return { ...spec, layers: spec.layers.map((l) => (l.className === 'dense' ? { ...l, config: { ...l.config, units } } : l)) };
}

/** The starting point's distortions, changed by noAugment, elastic[Alpha|Sigma] and shift. */
function augmentations(r: TrainRequest, preset: readonly AugmentationConfig[]): AugmentationConfig[] {
  let out = r.noAugment ? [] : [...preset];
  if (r.elastic || r.elasticAlpha !== undefined || r.elasticSigma !== undefined) {
    const old = out.find((a) => a.name === 'elastic') ?? SIMARD_MNIST;
    const elastic = { ...SIMARD_MNIST, ...old, ...(r.elasticAlpha !== undefined && { alpha: r.elasticAlpha }), ...(r.elasticSigma !== undefined && { sigma: r.elasticSigma }) };
    out = [elastic, ...out.filter((a) => a.name !== 'elastic')];
  }
  if (r.shift !== undefined) {
    out = out.filter((a) => a.name !== 'shift');
    if (r.shift > 0) out.push({ name: 'shift', max: r.shift });
  }
  return checkAugmentations(out);
}

/** The request's dataset, or bundled MNIST (imported on first use). */
export async function requestDataset(store: Store, r: TrainRequest): Promise<DatasetRow> {
  return r.dataset !== undefined ? requireDataset(store, r.dataset) : ensureMnist(store);
}

/** Refuses a plan whose input layer does not take the dataset's samples, or whose starting weights do not fit. */
export function checkPlanFits(store: Store, plan: RunPlan, what: string, dataset: DatasetRow): void {
  const shape = datasetInputShape(dataset);
  const inputs = shape.reduce((a, b) => a * b, 1);
  if (inputs !== plan.model.inputSize) {
    throw new EngineError('bad-data', `${what} takes ${plan.model.inputSize} inputs per sample ([${plan.model.inputShape.join(', ')}]); dataset ${dataset.name} gives ${inputs}: pick a matching --dataset (stbp datasets list)`);
  }
  if (plan.hyper.initialModelId !== undefined) modelParams(store, plan.hyper.initialModelId, plan.model); // the weights fit the spec
}

/** A checked run ready to record: `createRun(store, prepared.run)`. */
export interface PreparedRun {
  start: StartingPoint;
  plan: RunPlan;
  dataset: DatasetRow;
  run: CreateRun;
}

/** The whole way from options to a run to record, every check done. */
export async function prepareRun(store: Store, r: TrainRequest, name: OptionName = flagName): Promise<PreparedRun> {
  checkRequest(r, name, 'train');
  const start = await startingPoint(store, r);
  const plan = planRun(start, r);
  const dataset = await requestDataset(store, r);
  checkPlanFits(store, plan, start.what, dataset);
  return { start, plan, dataset, run: createRunOf(plan, dataset) };
}

export function createRunOf(plan: RunPlan, dataset: DatasetRow): CreateRun {
  return { name: plan.name, datasetId: dataset.id, spec: plan.spec, hyper: plan.hyper, seed: plan.seed, backendRequested: plan.backend };
}
