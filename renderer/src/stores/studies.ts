import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { QueueState, StudyFile, StudyPreview, StudyRecipe, StudySummary, WorkbenchEvent } from '../../../main/contract';
import { useHost } from '../host';
import { createThrottle } from '../util/throttle';
import { loadFlags, onReconnect } from './shared';

/** A study file typed in the app: the parsed object, or why it is not one (the main side checks the rest). */
export function parseStudyText(text: string): { file: StudyFile; error: null } | { file: null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { file: null, error: `not valid JSON: ${(cause as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { file: null, error: 'a study file is a JSON object: {"name", "base", "axes", …}' };
  return { file: value as StudyFile, error: null };
}

/**
 * The file as the app saves it: two-space JSON with lists of plain values on one line, as a
 * hand-written file would have them (`"T": [8, 16, 30]`). JSON puts line breaks only between
 * items, never inside a string, so joining an innermost list's lines changes nothing else.
 */
export function studyText(file: StudyFile): string {
  return `${JSON.stringify(file, null, 2).replace(/\[\s*([^[\]{}]*?)\s*\]/g, (_, items: string) => `[${items.replace(/\n\s*/g, ' ')}]`)}\n`;
}

/** The run ids of every study's cells → its study, so run events find the study they change. */
export function studiesByRun(studies: readonly StudySummary[]): Map<number, number> {
  return new Map(studies.flatMap((s) => s.cells.flatMap((c) => (c.runId !== null ? [[c.runId, s.id] as const] : []))));
}

/** Studies, the queue and the recipes, kept current by events (a study is refetched a few times a second at most). */
export const useStudiesStore = defineStore('studies', () => {
  const host = useHost();

  const list = shallowRef<StudySummary[]>([]);
  const queue = ref<QueueState | null>(null);
  const recipes = ref<StudyRecipe[]>([]);
  const { loading, loaded, error, track } = loadFlags();

  const byId = computed(() => new Map(list.value.map((s) => [s.id, s])));
  const runStudy = computed(() => studiesByRun(list.value));
  const get = (studyId: number): StudySummary | undefined => byId.value.get(studyId);

  async function load(): Promise<void> {
    await track(async () => {
      const [studies, state] = await Promise.all([host.listStudies(), host.getQueue()]);
      list.value = studies;
      queue.value = state;
    });
  }

  async function loadRecipes(): Promise<void> {
    if (recipes.value.length === 0) recipes.value = await host.listStudyRecipes();
  }

  function upsert(study: StudySummary): StudySummary {
    const at = list.value.findIndex((s) => s.id === study.id);
    list.value = at === -1 ? [...list.value, study].sort((a, b) => a.id - b.id) : list.value.map((s) => (s.id === study.id ? study : s));
    return study;
  }

  function drop(studyId: number): void {
    list.value = list.value.filter((s) => s.id !== studyId);
  }

  async function refresh(studyId: number): Promise<void> {
    try {
      upsert(await host.getStudy(studyId));
    } catch {
      drop(studyId); // deleted meanwhile
    }
  }

  // Run events come in bursts (every batch); a study's cells need only their status and epochs.
  const stale = new Set<number>();
  const refreshThrottle = createThrottle(() => {
    const ids = [...stale];
    stale.clear();
    for (const id of ids) void refresh(id);
  }, 700);
  const touch = (studyId: number | undefined): void => {
    if (studyId === undefined) return;
    stale.add(studyId);
    refreshThrottle.schedule();
  };

  host.onEvent((event: WorkbenchEvent) => {
    switch (event.type) {
      case 'studies-changed':
        if (event.studyId === null) void load();
        else touch(event.studyId);
        break;
      case 'queue-changed':
        queue.value = event.queue;
        break;
      case 'run-changed':
        touch(runStudy.value.get(event.run.id));
        break;
      case 'run-epoch':
      case 'run-deleted':
        touch(runStudy.value.get(event.runId));
        break;
      default:
        break;
    }
  });
  onReconnect(host, () => void load());

  const preview = (file: StudyFile): Promise<StudyPreview> => host.previewStudy(file);
  const create = async (file: StudyFile, maxRuns?: number): Promise<StudySummary> => upsert(await host.createStudy({ file, ...(maxRuns !== undefined && { maxRuns }) }));
  const update = async (studyId: number, file: StudyFile, maxRuns?: number): Promise<StudySummary> =>
    upsert(await host.updateStudy(studyId, { file, ...(maxRuns !== undefined && { maxRuns }) }));
  const resume = async (studyId: number): Promise<StudySummary> => upsert(await host.resumeStudy(studyId));
  const cancel = async (studyId: number): Promise<StudySummary> => upsert(await host.cancelStudy(studyId));
  async function remove(studyId: number, deleteRuns: boolean): Promise<void> {
    await host.deleteStudy(studyId, deleteRuns);
    drop(studyId);
  }

  const setQueue = async (patch: { parallel?: number; paused?: boolean }): Promise<void> => void (queue.value = await host.setQueue(patch));
  const move = async (runId: number, index: number): Promise<void> => void (queue.value = await host.moveInQueue(runId, index));
  const dequeue = async (runId: number): Promise<void> => void (queue.value = await host.removeFromQueue(runId));

  return {
    list, queue, recipes, loading, loaded, error, byId, get, load, loadRecipes, refresh, preview, create, update, resume, cancel, remove, setQueue, move, dequeue,
    flush: () => refreshThrottle.flush(),
  };
});
