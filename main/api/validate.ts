/**
 * The boundary: every call from a renderer (Electron IPC) or a browser (WebSocket) goes through
 * `dispatch`, which refuses unknown methods, checks every argument against the contract (types,
 * ranges, required and unknown fields), calls the API and returns a `Result`, never throwing.
 * What needs the store to judge (does run 7 exist, does the spec infer) is the API's to check.
 */
import { BACKEND_NAMES } from '../../engine/backend/select';
import { EMULATION_LIMITS } from '../../engine/data/emulate-events';
import { BIN_MODES } from '../../engine/data/nmnist';
import { EngineError } from '../../engine/errors';
import { INIT_NAMES } from '../../engine/model/init';
import { GRAD_MODES } from '../../engine/model/network';
import { NETWORK_KINDS } from '../../engine/model/networks';
import { OPTIMIZER_NAMES } from '../../engine/optim/optimizer';
import { LOSSES } from '../../engine/train/loss';
import type { Result, WorkbenchApi, WorkbenchMethod } from '../contract';
import { SPEC_NAME_MAX } from '../store/specs';
import { RUN_NAME_MAX } from '../store/runs';
import { MODEL_NAME_MAX } from '../store/models';
import { MAX_PARALLEL, MAX_STUDY_RUNS } from '../services/study-file';
import { wireCode } from './errors';
import { anyObject, arrayOf, boolean, finite, integer, object, oneOf, optional, positive, refuse, tagged, text, type Check } from './schema';

/** An argument: its name (for messages) and its check; optional ones may be left out at the end. */
interface Arg {
  name: string;
  check: Check<unknown>;
  optional?: boolean;
}

const arg = (name: string, check: Check<unknown>): Arg => ({ name, check });
const optionalArg = (name: string, check: Check<unknown>): Arg => ({ name, check, optional: true });

const id = integer(1);
const runId = arg('runId', id);
const split = oneOf(['train', 'test'] as const);
const SEED_MAX = 0xffffffff;

/** A finite number from `min` to `max`. */
const between = (min: number, max: number): Check<number> => (v, path, method) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) refuse(method, path, v, `a number from ${min} to ${max}`);
  return v;
};

/** The event-camera emulator's parameters, each optional, within the engine's limits (engine/data/emulate-events.ts). */
const emulationParams = object(
  Object.fromEntries(Object.entries(EMULATION_LIMITS).map(([key, l]) => [key, optional(l.integer ? integer(l.min, l.max) : between(l.min, l.max))])),
);

const importSource = tagged('kind', {
  path: object({ kind: oneOf(['path'] as const), path: text() }),
  upload: object({ kind: oneOf(['upload'] as const), uploadId: text({ max: 100 }) }),
});

/** Which weights of a run: 'best', 'latest' or the end of epoch n (from 1). */
const epochChoice: Check<'best' | 'latest' | number> = (v, path, method) => {
  if (v === 'best' || v === 'latest' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) return v;
  return refuse(method, path, v, '"best", "latest" or an epoch number >= 1');
};
const modelId = arg('modelId', id);
const modelName = text({ max: MODEL_NAME_MAX, trimmed: true });

const surrogate = object({ name: optional(text({ max: 100 })), width: optional(positive()) });
const neuron = object({ vth: optional(positive()), tau: optional(finite), surrogate: optional(surrogate) });

/**
 * A model spec's outline: the fields the engine reads, no others. Each layer's `config` is the
 * layer class's to check (engine/spec/infer.ts: shape inference names the layer and the field).
 */
const modelSpec = object({
  name: optional(text({ max: SPEC_NAME_MAX })),
  neuron: optional(neuron),
  layers: arrayOf(object({ className: text({ max: 100 }), config: optional(anyObject) }), { min: 1, max: 1000 }),
});

const runSettings = object({
  epochs: integer(1, 100_000),
  steps: integer(1, 10_000),
  batchSize: integer(1, 100_000),
  optimizer: oneOf(OPTIMIZER_NAMES),
  lr: positive(),
  loss: oneOf(LOSSES.map((l) => l.name)),
  grad: oneOf(Object.keys(GRAD_MODES)),
  network: optional(oneOf(NETWORK_KINDS)),
  init: oneOf(INIT_NAMES),
  initGain: positive(),
  limit: optional(integer(1)),
  testLimit: optional(integer(1)),
  binning: optional(object({ mode: oneOf(BIN_MODES), dtUs: optional(positive()) })),
  initialModelId: optional(id),
});

const startRunRequest = object({
  name: optional(text({ max: RUN_NAME_MAX })),
  datasetId: id,
  spec: modelSpec,
  settings: runSettings,
  seed: integer(0, SEED_MAX),
  backend: oneOf(BACKEND_NAMES),
});

const studyId = arg('studyId', id);
const studyRequest = object({ file: anyObject, maxRuns: optional(integer(1, MAX_STUDY_RUNS)) });

