import { beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../../renderer/src/host/types';
import { useRunsStore } from '../../../renderer/src/stores/runs';
import { MLP_SPEC, batchPoint, createTestHost, run, settle, storesWith, type TestHost } from '../helpers/test-host';

describe('runs store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    host.runs = [run(1), run(3, { status: 'paused' }), run(2)];
    storesWith(host);
  });

  it('lists runs newest first', async () => {
    const store = useRunsStore();
    await store.load();
    expect(store.list.map((r) => r.id)).toEqual([3, 2, 1]);
    expect(store.get(3)?.status).toBe('paused');
  });

  it('start, pause, resume, stop, rename and delete update the list from the answers', async () => {
    const store = useRunsStore();
    await store.load();
    const started = await store.start({ datasetId: 1, spec: MLP_SPEC, settings: run(0).settings, seed: 5, backend: 'wasm' });
    expect(store.list[0]!.id).toBe(started.id);
    expect(host.calls.find((c) => c.method === 'startRun')!.args[0]).toMatchObject({ seed: 5, backend: 'wasm' });
    await store.pause(started.id);
    expect(store.get(started.id)?.status).toBe('paused');
    await store.resume(started.id);
    expect(store.get(started.id)?.status).toBe('running');
    await store.stop(started.id);
    expect(store.get(started.id)?.status).toBe('stopped');
    await store.rename(1, 'baseline');
    expect(store.get(1)?.name).toBe('baseline');
    await store.remove(1);
    expect(store.get(1)).toBeUndefined();
    host.failNext('deleteRun', new HostError('busy', 'run 2 is being written'));
    await expect(store.remove(2)).rejects.toMatchObject({ code: 'busy' });
    expect(store.get(2)).toBeDefined();
  });

  it('follows run-changed and run-deleted events', async () => {
    const store = useRunsStore();
    await store.load();
    host.emit({ type: 'run-changed', run: run(9, { status: 'running' }) });
    host.emit({ type: 'run-changed', run: run(3, { status: 'failed', error: 'diverged' }) });
    host.emit({ type: 'run-deleted', runId: 2 });
    expect(store.list.map((r) => [r.id, r.status])).toEqual([[9, 'running'], [3, 'failed'], [1, 'completed']]);
  });

  it('coalesces live progress: many batch events, one list update with the latest', async () => {
    const store = useRunsStore();
    await store.load();
    const before = store.list;
    for (let b = 1; b <= 50; b++) {
      host.emit({ type: 'run-batch', runId: 3, point: batchPoint(b), progress: { epoch: 1, batch: b, batches: 600, epochs: 2, samplesPerSecond: 900 } });
    }
    expect(store.list).toBe(before); // nothing yet: the update waits for the throttle
    store.flushProgress();
    expect(store.get(3)?.progress).toEqual({ epoch: 1, batch: 50, batches: 600, epochs: 2, samplesPerSecond: 900 });
    expect(store.list).not.toBe(before);
  });

  it('evaluates a stopped run\'s last weights and shows the run with them', async () => {
    host.runs = [run(8, { status: 'stopped', stop: { epoch: 1, batch: 5, batches: 10, testAccuracy: null, evaluatedAtStop: false } })];
    const store = useRunsStore();
    await store.load();
    await store.evaluate(8);
    expect(host.calls.at(-1)).toEqual({ method: 'evaluateRun', args: [8] });
    expect(store.get(8)?.stop).toEqual({ epoch: 1, batch: 5, batches: 10, testAccuracy: 0.5, evaluatedAtStop: true });
  });

  it('reloads after a reconnection', async () => {
    const store = useRunsStore();
    await store.load();
    host.runs = [run(7)];
    host.setStatus({ resumedAt: 99 });
    await settle();
    expect(store.list.map((r) => r.id)).toEqual([7]);
  });
});
