import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RunProgress, RunSummary, StartRunRequest } from '../../../main/contract';
import { useHost } from '../host';
import { createThrottle } from '../util/throttle';
import { loadFlags, onReconnect } from './shared';

/** All runs, newest first, with live progress from events (coalesced: a few updates a second). */
export const useRunsStore = defineStore('runs', () => {
  const host = useHost();

  const list = ref<RunSummary[]>([]);
  const { loading, loaded, error, track } = loadFlags();

  const byId = computed(() => new Map(list.value.map((run) => [run.id, run])));
  const get = (runId: number): RunSummary | undefined => byId.value.get(runId);

  async function load(): Promise<void> {
    await track(async () => {
      list.value = sortRuns(await host.listRuns());
    });
  }

  function upsert(run: RunSummary): RunSummary {
    pendingProgress.delete(run.id);
    const at = list.value.findIndex((r) => r.id === run.id);
    list.value = at === -1 ? sortRuns([...list.value, run]) : list.value.map((r) => (r.id === run.id ? run : r));
    return run;
  }

  function drop(runId: number): void {
    list.value = list.value.filter((r) => r.id !== runId);
  }

  async function refresh(runId: number): Promise<RunSummary> {
    return upsert(await host.getRun(runId));
  }

  const start = async (request: StartRunRequest): Promise<RunSummary> => upsert(await host.startRun(request));
  const pause = async (runId: number): Promise<RunSummary> => upsert(await host.pauseRun(runId));
  const resume = async (runId: number): Promise<RunSummary> => upsert(await host.resumeRun(runId));
  const stop = async (runId: number): Promise<RunSummary> => upsert(await host.stopRun(runId));
  /** A stopped run's last weights on the test set, for one stopped without (its process starts for that). */
  const evaluate = async (runId: number): Promise<RunSummary> => upsert(await host.evaluateRun(runId));
  const rename = async (runId: number, name: string): Promise<RunSummary> => upsert(await host.renameRun(runId, name));
  async function remove(runId: number): Promise<void> {
    await host.deleteRun(runId);
    drop(runId);
  }

  // Batch events can come dozens of times a second; the list only needs the latest progress.
  const pendingProgress = new Map<number, RunProgress>();
  const progressThrottle = createThrottle(() => {
    if (pendingProgress.size === 0) return;
    const updates = new Map(pendingProgress);
    pendingProgress.clear();
    list.value = list.value.map((run) => {
      const progress = updates.get(run.id);
      // A batch event means the run is training, whatever the last summary said.
      return progress ? { ...run, progress, status: run.status === 'created' ? 'running' : run.status } : run;
    });
  }, 300);

  host.onEvent((event) => {
    switch (event.type) {
      case 'run-changed':
        upsert(event.run);
        break;
      case 'run-deleted':
        drop(event.runId);
        break;
      case 'run-batch':
        pendingProgress.set(event.runId, event.progress);
        progressThrottle.schedule();
        break;
      default:
        break;
    }
  });
  onReconnect(host, () => void load());

  return { list, loading, loaded, error, byId, get, load, upsert, refresh, start, pause, resume, stop, evaluate, rename, remove, flushProgress: () => progressThrottle.flush() };
});

function sortRuns(runs: RunSummary[]): RunSummary[] {
  return runs.slice().sort((a, b) => b.id - a.id);
}
