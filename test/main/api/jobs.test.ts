import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { RunSettings, WorkbenchApi } from '../../../main/contract';
import type { Store } from '../../../main/store/db';
import { listMetrics } from '../../../main/store/metrics';
import { MLP, python, storeMnistSlice } from '../services/jobs-fixtures';
import { useFileTemps } from '../services/temp';
import { recordEvents, runReaches } from './events';

// PyTorch jobs through the API: a design exported as a job folder, run here under torchrun as a
// run whose monitor fills from the job's metrics (events), stopped with a checkpoint, and its
// results imported as a run. Needs Debian's python3 with torch (test/helpers/python.ts).
const { tempStore, tempDir } = useFileTemps();

const settings: RunSettings = { epochs: 2, steps: 4, batchSize: 50, optimizer: 'adam', lr: 0.002, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3 };

let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;
let datasetId: number;
const dir = tempDir('stbp-api-jobs-');

beforeAll(async () => {
  store = tempStore();
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  datasetId = await storeMnistSlice(store, 600, 100);
});
afterAll(() => workbench.dispose());

const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);

describe.skipIf(!python.ok)(`PyTorch jobs through the API${python.ok ? '' : ` (skipped: ${python.reason})`}`, () => {
  it('says whether a job can run here', async () => {
    expect(await api.pythonInfo()).toMatchObject({ found: true, python: expect.any(String), torch: expect.stringMatching(/^\d+\.\d+/), why: null });
  });

  it('exports a design as a job, runs it here with live events, and records it as a run', async () => {
    const folder = join(dir, 'design-job');
    const job = await api.exportPytorchJob({ source: { kind: 'design', name: 'quick', spec: MLP, settings, datasetId, seed: 2 }, folder });
    expect(job.folder).toBe(folder);
    expect(job.files).toEqual(expect.arrayContaining(['model.py', 'train.py', 'README.md']));
    const events = recordEvents(workbench);
    const run = await api.startPytorchJob({ folder });
    expect(run.status).toBe('running');
    expect(run.backendRequested).toBe('pytorch');
    await events.until(runReaches(run.id, 'completed'));
    const batches = events.events.filter((e) => e.type === 'run-batch' && e.runId === run.id);
    const epochs = events.events.filter((e) => e.type === 'run-epoch' && e.runId === run.id);
    events.stop();
    expect(batches).toHaveLength(2 * 12); // 600 images, batch 50, 2 epochs
    expect(epochs).toHaveLength(2);
    const done = await api.getRun(run.id);
    expect(done.final).toMatchObject({ epochs: 2 });
    expect(done.final!.testAccuracy).toBeGreaterThan(0.15); // above chance after 24 steps (the DDP test compares accuracy with the engine's)
    expect(done.backendUsed).toMatch(/PyTorch|torch/);

    const imported = await api.importJobResults({ folder });
    expect(imported.id).not.toBe(run.id);
    expect(imported.final).toEqual(done.final);
    expect(listMetrics(store, imported.id, 'batch')).toHaveLength(24);
  });

  it('stops a job it runs: the job checkpoints and the run ends stopped', async () => {
    const folder = join(dir, 'long-job');
    await api.exportPytorchJob({ source: { kind: 'design', name: 'long', spec: MLP, settings: { ...settings, epochs: 50 }, datasetId, seed: 3 }, folder });
    const events = recordEvents(workbench);
    const run = await api.startPytorchJob({ folder });
    await events.until((e) => e.type === 'run-batch' && e.runId === run.id);
    expect(await call('pauseRun', run.id)).toMatchObject({ ok: false, error: { code: 'bad-state' } });
    expect(await call('deleteRun', run.id)).toMatchObject({ ok: false, error: { code: 'bad-state' } });
    const stopped = await api.stopRun(run.id);
    events.stop();
    expect(stopped.status).toBe('stopped');
    expect(stopped.progress).toMatchObject({ batches: 12, epochs: 50 }); // where it stopped, from the store
  });

  it('refuses bad requests before anything starts', async () => {
    expect(await call('startPytorchJob', { folder: dir, nproc: 0 })).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'startPytorchJob: request.nproc is 0; allowed: an integer from 1 to 1024' } });
    expect(await call('startPytorchJob', { folder: dir, resume: 'yes' })).toMatchObject({ ok: false, error: { message: 'startPytorchJob: request.resume is "yes"; allowed: true or false' } });
    const missing = await call('importJobResults', { folder: join(dir, 'nothing-here') });
    expect(missing).toMatchObject({ ok: false });
    if (!missing.ok) expect(missing.error.message).toContain(join(dir, 'nothing-here'));
  });
});
