/**
 * The model service the CLI and the app call: models made from a run's checkpoints, imported from
 * bundle or NIR files, exported as files. The engine's pure codecs (engine/export/) do the bytes;
 * this file does the store and the files.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { EngineError } from '../../engine/errors';
import { decodeBundle, encodeBundle } from '../../engine/export/bundle';
import { checkModel, paramsFromTensors, tensorsFromParams, type InputCoding, type TrainedModel } from '../../engine/export/model';
import { DEFAULT_NIR_DT, fromNirGraph, toNirGraph, type NirImport } from '../../engine/export/nir';

import { decodeNir, encodeNir } from '../../engine/export/nir-hdf5';
import { decodeCheckpoint } from '../../engine/train/checkpoint';
import { inferModel, type ModelPlan } from '../../engine/spec/infer';
import { appVersion } from '../api/info';
import type { RunHyper } from '../runs/messages';
import { bestCheckpoint, listCheckpoints, readCheckpoint, weightsEpoch, type CheckpointInfo } from '../store/checkpoints';
import { getDataset } from '../store/datasets';
import type { Store } from '../store/db';
import { getModel, insertModel, modelBundle, requireModel, type ModelRow } from '../store/models';
import { requireRun, type RunRow } from '../store/runs';
import { listMetrics } from '../store/metrics';
import { datasetClassNames, datasetInputShape } from './datasets';

/** Which weights of a run: its best test accuracy, its latest checkpoint, or the end of an epoch. */
export type EpochChoice = 'best' | 'latest' | number;

export type ModelFormat = 'bundle' | 'nir';

export const MODEL_FORMATS: Record<ModelFormat, { extension: string; description: string }> = {
  bundle: { extension: '.stbp', description: "this workbench's model bundle (spec, coding, provenance, float32 weights)" },
  nir: { extension: '.nir', description: 'NIR, the Neuromorphic Intermediate Representation (HDF5), read by snnTorch, Norse, SpikingJelly, Sinabs, Lava' },
};

/** A run's stored weights, newest first, marked best and latest. */
export interface RunWeightsInfo extends CheckpointInfo {
  /** The epoch whose weights these are (the finished one for an epoch checkpoint). */
  weightsEpoch: number;
  latest: boolean;
}

export function listRunWeights(store: Store, runId: number): RunWeightsInfo[] {
  requireRun(store, runId);
  const best = bestCheckpoint(store, runId);
  const accuracy = epochAccuracies(store, runId);
  return listCheckpoints(store, runId).map((c, i) => ({
    ...c,
    testAccuracy: c.testAccuracy ?? (c.reason === 'epoch' ? (accuracy.get(weightsEpoch(c)) ?? null) : null),
    best: c.id === best?.id,
    weightsEpoch: weightsEpoch(c),
    latest: i === 0,
  }));
}

function epochAccuracies(store: Store, runId: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of listMetrics(store, runId, 'epoch')) if (typeof m.values.testAccuracy === 'number') out.set(m.epoch, m.values.testAccuracy);
  return out;
}

/** The checkpoint a choice names, or an error listing what the run has. */
function chooseCheckpoint(store: Store, run: RunRow, choice: EpochChoice): RunWeightsInfo {
  const kept = listRunWeights(store, run.id);
  const about = `run ${run.id} (${JSON.stringify(run.name)})`;
  const have = kept.length ? kept.map((c) => (c.reason === 'epoch' ? `end of epoch ${c.weightsEpoch}` : `${c.reason} in epoch ${c.weightsEpoch}`)).join(', ') : 'none yet';
  let found: RunWeightsInfo | undefined;
  if (choice === 'best') found = kept.find((c) => c.best);
  else if (choice === 'latest') found = kept[0];
  else found = kept.find((c) => c.reason === 'epoch' && c.weightsEpoch === choice);
  if (!found) {
    const what = choice === 'best' ? 'no finished epoch yet' : choice === 'latest' ? 'no checkpoint yet' : `no weights of the end of epoch ${choice}`;
    throw new EngineError('no-weights', `${about} has ${what}; stored weights: ${have} (older epochs are pruned, the best is kept); allowed: best, latest or one of those epochs`);
  }
  return found;
}

