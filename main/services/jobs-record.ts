/**
 * How a PyTorch job's outputs become a run of the store, shared by the one-shot import and the live
 * follower: the run's row from the job's manifest or metrics header, each metrics line as the
 * supervisor records a training process's messages, and the job's NIR weights as checkpoints.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../engine/errors';
import { paramsFromTensors } from '../../engine/export/model';
import { fromNirGraph } from '../../engine/export/nir';
import { decodeNir } from '../../engine/export/nir-hdf5';
import type { JobManifest, JobSettings } from '../../engine/export/pytorch/types';
import { Rng } from '../../engine/rng';
import { inferModel } from '../../engine/spec/infer';
import type { ModelSpec } from '../../engine/spec/types';
import { encodeCheckpoint } from '../../engine/train/checkpoint';
import { withDefaults } from '../../engine/train/options';
import type { RunHyper } from '../runs/messages';
import { getDataset, type DatasetRow } from '../store/datasets';
import type { Store } from '../store/db';
import { recordBatchMetrics, recordEpochMetrics } from '../store/metrics';
import { saveProbe } from '../store/probes';
import { jobError, type JobBatch, type JobEpoch, type JobHeader, type JobWeights } from './jobs-metrics';

/** What a run made from a job is recorded as having requested. */
export const JOB_BACKEND = 'pytorch';

/** The run's hyper-parameters as stored: the job's settings in the workbench's names. */
export function jobHyper(settings: JobSettings): RunHyper {
  const { augment, limit, testLimit, binning, ...rest } = settings;
  return {
    ...rest, network: 'spiking',
    ...(augment?.length ? { augment } : {}),
    ...(limit != null ? { limit } : {}),
    ...(testLimit != null ? { testLimit } : {}),
    ...(binning != null ? { binning } : {}),
  };
}

/** The dataset of the store a job was exported from: by id if it still has the job's name, else by name. */
export function jobDataset(store: Store, manifest: Pick<JobManifest, 'dataset' | 'source'>, folder: string): DatasetRow {
  const byId = manifest.source.datasetId !== null ? getDataset(store, manifest.source.datasetId) : undefined;
  const found = byId?.name === manifest.dataset.name ? byId : getDataset(store, manifest.dataset.name);
  if (found) return found;
  const how = manifest.dataset.kind === 'image'
    ? `import it first (\`stbp datasets import idx ${join(folder, 'data')} --name ${manifest.dataset.name}\` reads the job's own copy)`
    : 'import it first under that name';
  throw new EngineError('unknown-dataset', `the job in ${folder} was trained on dataset ${JSON.stringify(manifest.dataset.name)}, which this store does not have; ${how}`);
}

/** "pytorch 1.13.0 DDP ×2 (gloo, cpu …)": the backend a job's run records as used. */
export function jobBackendUsed(h: JobHeader): string {
  const how = h.worldSize > 1 ? `DDP ×${h.worldSize} (${h.distributed}, ${h.device})` : `1 process (${h.device})`;
  return `${JOB_BACKEND} ${h.torch} ${how}`;
}

/** The run's notes: where and how the job trained. */
export function jobNotes(h: JobHeader, folder: string, how: string): string {
  const where = h.worldSize > 1
    ? `PyTorch DistributedDataParallel, world size ${h.worldSize} (${h.distributed}), global batch ${h.globalBatch}`
    : 'PyTorch, one process';
  return [
    `Trained by ${where}; device ${h.device}; torch ${h.torch}, Python ${h.python}, host ${h.host}; started ${h.startedAt}.`,
    `Job folder ${folder} (${how}).`,
  ].join('\n');
}

export function recordJobBatch(store: Store, runId: number, b: JobBatch): void {
  const { type: _type, step, ...values } = b;
  recordBatchMetrics(store, runId, [{ epoch: b.epoch, batch: b.batch, step, values }]);
}

export function recordJobEpoch(store: Store, runId: number, e: JobEpoch): void {
  const { type: _type, step, confusion, ...values } = e;
  recordEpochMetrics(store, runId, { epoch: e.epoch, step, values });
  const counts = Uint32Array.from(confusion);
  saveProbe(store, runId, {
    epoch: e.epoch, kind: 'confusion', data: new Uint8Array(counts.buffer), meta: { classes: Math.round(Math.sqrt(counts.length)), dtype: 'u32' },
  });
}

/** A job's NIR weights as the parameters of `spec`, in training order; any problem names the file. */
export async function readJobWeights(path: string, spec: ModelSpec): Promise<Float32Array[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw jobError(`${path}: cannot read the job's weights (${why}); the metrics file says the job wrote it`);
  }
  try {
    const imported = fromNirGraph(await decodeNir(bytes), { fileName: path });
    return paramsFromTensors(inferModel(spec), imported.tensors);
  } catch (e) {
    throw jobError(`${path}: ${(e as Error).message}`);
  }
}

/**
 * The engine checkpoint a job's weights are stored as. The job's optimiser state stays in its own
 * checkpoint.pt (PyTorch's format), so this one holds a fresh optimiser (step 0, zero moments) and
 * the run's seed: its weights serve models, export and evaluation; continuing training is the
 * job's own `--resume`.
 */
export function jobCheckpoint(spec: ModelSpec, h: JobHeader, w: JobWeights, params: Float32Array[]) {
  const options = withDefaults({ ...jobHyper(h.settings), network: 'spiking' });
  const slots = options.optimizer === 'adam' ? 2 : 0;
  const layers = inferModel(spec).layers.length;
  const state = encodeCheckpoint({
    spec, options, epoch: w.reason === 'epoch' ? w.epoch + 1 : w.epoch, batch: w.reason === 'epoch' ? 0 : w.batch,
    rng: new Rng(options.seed).state(), order: Uint32Array.from({ length: h.trainSamples }, (_, i) => i), optimizerStep: 0,
    params, slots: params.map((p) => Array.from({ length: slots }, () => new Float32Array(p.length))),
    sums: { loss: 0, correct: 0, seen: 0, rates: new Array<number>(layers).fill(0) }, epochSeconds: 0,
    watch: { silent: new Array<number>(layers).fill(0), saturated: new Array<number>(layers).fill(0) },
  });
  return {
    epoch: w.reason === 'epoch' ? w.epoch + 1 : w.epoch,
    batch: w.reason === 'epoch' ? 0 : w.batch,
    reason: w.reason,
    state,
    ...(w.reason === 'epoch' && w.testAccuracy !== null ? { testAccuracy: w.testAccuracy } : {}),
  };
}

/** The weights files to store, oldest first, so the newest is the run's latest (`best` kept apart). */
export function weightsInOrder(weights: Map<string, JobWeights>): JobWeights[] {
  const order = (w: JobWeights) => w.epoch * 1e9 + w.batch + (w.file === 'final.nir' ? 0.5 : 0);
  const all = [...weights.values()].sort((a, b) => order(a) - order(b));
  // best.nir of the same epoch and batch as final.nir holds the same weights: store them once.
  return all.filter((w, i) => !all.some((o, j) => j !== i && o.epoch === w.epoch && o.batch === w.batch && w.file !== 'final.nir'));
}

export function weightsPath(metricsFolder: string, w: JobWeights): string {
  return join(metricsFolder, w.file);
}
