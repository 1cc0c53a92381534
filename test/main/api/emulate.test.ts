import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATION } from '../../../engine/data/emulate-events';
import { parseNmnist } from '../../../engine/data/nmnist';
import { dispatch } from '../../../main/api/validate';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { WorkbenchApi, WorkbenchEvent } from '../../../main/contract';
import { loadEventDataset } from '../../../main/services/datasets';
import { listDatasets } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { useFileTemps } from '../services/temp';
import { recordEvents } from './events';

const { tempStore } = useFileTemps();

let store: Store;
let workbench: Workbench;
let api: WorkbenchApi;
let mnistId: number;

beforeAll(async () => {
  store = tempStore();
  workbench = createWorkbench({ store, mode: 'web' });
  api = workbench.api;
  mnistId = (await api.ensureMnist()).id;
});
afterAll(() => workbench.dispose());

const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);
type Progress = Extract<WorkbenchEvent, { type: 'emulation-progress' }>;
const isProgress = (e: WorkbenchEvent): e is Progress => e.type === 'emulation-progress';

describe('emulateEvents', () => {
  it('records an image dataset into a new event dataset, pushing its progress, then datasets-changed', async () => {
    const log = recordEvents(workbench);
    const summary = await api.emulateEvents({ datasetId: mnistId, name: 'emnist', limit: 12, params: { seed: 2 } });
    log.stop();
    expect(summary).toMatchObject({ name: 'emnist', kind: 'events', inputShape: [2, 34, 34], classes: 10, trainCount: 12, testCount: 12 });
    expect(summary.source).toMatch(/^emulated from dataset "mnist"/);
    const progress = log.events.filter(isProgress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ name: 'emnist', split: 'test', done: 24, total: 24 });
    expect(log.events.at(-1)).toEqual({ type: 'datasets-changed' });
    expect(JSON.parse(JSON.stringify(progress))).toEqual(progress); // plain JSON
  });

  it('gives one stored recording as N-MNIST bytes, with the emulator parameters', async () => {
    const [emnist] = (await api.listDatasets()).filter((d) => d.name === 'emnist');
    const recording = await api.getEvents({ datasetId: emnist!.id, split: 'test', index: 5 });
    const stored = loadEventDataset(store, 'emnist', 'test');
    const bytes = new Uint8Array(Buffer.from(recording.bytes, 'base64'));
    expect(bytes).toEqual(stored.samples[5]);
    expect(recording).toMatchObject({ index: 5, label: stored.labels[5], className: String(stored.labels[5]), width: 34, height: 34, count: bytes.length / 5 });
    expect(parseNmnist(bytes, 'recording').count).toBeGreaterThan(1000);
    expect(recording.emulated).toEqual({ ...DEFAULT_EMULATION, seed: 2 });
    expect(await call('getEvents', { datasetId: mnistId, split: 'test', index: 0 })).toEqual({
      ok: false, error: { code: 'dataset-kind', message: 'getEvents: dataset "mnist" holds images; allowed: a dataset of events' },
    });
  });

  it('is cancelled on request, storing nothing; a second emulation into the same name is refused meanwhile', async () => {
    const log = recordEvents(workbench);
    const running = call('emulateEvents', { datasetId: mnistId, name: 'slow', limit: 2000 });
    await log.until(isProgress);
    expect(await call('emulateEvents', { datasetId: mnistId, name: 'slow', limit: 5 })).toEqual({
      ok: false, error: { code: 'bad-state', message: 'emulateEvents: an emulation into "slow" is already running; allowed: another name, or cancel that one first' },
    });
    expect(await call('cancelEmulation', 'slow')).toEqual({ ok: true, value: undefined });
    const outcome = await running;
    log.stop();
    expect(outcome).toMatchObject({ ok: false, error: { code: 'cancelled', message: expect.stringMatching(/^emulateEvents "slow": cancelled after \d+ of 4000 images; nothing was stored$/) } });
    expect(listDatasets(store).map((d) => d.name)).not.toContain('slow');
    expect(log.events.some((e) => e.type === 'datasets-changed')).toBe(false);
    expect(await call('cancelEmulation', 'slow')).toEqual({
      ok: false, error: { code: 'not-found', message: 'cancelEmulation: no emulation into "slow" is running (running: none)' },
    });
  });

  it('refuses an event dataset as the source and a taken name, naming them', async () => {
    const [emnist] = (await api.listDatasets()).filter((d) => d.name === 'emnist');
    expect(await call('emulateEvents', { datasetId: emnist!.id, name: 'again' })).toEqual({
      ok: false, error: { code: 'dataset-kind', message: 'emulateEvents "again": dataset "emnist" holds events already; allowed: a dataset of images' },
    });
    expect(await call('emulateEvents', { datasetId: mnistId, name: 'emnist' })).toMatchObject({ ok: false, error: { code: 'dataset-exists' } });
  });
});