/** A run's weights as a model, not stored: what `saveRunModel` stores and a run's export writes. */
export function runModel(store: Store, runId: number, choice: EpochChoice, name?: string): TrainedModel {
  const run = requireRun(store, runId);
  const weights = chooseCheckpoint(store, run, choice);
  const state = decodeCheckpoint(readCheckpoint(store, weights.id).state);
  const dataset = getDataset(store, run.datasetId);
  if (!dataset) throw new EngineError('unknown-dataset', `run ${run.id}'s dataset ${run.datasetId} no longer exists: its sample shape and class names are unknown`);
  const hyper = run.hyper as RunHyper;
  const coding: InputCoding = dataset.kind === 'events'
    ? { kind: 'events', steps: state.options.steps, binning: hyper.binning ?? { mode: 'count' } }
    : { kind: 'bernoulli', steps: state.options.steps };
  const label = choice === 'best' ? 'best' : choice === 'latest' ? 'latest' : `epoch-${choice}`;
  const model: TrainedModel = {
    name: name ?? freeName(store, `${run.name}-${label}`),
    spec: state.spec,
    network: state.options.network,
    coding,
    dataset: { name: dataset.name, kind: dataset.kind, sampleShape: datasetInputShape(dataset), classNames: datasetClassNames(dataset) },
    provenance: {
      origin: 'trained', runId: run.id, epoch: weights.weightsEpoch, testAccuracy: weights.testAccuracy, seed: run.seed, backend: run.backendUsed,
      settings: { ...hyper, seed: run.seed }, appVersion: appVersion(), createdAt: new Date().toISOString(),
    },
    tensors: tensorsFromParams(inferModel(state.spec), state.params),
  };
  checkModel(model);
  return model;
}

export function saveRunModel(store: Store, runId: number, choice: EpochChoice, name?: string): ModelRow {
  return storeModel(store, runModel(store, runId, choice, name));
}

function storeModel(store: Store, model: TrainedModel): ModelRow {
  const { tensors: _, ...description } = model;
  return requireModel(store, insertModel(store, { description, bundle: encodeBundle(model) }));
}

/** `base`, or `base-2`, `base-3`, … : the first name no model has. */
function freeName(store: Store, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!getModel(store, name)) return name;
  }
}

/** A stored model with its weights; the description comes from the store (a rename changes it there). */
export function storedModel(store: Store, idOrName: number | string): TrainedModel {
  const row = requireModel(store, idOrName);
  const { tensors } = decodeBundle(modelBundle(store, row.id));
  return { ...row.description, tensors };
}

/** A stored model's weights in training order, checked against a plan (a run fine-tuning it). */
export function modelParams(store: Store, idOrName: number | string, plan: ModelPlan): Float32Array[] {
  const row = requireModel(store, idOrName);
  try {
    return paramsFromTensors(plan, decodeBundle(modelBundle(store, row.id)).tensors);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    throw new EngineError('bad-model', `model ${row.id} (${JSON.stringify(row.name)}) does not fit: ${e.message}`);
  }
}

// ---- files -------------------------------------------------------------------------------------

/** The format of a model file, from its first bytes (a bundle's magic, HDF5's signature). */
export function modelFileFormat(bytes: Uint8Array, file: string): ModelFormat {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (text === 'STBPMODL') return 'bundle';
  if (text === '\x89HDF\r\n\x1a\n') return 'nir';
  throw new EngineError(
    'bad-model-file',
    `${file} is neither a model bundle nor a NIR file (its first bytes are ${JSON.stringify(text.replace(/[^\x20-\x7e]/g, '.'))}); allowed: a .stbp bundle saved by STBP Workbench, or a NIR (HDF5) file`,
  );
}

/**
 * Reads a bundle or NIR file into a stored model: the whole file is checked (format, spec, every
 * tensor's shape and values) before anything is written, so a refused file leaves no trace.
 */
