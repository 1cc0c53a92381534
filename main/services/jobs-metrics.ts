/**
 * A PyTorch job's metrics file (out/metrics.jsonl, written by the generated train.py): one JSON
 * object per line, checked here field by field, so a corrupt line is refused with the file, the
 * line and what is wrong. A last line without its newline is a line still being written (or cut
 * by a kill): it is left for later, never half-read.
 */
import { EngineError } from '../../engine/errors';
import type { ModelSpec } from '../../engine/spec/types';
import type { BatchReport, EpochReport } from '../../engine/train/options';
import type { JobSettings } from '../../engine/export/pytorch/types';

export interface JobHeader {
  type: 'header';
  job: string;
  spec: ModelSpec;
  settings: JobSettings;
  worldSize: number;
  /** The process group's backend (gloo, nccl), null for one process. */
  distributed: string | null;
  device: string;
  torch: string;
  python: string;
  host: string;
  trainSamples: number;
  testSamples: number;
  batches: number;
  globalBatch: number;
  startedAt: string;
  resumed: { epoch: number; batch: number } | null;
}

export interface JobBatch extends BatchReport {
  type: 'batch';
  step: number;
  /** Samples of this optimiser step over every process. */
  samples: number;
}

export interface JobEpoch extends EpochReport {
  type: 'epoch';
  step: number;
  samples: number;
  /** Test confusion counts [truth · classes + predicted]. */
  confusion: number[];
}

export interface JobWeights {
  type: 'weights';
  /** final.nir or best.nir, in the same folder as the metrics file. */
  file: string;
  epoch: number;
  /** Batches done in that epoch when written. */
  batch: number;
  testAccuracy: number | null;
  reason: 'epoch' | 'stop';
}

export interface JobEnd {
  type: 'end';
  status: 'completed' | 'stopped';
  epoch: number;
  batch: number;
}

export interface JobFailure {
  type: 'error';
  message: string;
}

export type JobLine = JobHeader | JobBatch | JobEpoch | JobWeights | JobEnd | JobFailure;

/** A problem with a job folder's file, naming it: code `bad-job`. */
export function jobError(message: string): EngineError {
  return new EngineError('bad-job', message);
}

/** The complete lines of `text` and what follows the last newline (a line being written). */
export function splitLines(text: string): { lines: string[]; rest: string } {
  const end = text.lastIndexOf('\n');
  return { lines: end < 0 ? [] : text.slice(0, end).split('\n'), rest: text.slice(end + 1) };
}

/** One line checked: `where` is `<file> line <n>` for the error. */
export function parseJobLine(text: string, where: string): JobLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw jobError(`${where}: not JSON (${(e as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw jobError(`${where}: ${JSON.stringify(text.slice(0, 80))} is not a JSON object`);
  const o = value as Record<string, unknown>;
  const bad = (field: string, allowed: string) => jobError(`${where}: ${o.type} line's ${field} is ${JSON.stringify(o[field])}; allowed: ${allowed}`);
  const num = (field: string, integer = false) => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) throw bad(field, integer ? 'an integer' : 'a finite number');
    return v;
  };
  const numbers = (field: string) => {
    const v = o[field];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad(field, 'an array of finite numbers');
    return v as number[];
  };
  const string = (field: string) => {
    if (typeof o[field] !== 'string') throw bad(field, 'a string');
    return o[field] as string;
  };
  switch (o.type) {
    case 'header': {
      if (typeof o.spec !== 'object' || o.spec === null) throw bad('spec', 'a model spec object');
      if (typeof o.settings !== 'object' || o.settings === null) throw bad('settings', 'a settings object');
      for (const f of ['worldSize', 'trainSamples', 'testSamples', 'batches', 'globalBatch']) num(f, true);
      for (const f of ['device', 'torch', 'python', 'host', 'job', 'startedAt']) string(f);
      return o as unknown as JobHeader;
    }
    case 'batch':
      for (const f of ['step', 'epoch', 'batch', 'batches', 'samples']) num(f, true);
      for (const f of ['loss', 'accuracy', 'samplesPerSecond']) num(f);
      numbers('firingRates');
      return o as unknown as JobBatch;
    case 'epoch':
      for (const f of ['step', 'epoch', 'samples']) num(f, true);
      for (const f of ['trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds', 'samplesPerSecond']) num(f);
      numbers('firingRates');
      numbers('confusion');
      return o as unknown as JobEpoch;
    case 'weights':
      if (typeof o.file !== 'string' || !/^[\w.-]+\.nir$/.test(o.file)) throw bad('file', 'a .nir file name in the metrics file\'s folder');
      num('epoch', true);
      num('batch', true);
      if (o.testAccuracy !== null) num('testAccuracy');
      if (o.reason !== 'epoch' && o.reason !== 'stop') throw bad('reason', "'epoch' or 'stop'");
      return o as unknown as JobWeights;
    case 'end':
      if (o.status !== 'completed' && o.status !== 'stopped') throw bad('status', "'completed' or 'stopped'");
      num('epoch', true);
      num('batch', true);
      return o as unknown as JobEnd;
    case 'error':
      return { type: 'error', message: string('message') };
    default:
      throw jobError(`${where}: line type ${JSON.stringify(o.type)}; allowed: header, batch, epoch, weights, end, error`);
  }
}

/**
 * What a whole metrics file says, the way the workbench records it: a resumed job repeats the
 * batches after its checkpoint and the later line wins (as the store's upsert does); the job's
 * outcome is the end or error line after its last header, or unfinished.
 */
export interface JobRecord {
  header: JobHeader;
  batches: JobBatch[];
  epochs: JobEpoch[];
  /** The last weights line per file. */
  weights: Map<string, JobWeights>;
  outcome: JobEnd | JobFailure | null;
}

export function summarizeJob(lines: readonly JobLine[], file: string): JobRecord {
  const headerAt = lines.findLastIndex((l) => l.type === 'header');
  if (headerAt < 0) throw jobError(`${file}: no header line; allowed: a metrics file written by the job's train.py, which starts with one`);
  const batches = new Map<string, JobBatch>();
  const epochs = new Map<number, JobEpoch>();
  const weights = new Map<string, JobWeights>();
  let outcome: JobEnd | JobFailure | null = null;
  lines.forEach((l, i) => {
    if (l.type === 'batch') batches.set(`${l.epoch}:${l.batch}`, l);
    else if (l.type === 'epoch') epochs.set(l.epoch, l);
    else if (l.type === 'weights') weights.set(l.file, l);
    else if ((l.type === 'end' || l.type === 'error') && i > headerAt) outcome = l;
  });
  const byKey = <T extends { epoch: number; step: number }>(a: T, b: T) => a.epoch - b.epoch || a.step - b.step;
  return {
    header: lines[headerAt] as JobHeader,
    batches: [...batches.values()].sort(byKey),
    epochs: [...epochs.values()].sort(byKey),
    weights,
    outcome,
  };
}
