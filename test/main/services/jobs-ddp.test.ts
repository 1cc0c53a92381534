import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import { localTorchrunArgs } from '../../../engine/export/pytorch/torchrun';
import { train } from '../../../engine/train/trainer';
import { loadImageDataset } from '../../../main/services/datasets';
import { importJob, type ImportedJob } from '../../../main/services/jobs';
import { freePort } from '../../../main/services/jobs-live';
import { listMetrics } from '../../../main/store/metrics';
import type { Store } from '../../../main/store/db';
import { MLP, QUICK, exportDesign, python, storeMnistSlice } from './jobs-fixtures';
import { useFileTemps } from './temp';

const { tempDir, tempStore } = useFileTemps();

/** 2 epochs of 6,000 MNIST images, global batch 50, T = 8: ~85% test accuracy, a minute of CPU in all. */
const SETTINGS = { ...QUICK, steps: 8, batchSize: 50, lr: 1e-3, epochs: 2 };
const TRAIN = 6000;
const TEST = 1000;

describe.skipIf(python.skip)('a job trained by torchrun with 2 processes (DDP, gloo, CPU)', () => {
  let store: Store;
  let folder: string;
  let imported: ImportedJob;
  let header: Record<string, unknown>;

  beforeAll(async () => {
    if (!python.ok) throw new Error(python.reason);
    store = tempStore();
    const datasetId = await storeMnistSlice(store, TRAIN, TEST);
    folder = join(tempDir('stbp-ddp-'), 'job');
    await exportDesign(store, datasetId, folder, SETTINGS);
    // torchrun (python3 -m torch.distributed.run) with 2 processes, as stbp jobs start runs it: a
    // rendezvous port of its own rather than --standalone's fixed one (see localTorchrunArgs).
    const port = await freePort();
    const r = spawnSync(python.path, [
      ...localTorchrunArgs({ nproc: 2, port, id: `stbp-ddp-test-${process.pid}`, logDir: join(folder, 'out', 'logs') }), 'train.py',
    ], { cwd: folder, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`torchrun exited with ${r.status ?? r.signal}:\n${r.stderr}`);
    imported = await importJob(store, folder);
    header = JSON.parse(readFileSync(join(folder, 'out', 'metrics.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  }, 300_000);

  it('trains data-parallel: 2 processes of 25 samples make each global batch of 50, every sample once per epoch', () => {
    expect(header).toMatchObject({ worldSize: 2, distributed: 'gloo', globalBatch: 50, localBatch: 25, batches: TRAIN / 50, trainSamples: TRAIN });
    expect(imported.run.backendUsed).toMatch(/^pytorch \S+ DDP ×2 \(gloo, cpu/);
    expect(imported.run.notes).toMatch(/PyTorch DistributedDataParallel, world size 2 \(gloo\), global batch 50/);
    const batches = listMetrics(store, imported.runId, 'batch');
    expect(batches).toHaveLength(2 * (TRAIN / 50));
    expect(batches.every((b) => b.values.samples === 50 && b.values.batches === TRAIN / 50)).toBe(true);
    const epochs = listMetrics(store, imported.runId, 'epoch');
    expect(epochs.map((e) => [e.epoch, e.step, e.values.samples])).toEqual([[1, 120, TRAIN], [2, 240, TRAIN]]);
  });

  it('reaches the accuracy of the same settings trained here by the engine, within 3 points', async () => {
    const kernels = await createNodeKernels('wasm', { threads: 1 });
    try {
      const data = { train: loadImageDataset(store, 'mnist', 'train'), test: loadImageDataset(store, 'mnist', 'test') };
      const local = await train(MLP, SETTINGS, data, kernels);
      const ddp = listMetrics(store, imported.runId, 'epoch').map((e) => e.values.testAccuracy as number);
      const here = local.epochs.map((e) => e.testAccuracy);
      console.log(`test accuracy per epoch: PyTorch DDP ×2 ${ddp.map((a) => (100 * a).toFixed(1)).join(', ')}%, engine (wasm) ${here.map((a) => (100 * a).toFixed(1)).join(', ')}%`);
      expect(ddp[1]!).toBeGreaterThan(0.8);
      expect(Math.abs(ddp[1]! - here[1]!)).toBeLessThanOrEqual(0.03);
    } finally {
      kernels.dispose();
    }
  });
});
