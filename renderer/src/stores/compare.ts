import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { RunMetrics, RunSummary } from '../../../main/contract';
import { errorMessage, useHost } from '../host';
import { differingSettings } from '../run/settings';
import { createThrottle } from '../util/throttle';
import { appendBatch, appendEpoch } from './monitor';
import { useRunsStore } from './runs';

/** Runs picked for comparison and their metrics (kept out of deep reactivity). */
export const useCompareStore = defineStore('compare', () => {
  const host = useHost();
  const runs = useRunsStore();

  const selectedIds = ref<number[]>([]);
  const metrics = shallowRef(new Map<number, RunMetrics>());
  const loadingIds = ref<number[]>([]);
  const errors = ref<Record<number, string>>({});
  const revision = ref(0);

  const selectedRuns = computed(() => selectedIds.value.map((id) => runs.get(id)).filter((r): r is RunSummary => r !== undefined));
  const differing = computed(() => differingSettings(selectedRuns.value));

  function setSelection(ids: number[]): void {
    selectedIds.value = [...new Set(ids)];
    void loadMissing();
  }

  function toggle(runId: number, on = !selectedIds.value.includes(runId)): void {
    setSelection(on ? [...selectedIds.value, runId] : selectedIds.value.filter((id) => id !== runId));
  }

  async function loadMissing(): Promise<void> {
    const missing = selectedIds.value.filter((id) => !metrics.value.has(id) && !loadingIds.value.includes(id));
    await Promise.all(missing.map(fetchMetrics));
  }

  async function fetchMetrics(runId: number): Promise<void> {
    loadingIds.value = [...loadingIds.value, runId];
    try {
      const answer = await host.getRunMetrics(runId);
      metrics.value.set(runId, { runId, batches: answer.batches.slice(), epochs: answer.epochs.slice() });
      const { [runId]: _gone, ...rest } = errors.value;
      errors.value = rest;
      bump();
    } catch (cause) {
      errors.value = { ...errors.value, [runId]: errorMessage(cause) };
    } finally {
      loadingIds.value = loadingIds.value.filter((id) => id !== runId);
    }
  }

  function bump(): void {
    triggerRef(metrics);
    revision.value += 1;
  }
  const throttle = createThrottle(bump, 500);

  host.onEvent((event) => {
    if (!('runId' in event)) return;
    const series = metrics.value.get(event.runId);
    if (event.type === 'run-deleted') {
      metrics.value.delete(event.runId);
      selectedIds.value = selectedIds.value.filter((id) => id !== event.runId);
      bump();
    } else if (series && event.type === 'run-batch') {
      appendBatch(series.batches, event.point);
      throttle.schedule();
    } else if (series && event.type === 'run-epoch') {
      appendEpoch(series.epochs, event.point);
      throttle.schedule();
    }
  });

  return { selectedIds, selectedRuns, metrics, loadingIds, errors, revision, differing, setSelection, toggle, loadMissing, flush: () => throttle.flush() };
});
