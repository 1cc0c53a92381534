import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { followJob, MetricsTail, startJob } from '../../../main/services/jobs-live';
import type { JobLine } from '../../../main/services/jobs-metrics';
import { listCheckpoints } from '../../../main/store/checkpoints';
import type { Store } from '../../../main/store/db';
import { getRun, listRuns } from '../../../main/store/runs';
import { listMetrics } from '../../../main/store/metrics';
import { expectEngineError } from '../../helpers/errors';
import { exportDesign, python } from './jobs-fixtures';
import { storeMnistSlice } from './jobs-fixtures';
import { useFileTemps } from './temp';

const { tempDir, tempStore } = useFileTemps();

describe('MetricsTail', () => {
  it('gives each complete line once, holds back a line being written, and starts over when the file is rewritten', async () => {
    const path = join(tempDir('stbp-tail-'), 'metrics.jsonl');
    const tail = new MetricsTail(path);
    expect(await tail.read()).toEqual([]); // no file yet
    const end = (epoch: number) => `{"type": "end", "status": "stopped", "epoch": ${epoch}, "batch": 1}`;
    writeFileSync(path, `${end(1)}\n${end(2).slice(0, 20)}`);
    expect((await tail.read()).map((l) => (l as { epoch: number }).epoch)).toEqual([1]);
    appendFileSync(path, `${end(2).slice(20)}\n`);
    expect((await tail.read()).map((l) => (l as { epoch: number }).epoch)).toEqual([2]);
    expect(await tail.read()).toEqual([]);
    writeFileSync(path, `${end(3)}\n`);
    expect((await tail.read()).map((l) => (l as { epoch: number }).epoch)).toEqual([3]);
    appendFileSync(path, '{"type": "batch"}\n');
    await expectEngineError(tail.read(), 'bad-job', `${path} line 2: batch line's step is undefined`);
  });
});

describe.skipIf(python.skip)('jobs followed live', () => {
  let store: Store;
  let datasetId: number;

  beforeAll(async () => {
    if (!python.ok) throw new Error(python.reason);
    store = tempStore();
    datasetId = await storeMnistSlice(store, 200, 50);
  });

  it('starts a job under torchrun with 2 processes as a run whose metrics fill while it trains', async () => {
    const folder = join(tempDir('stbp-live-'), 'job');
    await exportDesign(store, datasetId, folder, { epochs: 2 });
    const seenRunning: number[] = [];
    const handle = await startJob(store, folder, {
      nproc: 2, pollMs: 50, python: python.path,
      onLine: (l: JobLine) => {
        if (l.type === 'epoch' && getRun(store, handle.runId)?.status === 'running') seenRunning.push(listMetrics(store, handle.runId, 'batch').length);
      },
    });
    expect(getRun(store, handle.runId)).toMatchObject({ status: 'running', backendRequested: 'pytorch' });
    const run = await handle.finished;
    expect(run).toMatchObject({ status: 'completed', error: null });
    expect(run.backendUsed).toMatch(/DDP ×2 \(gloo, cpu/);
    expect(seenRunning).toEqual([4, 8]); // each epoch's batches were in the store while the job still ran
    expect(listMetrics(store, run.id, 'epoch').map((e) => e.values.samples)).toEqual([200, 200]);
    expect(listCheckpoints(store, run.id)[0]).toMatchObject({ epoch: 3, batch: 0, reason: 'epoch' });
  });

  it('stops a job (SIGTERM to its process group) with a checkpoint, and resumes it to its end', async () => {
    const folder = join(tempDir('stbp-live-'), 'job');
    await exportDesign(store, datasetId, folder, { epochs: 50, batchSize: 20 });
    let stopped = false;
    const handle = await startJob(store, folder, {
      pollMs: 50, python: python.path,
      onLine: (l) => {
        if (l.type === 'batch' && !stopped) {
          stopped = true;
          handle.stop();
        }
      },
    });
    const run = await handle.finished;
    expect(run.status).toBe('stopped');
    const [checkpoint] = listCheckpoints(store, run.id);
    expect(checkpoint).toMatchObject({ reason: 'stop' });
    const epoch = checkpoint!.epoch; // the epoch the stop came in (the job is fast: not always the first)
    const resumed = await startJob(store, folder, { resume: true, overrides: { epochs: epoch }, pollMs: 50, python: python.path });
    const done = await resumed.finished;
    expect(done.status).toBe('completed');
    // The file's every batch, before and after the stop, once each; every epoch to the end.
    const batches = listMetrics(store, done.id, 'batch');
    expect(batches.map((b) => [b.epoch, b.batch])).toEqual(Array.from({ length: 10 * epoch }, (_, i) => [Math.floor(i / 10) + 1, (i % 10) + 1]));
    expect(listMetrics(store, done.id, 'epoch').map((e) => e.epoch)).toEqual(Array.from({ length: epoch }, (_, i) => i + 1));
    await expectEngineError(startJob(store, join(tempDir('stbp-live-'), 'nothing'), { resume: true }), 'bad-job', 'job.json: no such file');
  });

  it('fails the run with the job\'s own error, or with torchrun\'s when the job never ran', async () => {
    const folder = join(tempDir('stbp-live-'), 'job');
    await exportDesign(store, datasetId, folder);
    const bad = await startJob(store, folder, { pollMs: 50, python: python.path, overrides: { augment: [{ name: 'bogus' } as never] } });
    expect(await bad.finished).toMatchObject({ status: 'failed', error: "the PyTorch job failed: KeyError: 'bogus'" });
    const missing = await startJob(store, folder, { pollMs: 50, python: '/nonexistent/python3' });
    const run = await missing.finished;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/torchrun could not run \(spawn \/nonexistent\/python3 ENOENT\)/);
  });

  it('follows a job folder another process writes, from its header to its end', async () => {
    const folder = join(tempDir('stbp-live-'), 'job');
    await exportDesign(store, datasetId, folder, { epochs: 1 });
    const runs: number[] = [];
    const handle = await followJob(store, folder, { pollMs: 50, onRun: (id) => runs.push(id) });
    const job = spawn(python.path!, ['train.py', '--threads', '1'], { cwd: folder, stdio: 'ignore' });
    const run = await handle.finished;
    await new Promise((r) => job.once('close', r));
    expect(runs).toEqual([run.id]);
    expect(run).toMatchObject({ status: 'completed', backendRequested: 'pytorch' });
    expect(run.notes).toMatch(/followed live/);
    expect(listMetrics(store, run.id, 'batch')).toHaveLength(4);
    expect(listCheckpoints(store, run.id).length).toBeGreaterThan(0);
  });

  it('stops following before the job has started, recording no run', async () => {
    const folder = join(tempDir('stbp-live-'), 'job');
    await exportDesign(store, datasetId, folder);
    const before = listRuns(store).length;
    const handle = await followJob(store, folder, { pollMs: 20 });
    handle.stop();
    await expectEngineError(handle.finished, 'stopped', 'before the job wrote its metrics header; no run was recorded');
    expect(listRuns(store)).toHaveLength(before);
  });
});
