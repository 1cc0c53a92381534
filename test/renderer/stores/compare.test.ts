import { beforeEach, describe, expect, it } from 'vitest';
import { useCompareStore } from '../../../renderer/src/stores/compare';
import { useRunsStore } from '../../../renderer/src/stores/runs';
import { batchPoint, createTestHost, epochPoint, run, settle, storesWith, type TestHost } from '../helpers/test-host';

describe('compare store', () => {
  let host: TestHost;
  beforeEach(async () => {
    host = createTestHost();
    host.runs = [run(1), run(2, { settings: { ...run(2).settings, lr: 0.01 } }), run(3)];
    host.metrics.set(1, { runId: 1, batches: [batchPoint(1)], epochs: [epochPoint(1)] });
    host.metrics.set(2, { runId: 2, batches: [], epochs: [epochPoint(1), epochPoint(2)] });
    storesWith(host);
    await useRunsStore().load();
  });

  it('picks runs, fetches each one’s metrics once, and unpicks', async () => {
    const compare = useCompareStore();
    compare.toggle(1);
    compare.toggle(2);
    await settle();
    expect(compare.selectedRuns.map((r) => r.id)).toEqual([1, 2]);
    expect(compare.metrics.get(2)?.epochs).toHaveLength(2);
    compare.toggle(1, false);
    compare.toggle(1, true);
    await settle();
    expect(host.calls.filter((c) => c.method === 'getRunMetrics').map((c) => c.args[0])).toEqual([1, 2]);
  });

  it('highlights the settings that differ', async () => {
    const compare = useCompareStore();
    compare.setSelection([1, 2]);
    await settle();
    expect([...compare.differing]).toEqual(['lr']);
    compare.setSelection([1, 3]);
    expect(compare.differing.size).toBe(0);
  });

  it('appends live points of picked runs and drops deleted runs', async () => {
    const compare = useCompareStore();
    compare.setSelection([1, 2]);
    await settle();
    host.emit({ type: 'run-epoch', runId: 1, point: epochPoint(2) });
    host.emit({ type: 'run-batch', runId: 1, point: batchPoint(2), progress: { epoch: 2, batch: 1, batches: 1, epochs: 2, samplesPerSecond: 1 } });
    compare.flush();
    expect(compare.metrics.get(1)?.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(compare.metrics.get(1)?.batches.map((b) => b.step)).toEqual([1, 2]);
    host.emit({ type: 'run-deleted', runId: 2 });
    expect(compare.selectedIds).toEqual([1]);
  });
});
