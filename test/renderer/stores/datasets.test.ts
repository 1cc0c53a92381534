import { beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../../renderer/src/host/types';
import { SAMPLE_PAGE_SIZE, useDatasetsStore } from '../../../renderer/src/stores/datasets';
import { createTestHost, dataset, settle, storesWith, type TestHost } from '../helpers/test-host';

describe('datasets store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    host.datasets = [dataset(1), dataset(2, 'fashion')];
    storesWith(host);
  });

  it('loads the list and reports an error from the host', async () => {
    const store = useDatasetsStore();
    await store.load();
    expect(store.list.map((d) => d.name)).toEqual(['mnist', 'fashion']);
    expect(store.loaded).toBe(true);
    host.failNext('listDatasets', new HostError('unavailable', 'store is locked'));
    await store.load();
    expect(store.error).toBe('store is locked');
    expect(store.list).toHaveLength(2); // the old list stays on screen
  });

  it('ensureMnist and import add to the list; an import error propagates as HostError', async () => {
    host.datasets = [];
    const store = useDatasetsStore();
    const mnist = await store.ensureMnist();
    expect(mnist.name).toBe('mnist');
    await store.importDataset({ format: 'idx', name: 'mine', source: { kind: 'upload', uploadId: 'x' } });
    expect(store.list.map((d) => d.name)).toEqual(['mnist', 'mine']);
    await expect(store.importDataset({ format: 'idx', name: 'mine' })).rejects.toMatchObject({ code: 'dataset-exists' });
    expect(store.busy).toBeNull();
  });

  it('deleting the selected dataset clears the selection', async () => {
    const store = useDatasetsStore();
    await store.load();
    store.select(2);
    await settle();
    expect(store.page?.samples).toHaveLength(SAMPLE_PAGE_SIZE);
    await store.remove(2);
    expect(store.selectedId).toBeNull();
    expect(store.page).toBeNull();
    expect(store.list.map((d) => d.id)).toEqual([1]);
  });

  it('pages through samples and switches split', async () => {
    const store = useDatasetsStore();
    await store.load();
    store.select(1);
    await settle();
    expect(store.page?.offset).toBe(0);
    store.goToOffset(SAMPLE_PAGE_SIZE);
    await settle();
    expect(store.page?.offset).toBe(SAMPLE_PAGE_SIZE);
    store.goToOffset(10_000_000); // clamps to the last page
    await settle();
    expect(store.page!.offset).toBeLessThan(60000);
    expect(store.page!.offset % SAMPLE_PAGE_SIZE).toBe(0);
    store.setSplit('test');
    await settle();
    expect(store.page?.split).toBe('test');
    expect(store.page?.offset).toBe(0);
    const last = host.calls.filter((c) => c.method === 'getSamples').at(-1)!;
    expect(last.args[0]).toMatchObject({ datasetId: 1, split: 'test', offset: 0, count: SAMPLE_PAGE_SIZE });
  });

  it('loads a spike encoding with the chosen steps and seed', async () => {
    const store = useDatasetsStore();
    await store.load();
    store.select(1);
    store.encodingSteps = 12;
    store.encodingSeed = 7;
    await store.loadEncoding(5);
    expect(store.encoding?.steps).toBe(12);
    const call = host.calls.find((c) => c.method === 'getEncoding')!;
    expect(call.args[0]).toEqual({ datasetId: 1, split: 'train', index: 5, steps: 12, seed: 7 });
  });

  it('drops a stale raster when an encoding fails or its settings are refused, and names no internal call', async () => {
    const store = useDatasetsStore();
    await store.load();
    store.select(1);
    await store.loadEncoding(5);
    expect(store.encoding).not.toBeNull();
    host.failNext('getEncoding', new HostError('bad-request', 'getEncoding: request.steps is 0; allowed: an integer from 1 to 1000'));
    await store.loadEncoding(5);
    expect(store.encoding).toBeNull();
    expect(store.encodingError).toBe('steps is 0; allowed: an integer from 1 to 1000');
    await store.loadEncoding(5);
    expect(store.encoding).not.toBeNull();
    store.dropEncoding();
    expect([store.encoding, store.encodingError]).toEqual([null, null]);
  });

  it('reloads on datasets-changed and after a reconnection', async () => {
    const store = useDatasetsStore();
    await store.load();
    host.datasets.push(dataset(3, 'nmnist', { kind: 'events' }));
    host.emit({ type: 'datasets-changed' });
    await settle();
    expect(store.list.map((d) => d.name)).toContain('nmnist');
    host.datasets = [];
    host.setStatus({ connection: 'open', resumedAt: 12345 });
    await settle();
    expect(store.list).toEqual([]);
  });
});