export async function importModelFile(store: Store, path: string, opts: { name?: string; sourceLabel?: string } = {}): Promise<ModelRow> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new EngineError('bad-model-file', `cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const file = opts.sourceLabel ?? basename(path);
  const model = await decodeModelFile(bytes, file);
  const name = opts.name ?? (getModel(store, model.name) ? freeName(store, model.name) : model.name);
  return storeModel(store, { ...model, name, provenance: { ...model.provenance, sourceFile: file, appVersion: appVersion() } });
}

/**
 * A model file's contents as a model (not stored): a bundle as it was saved, a NIR graph as a
 * spiking network with the coding, T and class names its metadata records (else Bernoulli, T = 30,
 * classes by number). Errors name the file.
 */
export async function decodeModelFile(bytes: Uint8Array, file: string): Promise<TrainedModel> {
  try {
    if (modelFileFormat(bytes, file) === 'bundle') {
      const model = decodeBundle(bytes);
      return { ...model, provenance: { ...model.provenance, origin: 'bundle' } };
    }
    return nirModel(fromNirGraph(await decodeNir(bytes), { fileName: file }), file);
  } catch (e) {
    if (e instanceof EngineError && !e.message.includes(file)) throw new EngineError(e.code, `${file}: ${e.message}`, e.at);
    throw e;
  }
}

function nirModel(imported: NirImport, file: string): TrainedModel {
  const plan = inferModel(imported.spec);
  const model: TrainedModel = {
    name: imported.name ?? basename(file, extname(file)),
    spec: imported.spec,
    network: 'spiking',
    coding: imported.coding ?? { kind: 'bernoulli', steps: imported.steps ?? 30 },
    dataset: {
      name: imported.datasetName ?? 'unknown (imported from NIR)',
      kind: imported.coding?.kind === 'events' ? 'events' : 'image',
      sampleShape: imported.sampleShape ?? imageShapeOf(plan.inputShape),
      classNames: imported.classNames ?? Array.from({ length: plan.classes }, (_, i) => String(i)),
    },
    provenance: {
      origin: 'nir', runId: null, epoch: null, testAccuracy: null, seed: 1, backend: null, settings: null, ...imported.training,
      appVersion: appVersion(), createdAt: new Date().toISOString(), sourceFile: file, nirDt: imported.dt,
      ...(imported.notes.length > 0 && { notes: imported.notes }),
    },
    tensors: imported.tensors,
  };
  checkModel(model);
  return model;
}

/**
 * A flat input of n = s² values from a file that does not say its sample shape is taken as one s×s
 * grey image (784 → [1, 28, 28]), so images can be drawn and dropped on it; any other shape stays.
 */
function imageShapeOf(shape: number[]): number[] {
  const side = Math.round(Math.sqrt(shape[0]!));
  return shape.length === 1 && side * side === shape[0] ? [1, side, side] : shape;
}

/** A model's file in a format: bundle bytes, or a NIR file whose LIF constants are written for `dt`. */
export async function modelFileBytes(model: TrainedModel, format: ModelFormat, dt = DEFAULT_NIR_DT): Promise<Uint8Array> {
  if (format === 'bundle') return encodeBundle(model);
  if (model.network !== 'spiking') {
    throw new EngineError('bad-option', `model ${JSON.stringify(model.name)} is a non-spiking twin (ReLU); allowed for NIR: spiking models (export the twin as a bundle)`);
  }
  if (!(Number.isFinite(dt) && dt > 0 && dt < 1)) throw new EngineError('bad-option', `dt is ${dt}; allowed: a time step in seconds, 0 < dt < 1 (snnTorch uses 1e-4)`);
  return encodeNir(toNirGraph(model, { dt }));
}

/** A file name for a model: its name made safe for file systems, with the format's extension. */
export function modelFileName(model: { name: string }, format: ModelFormat): string {
  const safe = model.name.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '') || 'model';
  return `${safe}${MODEL_FORMATS[format].extension}`;
}
