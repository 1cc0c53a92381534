import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, triggerRef } from 'vue';
import type { BatchPoint, EpochPoint, LiveProbes, MembraneProbe, RasterProbe, RunMetrics, RunProbes } from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { createThrottle } from '../util/throttle';
import { useRunsStore } from './runs';
import { latestOnly, onReconnect } from './shared';

/** What the probe panels show: an epoch's stored probes, or the live probe of a moment within one. */
export interface ShownProbes {
  rasters: RasterProbe[];
  membranes: MembraneProbe[];
  /** The "after" panels' title: "after epoch 3", or "epoch 4, batch 166 (live)". */
  title: string;
  live: boolean;
}

/**
 * One run's metrics and probes. Series are plain arrays behind shallowRefs (never deep-reactive):
 * live batch points are appended in place and `revision` is bumped at most a few times a second,
 * which is what the charts watch. While the run trains, the probe sample is sent every few seconds
 * within an epoch (`run-live-probes`, not stored); following the latest epoch, those are shown
 * until the epoch's own probes are stored.
 */
export const useMonitorStore = defineStore('monitor', () => {
  const host = useHost();
  const runs = useRunsStore();

  const runId = ref<number | null>(null);
  const run = computed(() => (runId.value === null ? null : (runs.get(runId.value) ?? null)));
  const metrics = shallowRef<RunMetrics | null>(null);
  const probes = shallowRef<RunProbes | null>(null);
  /** The epoch whose probes are shown; null follows the latest. */
  const probeEpoch = ref<number | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const probesLoading = ref(false);
  const probesError = ref<string | null>(null);
  /** Bumped whenever new points have been appended. */
  const revision = ref(0);
  /** The latest live probe of this run, newer than its stored probes. */
  const live = shallowRef<LiveProbes | null>(null);

  const shown = computed<ShownProbes | null>(() => {
    const stored = probes.value;
    const now = live.value;
    if (probeEpoch.value === null && now && (!stored || now.epoch > stored.epoch)) {
      return { rasters: now.rasters, membranes: now.membranes, title: `epoch ${now.epoch}, batch ${now.batch} (live)`, live: true };
    }
    if (!stored) return null;
    return { rasters: stored.rasters, membranes: stored.membranes, title: stored.epoch === 0 ? 'before training' : `after epoch ${stored.epoch}`, live: false };
  });

  /** Events that arrive while the first fetch is under way, replayed onto its answer. */
  let early: { batches: BatchPoint[]; epochs: EpochPoint[] } = { batches: [], epochs: [] };
  const openRequest = latestOnly();
  const probeRequest = latestOnly();

  const flushThrottle = createThrottle(() => {
    triggerRef(metrics);
    revision.value += 1;
  }, 250);
  const probesThrottle = createThrottle(() => void loadProbes(), 1000);

  async function open(id: number): Promise<void> {
    if (runId.value === id && metrics.value && !error.value) return;
    close();
    runId.value = id;
    const current = openRequest();
    loading.value = true;
    try {
      const [summary, fetched] = await Promise.all([host.getRun(id), host.getRunMetrics(id)]);
      if (!current()) return;
      runs.upsert(summary);
      const series: RunMetrics = markRaw({ runId: id, batches: fetched.batches.slice(), epochs: fetched.epochs.slice() });
      for (const point of early.batches) appendBatch(series.batches, point);
      for (const point of early.epochs) appendEpoch(series.epochs, point);
      early = { batches: [], epochs: [] };
      metrics.value = series;
      revision.value += 1;
      error.value = null;
    } catch (cause) {
      if (current()) error.value = errorMessage(cause);
    } finally {
      if (current()) loading.value = false;
    }
    if (current()) await loadProbes();
  }

  function close(): void {
    openRequest();
    probeRequest();
    flushThrottle.cancel();
    probesThrottle.cancel();
    runId.value = null;
    metrics.value = null;
    probes.value = null;
    probeEpoch.value = null;
    live.value = null;
    error.value = null;
    probesError.value = null;
    early = { batches: [], epochs: [] };
  }

  async function loadProbes(): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    const current = probeRequest();
    probesLoading.value = true;
    try {
      const answer = await host.getRunProbes(id, probeEpoch.value ?? undefined);
      if (!current()) return;
      probes.value = markRaw(answer);
      probesError.value = null;
    } catch (cause) {
      if (current()) probesError.value = errorMessage(cause);
    } finally {
      if (current()) probesLoading.value = false;
    }
  }

  function showProbeEpoch(epoch: number | null): void {
    probeEpoch.value = epoch;
    void loadProbes();
  }

  host.onEvent((event) => {
    if (runId.value === null || !('runId' in event) || event.runId !== runId.value) return;
    switch (event.type) {
      case 'run-batch':
        if (!metrics.value) early.batches.push(event.point);
        else {
          appendBatch(metrics.value.batches, event.point);
          flushThrottle.schedule();
        }
        break;
      case 'run-epoch':
        if (!metrics.value) early.epochs.push(event.point);
        else {
          appendEpoch(metrics.value.epochs, event.point);
          flushThrottle.schedule();
        }
        break;
      case 'run-live-probes':
        live.value = markRaw(event.probes);
        break;
      case 'run-probes':
        if (live.value && event.epoch >= live.value.epoch) live.value = null; // the epoch's own probes supersede it
        if (probeEpoch.value === null) probesThrottle.schedule();
        else if (probes.value && !probes.value.epochs.includes(event.epoch)) {
          // Keep the picked epoch, but offer the new one in the picker.
          probes.value = markRaw({ ...probes.value, epochs: [...probes.value.epochs, event.epoch].sort((a, b) => a - b) });
        }
        break;
      default:
        break;
    }
  });
  onReconnect(host, () => {
    const id = runId.value;
    if (id === null) return;
    close();
    void open(id);
  });

  return {
    runId, run, metrics, probes, probeEpoch, live, shown, loading, error, probesLoading, probesError, revision,
    open, close, loadProbes, showProbeEpoch, flush: () => flushThrottle.flush(),
  };
});

/**
 * Appends a live point. A resumed run replays the steps after its last checkpoint, so a point at or
 * before the last step replaces the tail from that step on.
 */
export function appendBatch(series: BatchPoint[], point: BatchPoint): void {
  const last = series[series.length - 1];
  if (last && point.step <= last.step) {
    let cut = series.length;
    while (cut > 0 && series[cut - 1]!.step >= point.step) cut--;
    series.length = cut;
  }
  series.push(point);
}

export function appendEpoch(series: EpochPoint[], point: EpochPoint): void {
  const at = series.findIndex((p) => p.epoch >= point.epoch);
  if (at === -1) series.push(point);
  else series.splice(at, series.length - at, point);
}
