import { beforeEach, describe, expect, it } from 'vitest';
import { isReactive, isRef } from 'vue';
import { HostError } from '../../../renderer/src/host/types';
import { appendBatch, useMonitorStore } from '../../../renderer/src/stores/monitor';
import { useRunsStore } from '../../../renderer/src/stores/runs';
import { batchPoint, createTestHost, epochPoint, run, settle, storesWith, type TestHost } from '../helpers/test-host';

describe('monitor store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    host.runs = [run(5, { status: 'running' }), run(6)];
    host.metrics.set(5, { runId: 5, batches: [batchPoint(1), batchPoint(2)], epochs: [] });
    host.probes.set(5, { runId: 5, epochs: [0, 1], epoch: 1, rasters: [], rastersBefore: [], membranes: [], confusion: { epoch: 1, classes: 2, counts: [3, 1, 0, 4] } });
    storesWith(host);
  });

  it('opens a run: its summary, metrics and latest probes', async () => {
    const monitor = useMonitorStore();
    await monitor.open(5);
    expect(monitor.run?.id).toBe(5);
    expect(useRunsStore().get(5)?.status).toBe('running');
    expect(monitor.metrics?.batches.map((b) => b.step)).toEqual([1, 2]);
    expect(monitor.probes?.confusion?.counts).toEqual([3, 1, 0, 4]);
    expect(host.calls.find((c) => c.method === 'getRunProbes')!.args).toEqual([5, undefined]);
  });

  it('keeps series out of deep reactivity', async () => {
    const monitor = useMonitorStore();
    await monitor.open(5);
    expect(isReactive(monitor.metrics)).toBe(false);
    expect(isReactive(monitor.metrics!.batches)).toBe(false);
    expect(isRef(monitor.revision)).toBe(false); // unwrapped by the store; it is the chart trigger
  });

  it('appends live batch points without re-fetching, and bumps the revision at most once per flush', async () => {
    const monitor = useMonitorStore();
    await monitor.open(5);
    const fetches = host.calls.filter((c) => c.method === 'getRunMetrics').length;
    const revision = monitor.revision;
    for (let s = 3; s <= 40; s++) host.emit({ type: 'run-batch', runId: 5, point: batchPoint(s), progress: { epoch: 1, batch: s, batches: 60, epochs: 1, samplesPerSecond: 1 } });
    host.emit({ type: 'run-batch', runId: 6, point: batchPoint(99), progress: { epoch: 1, batch: 1, batches: 1, epochs: 1, samplesPerSecond: 1 } });
    expect(monitor.revision).toBe(revision);
    monitor.flush();
    expect(monitor.revision).toBe(revision + 1);
    expect(monitor.metrics!.batches.map((b) => b.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(host.calls.filter((c) => c.method === 'getRunMetrics').length).toBe(fetches);
    host.emit({ type: 'run-epoch', runId: 5, point: epochPoint(1) });
    monitor.flush();
    expect(monitor.metrics!.epochs.map((e) => e.epoch)).toEqual([1]);
  });

  it('keeps points that arrive while the first fetch is under way', async () => {
    const monitor = useMonitorStore();
    const opening = monitor.open(5);
    host.emit({ type: 'run-batch', runId: 5, point: batchPoint(2), progress: { epoch: 1, batch: 2, batches: 9, epochs: 1, samplesPerSecond: 1 } });
    host.emit({ type: 'run-batch', runId: 5, point: batchPoint(3), progress: { epoch: 1, batch: 3, batches: 9, epochs: 1, samplesPerSecond: 1 } });
    await opening;
    expect(monitor.metrics!.batches.map((b) => b.step)).toEqual([1, 2, 3]);
  });

  it('a replayed step after a resume replaces the tail', () => {
    const series = [1, 2, 3, 4].map((s) => batchPoint(s));
    appendBatch(series, batchPoint(3, { loss: 9 }));
    expect(series.map((b) => [b.step, b.loss])).toEqual([[1, 1], [2, 0.5], [3, 9]]);
  });

  it('reloads probes when new ones are stored, unless an older epoch is picked', async () => {
    const monitor = useMonitorStore();
    await monitor.open(5);
    const probeCalls = () => host.calls.filter((c) => c.method === 'getRunProbes').length;
    const before = probeCalls();
    host.emit({ type: 'run-probes', runId: 5, epoch: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(probeCalls()).toBe(before + 1);
    // Two more right away: one reload, a second later (throttled).
    host.emit({ type: 'run-probes', runId: 5, epoch: 2 });
    host.emit({ type: 'run-probes', runId: 5, epoch: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(probeCalls()).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(probeCalls()).toBe(before + 2);
    monitor.showProbeEpoch(0);
    await settle();
    expect(host.calls.at(-1)).toEqual({ method: 'getRunProbes', args: [5, 0] });
    host.emit({ type: 'run-probes', runId: 5, epoch: 3 });
    expect(monitor.probes!.epochs).toContain(3);
  });

  it('shows the live probe of a moment within an epoch until that epoch\'s own probes are stored', async () => {
    const monitor = useMonitorStore();
    await monitor.open(5);
    expect(monitor.shown).toMatchObject({ title: 'after epoch 1', live: false });
    const raster = { epoch: 2, layer: 1, steps: 4, units: 3, layerUnits: 3, unitStep: 1, label: 7, spikes: [0, 1] };
    host.emit({ type: 'run-live-probes', runId: 6, probes: { epoch: 9, batch: 1, rasters: [], membranes: [] } }); // another run's
    expect(monitor.shown!.live).toBe(false);
    host.emit({ type: 'run-live-probes', runId: 5, probes: { epoch: 2, batch: 166, rasters: [raster], membranes: [] } });
    expect(monitor.shown).toEqual({ rasters: [raster], membranes: [], title: 'epoch 2, batch 166 (live)', live: true });
    monitor.showProbeEpoch(0); // a picked epoch shows what is stored
    expect(monitor.shown!.live).toBe(false);
    monitor.showProbeEpoch(null);
    await settle();
    expect(monitor.shown!.live).toBe(true);
    host.emit({ type: 'run-probes', runId: 5, epoch: 2 });
    expect(monitor.live).toBeNull();
    expect(monitor.shown!.live).toBe(false);
  });

  it('shows an error when the run cannot be loaded, and closes cleanly', async () => {
    host.failNext('getRunMetrics', new HostError('not-found', 'run 5 has no metrics'));
    const monitor = useMonitorStore();
    await monitor.open(5);
    expect(monitor.error).toBe('run 5 has no metrics');
    monitor.close();
    expect(monitor.runId).toBeNull();
    expect(monitor.metrics).toBeNull();
  });
});