/** Every contract method and its arguments, in order. A method missing here does not compile. */
const METHODS: Readonly<Record<WorkbenchMethod, readonly Arg[]>> = {
  getInfo: [],
  listDatasets: [],
  ensureMnist: [],
  importDataset: [
    arg('request', object({ format: text({ max: 100 }), name: text({ max: 200, trimmed: true }), source: optional(importSource), options: optional(anyObject) })),
  ],
  deleteDataset: [arg('datasetId', id)],
  getSamples: [arg('request', object({ datasetId: id, split, offset: integer(0), count: integer(1, 200) }))],
  getEncoding: [
    arg('request', object({ datasetId: id, split, index: integer(0), steps: optional(integer(1, 1000)), seed: optional(integer(0, SEED_MAX)) })),
  ],
  emulateEvents: [
    arg('request', object({ datasetId: id, name: text({ max: 200, trimmed: true }), limit: optional(integer(1)), params: optional(emulationParams) })),
  ],
  cancelEmulation: [arg('name', text({ max: 200 }))],
  getEvents: [arg('request', object({ datasetId: id, split, index: integer(0) }))],
  listPresets: [],
  listSpecs: [],
  saveSpec: [arg('name', text({ max: SPEC_NAME_MAX, trimmed: true })), arg('spec', modelSpec)],
  deleteSpec: [arg('name', text({ max: SPEC_NAME_MAX }))],
  listRuns: [],
  getRun: [runId],
  startRun: [arg('request', startRunRequest)],
  pauseRun: [runId],
  resumeRun: [runId],
  stopRun: [runId],
  evaluateRun: [runId],
  estimateRun: [arg('request', startRunRequest)],
  deleteRun: [runId],
  renameRun: [runId, arg('name', text({ max: RUN_NAME_MAX }))],
  getRunMetrics: [runId],
  getRunProbes: [runId, optionalArg('epoch', integer(0))],
  listRunWeights: [runId],
  listModels: [],
  getModel: [modelId],
  saveModel: [arg('request', object({ runId: id, epoch: epochChoice, name: optional(modelName) }))],
  renameModel: [modelId, arg('name', modelName)],
  deleteModel: [modelId],
  importModel: [arg('request', object({ source: importSource, name: optional(modelName) }))],
  exportModel: [
    arg(
      'request',
      object({
        source: tagged('kind', {
          model: object({ kind: oneOf(['model'] as const), modelId: id }),
          run: object({ kind: oneOf(['run'] as const), runId: id, epoch: epochChoice }),
        }),
        format: oneOf(['bundle', 'nir'] as const),
        dt: optional(positive()),
      }),
    ),
  ],
  evaluateModel: [arg('request', object({ modelId: id, datasetId: id, split: optional(split), limit: optional(integer(1)) }))],
  pythonInfo: [],
  exportPytorchJob: [
    arg(
      'request',
      object({
        source: tagged('kind', {
          run: object({ kind: oneOf(['run'] as const), runId: id, fineTune: optional(epochChoice) }),
          design: object({
            kind: oneOf(['design'] as const), name: text({ max: RUN_NAME_MAX }), spec: modelSpec, settings: runSettings, datasetId: id, seed: integer(0, SEED_MAX),
          }),
        }),
        folder: text(),
      }),
    ),
  ],
  importJobResults: [arg('request', object({ folder: text(), out: optional(text()) }))],
  startPytorchJob: [arg('request', object({ folder: text(), nproc: optional(integer(1, 1024)), resume: optional(boolean) }))],
  followJob: [arg('request', object({ folder: text(), out: optional(text()) }))],
  // A study file's own fields are the study parser's to check (main/services/study-file.ts names each one).
  listStudyRecipes: [],
  previewStudy: [arg('file', anyObject)],
  createStudy: [arg('request', studyRequest)],
  updateStudy: [studyId, arg('request', studyRequest)],
  listStudies: [],
  getStudy: [studyId],
  deleteStudy: [studyId, optionalArg('deleteRuns', boolean)],
  resumeStudy: [studyId],
  cancelStudy: [studyId],
  getQueue: [],
  setQueue: [arg('request', object({ parallel: optional(integer(1, MAX_PARALLEL)), paused: optional(boolean) }))],
  moveInQueue: [runId, arg('index', integer(0))],
  removeFromQueue: [runId],
  pickPaths: [arg('request', object({ kind: oneOf(['file', 'folder'] as const), title: text({ max: 200 }) }))],
};

export const WORKBENCH_METHODS = Object.keys(METHODS) as WorkbenchMethod[];

/**
 * The checked arguments of a call, ready to apply. A trailing optional argument may be left out,
 * or be null or undefined (JSON turns an undefined array item into null).
 */
export function validateCall(method: unknown, args: unknown): { method: WorkbenchMethod; args: unknown[] } {
  if (typeof method !== 'string' || !Object.hasOwn(METHODS, method)) {
    throw new EngineError('unknown-method', `unknown method ${typeof method === 'string' ? JSON.stringify(method) : String(method)} (known: ${WORKBENCH_METHODS.join(', ')})`);
  }
  const m = method as WorkbenchMethod;
  const specs = METHODS[m];
  const signature = `${m}(${specs.map((a) => (a.optional ? `${a.name}?` : a.name)).join(', ')})`;
  if (!Array.isArray(args)) refuse(m, 'the argument list', args, `an array: ${signature}`);
  const given = [...args];
  while (given.length > 0 && given.length > specs.filter((a) => !a.optional).length && (given.at(-1) === undefined || given.at(-1) === null)) given.pop();
  if (given.length > specs.length) {
    throw new EngineError('bad-request', `${m}: got ${args.length} argument(s); allowed: ${specs.length} (${signature})`);
  }
  specs.forEach((spec, i) => {
    if (i >= given.length && spec.optional) return;
    spec.check(given[i], spec.name, m);
  });
  return { method: m, args: given };
}

/** Validates and calls; every outcome is a Result. Errors that are not the engine's are logged and answered as 'internal'. */
export async function dispatch(api: WorkbenchApi, method: unknown, args: unknown): Promise<Result<unknown>> {
  try {
    const call = validateCall(method, args);
    const f = api[call.method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await f.apply(api, call.args) };
  } catch (e) {
    if (e instanceof EngineError) return { ok: false, error: { code: wireCode(e.code), message: e.message } };
    console.error(`workbench: ${String(method)} failed:`, e);
    return { ok: false, error: { code: 'internal', message: `${String(method)}: internal error: ${e instanceof Error ? e.message : String(e)}` } };
  }
}
