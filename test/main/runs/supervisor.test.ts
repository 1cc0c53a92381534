import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../engine/train/checkpoint';
import type { ModelSpec } from '../../../engine/spec/types';
import type { RunHyper } from '../../../main/runs/messages';
import { startRun } from '../../../main/runs/supervisor';
import { ensureMnist, loadSource } from '../../../main/services/datasets';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import { TrainingSession } from '../../../engine/train/session';
import { openStore, type Store } from '../../../main/store/db';
import { latestCheckpoint } from '../../../main/store/checkpoints';
import { createRun, requireRun } from '../../../main/store/runs';
import { listMetrics } from '../../../main/store/metrics';
import { listProbes } from '../../../main/store/probes';

// Real runs in real processes (the bundled worker, built by `npm test`), on a real MNIST slice.
const spec: ModelSpec = {
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 32 } },
    { className: 'output', config: { units: 10 } },
  ],
};
// 60 batches an epoch: a kill or pause sent at an early batch lands long before the epoch ends.
const hyper: RunHyper = { epochs: 2, steps: 4, batchSize: 10, limit: 600, testLimit: 100, threads: 1 };

let home: string;
let store: Store;
let datasetId: number;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'stbp-runs-'));
  store = openStore({ home });
  datasetId = (await ensureMnist(store)).id;
});
afterAll(() => {
  store.close();
  rmSync(home, { recursive: true, force: true });
});

const newRun = (h: RunHyper = hyper) => createRun(store, { datasetId, spec, hyper: h, seed: 5, backendRequested: 'wasm' });
const finalWeights = (runId: number) => decodeCheckpoint(latestCheckpoint(store, runId)!.state).params;

describe('runs in their own process', () => {
  let straight: number;

  it('train to completion, recording every batch, epoch, probe and checkpoint', async () => {
    straight = newRun();
    const run = await startRun(store, straight).finished;
    expect(run.status).toBe('completed');
    expect(run.backendUsed).toMatch(/^wasm-simd ×1 thread$/);
    // Sent in groups, recorded one row per batch, in order.
    expect(listMetrics(store, straight, 'batch').map((r) => r.step)).toEqual(Array.from({ length: 2 * 60 }, (_, i) => i + 1));
    const epochs = listMetrics(store, straight, 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[1]!.values.trainLoss).toBeLessThan(epochs[0]!.values.trainLoss as number); // it learns
    const kinds = new Set(listProbes(store, straight).map((p) => `${p.kind}@${p.epoch}`));
    for (const k of ['raster@0', 'membrane@0', 'raster@2', 'membrane@2', 'confusion@1', 'confusion@2']) expect(kinds).toContain(k);
    expect(latestCheckpoint(store, straight)).toMatchObject({ epoch: 3, batch: 0, reason: 'epoch' });
  });

  it('killed with SIGKILL mid-epoch, is interrupted, and resumes to the same final weights', async () => {
    const id = newRun();
    const handle = startRun(store, id, {
      batchMessageMs: 0, // every batch its own message: killed in the middle of epoch 2, not after its last group
      onMessage: (m) => {
        if (m.type === 'batches' && m.batches.some(({ report: r }) => r.epoch === 2 && r.batch === 3)) handle.kill('SIGKILL');
      },
    });
    const killed = await handle.finished;
    expect(killed.status).toBe('interrupted');
    expect(killed.error).toMatch(/killed \(SIGKILL\)/);
    expect(latestCheckpoint(store, id)).toMatchObject({ epoch: 2, batch: 0, reason: 'epoch' });

    const resumed = await startRun(store, id, { resume: true }).finished;
    expect(resumed.status).toBe('completed');
    expect(finalWeights(id)).toEqual(finalWeights(straight));
    expect(listMetrics(store, id, 'batch')).toHaveLength(2 * 60); // replayed batches overwrite, never duplicate
    expect(listMetrics(store, id, 'epoch').map((e) => e.values.testAccuracy)).toEqual(
      listMetrics(store, straight, 'epoch').map((e) => e.values.testAccuracy),
    );
  });

  it('pauses with a checkpoint and resumes to the same final weights; stop works the same way', async () => {
    for (const how of ['pause', 'stop'] as const) {
      const id = newRun();
      const handle = startRun(store, id, {
        // At the run's first group (its first batch, sent at once): the batches trained before the
        // request arrives are still waiting for their group when the run halts.
        onMessage: (m) => {
          if (m.type === 'batches') handle[how]();
        },
      });
      const halted = await handle.finished;
      expect(halted.status).toBe(how === 'pause' ? 'paused' : 'stopped');
      const at = latestCheckpoint(store, id)!;
      expect(at.reason).toBe(how);
      // Every batch before the checkpoint is recorded: the last group went before it.
      expect(listMetrics(store, id, 'batch')).toHaveLength((at.epoch - 1) * 60 + at.batch);
      const resumed = await startRun(store, id, { resume: true }).finished;
      expect(resumed.status).toBe('completed');
      expect(finalWeights(id)).toEqual(finalWeights(straight));
    }
  });

  it('with elastic distortion, prepares batches on a thread ahead of training and ends bit-identical to training in place, also across a pause', async () => {
    const elastic: RunHyper = { ...hyper, epochs: 2, augment: [{ name: 'elastic', alpha: 34, sigma: 4 }] };
    const straightAhead = newRun(elastic);
    expect((await startRun(store, straightAhead).finished).status).toBe('completed');
    const paused = newRun(elastic);
    const handle = startRun(store, paused, {
      onMessage: (m) => {
        if (m.type === 'batches') handle.pause(); // at the first group: the run's first batch
      },
    });
    expect((await handle.finished).status).toBe('paused');
    expect((await startRun(store, paused, { resume: true }).finished).status).toBe('completed');

    // The same run in this process, every batch prepared in place, no thread.
    const kernels = await createNodeKernels('wasm', { threads: 1 });
    try {
      const data = {
        train: loadSource(store, datasetId, 'train', { limit: elastic.limit }),
        test: loadSource(store, datasetId, 'test', { limit: elastic.testLimit }),
      };
      const session = new TrainingSession(spec, { ...elastic, seed: 5 }, data, kernels);
      while (!session.finished) {
        while (!session.epochComplete) session.runBatch();
        session.finishEpoch();
      }
      const inPlace = session.net.params().map((p) => p.value.slice());
      expect(finalWeights(straightAhead)).toEqual(inPlace);
      expect(finalWeights(paused)).toEqual(inPlace);
    } finally {
      kernels.dispose();
    }
  });

  it('fails with the engine\'s message when the run cannot train, and says why', async () => {
    const bad = createRun(store, {
      datasetId, seed: 1, backendRequested: 'wasm', hyper,
      spec: { layers: [{ className: 'input', config: { shape: [100] } }, { className: 'output', config: { units: 10 } }] },
    });
    const run = await startRun(store, bad).finished;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/dataset mnist-train has 784 inputs per sample; the network's input layer takes 100/);
    expect(requireRun(store, bad).endedAt).not.toBeNull();
  });

  it('reports a silent network as diverged, naming the layer', async () => {
    const id = newRun({ ...hyper, initGain: 0.05 });
    const run = await startRun(store, id).finished;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/layer 1 \(dense, 32 units\) did not fire once in 20 batches/);
    // The 19 batches before the failing one are recorded: their last group goes before the error.
    expect(listMetrics(store, id, 'batch').map((r) => r.batch)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });
});
