/**
 * The contract's study and queue methods, and the app's queue runner. The workbench hands in how
 * it starts a recorded run (`launch`: its own `begin`, so a queued run is a live run of the app like
 * any other: monitored, paused, stopped, compared) and gets back the methods to spread into its API,
 * plus `dispose` for quitting (the runner stops starting runs; the workbench pauses them all and
 * they stay queued for the next start).
 */
import type { QueueState, StudyPreview, WorkbenchApi, WorkbenchEvent } from '../contract';
import { defaultParallel, QueueRunner, queueState, type LaunchedRun } from '../services/queue';
import { createStudyFromFile, planStudy, studySummary, unfinishedRuns, updateStudyFromFile } from '../services/studies';
import { CONFIRM_ABOVE, parseStudyFile, studyAxes } from '../services/study-file';
import { listRecipes } from '../services/study-recipes';
import type { Store } from '../store/db';
import { dequeueRuns, enqueueRuns, isQueued, moveInQueue, setQueueSettings } from '../store/queue';
import { requireRun } from '../store/runs';
import { deleteStudy, listStudies, listStudyCells, requireStudy, studyOfRun } from '../store/studies';
import { badState } from './errors';

type StudyMethods = Pick<
  WorkbenchApi,
  | 'listStudyRecipes' | 'previewStudy' | 'createStudy' | 'updateStudy' | 'listStudies' | 'getStudy' | 'deleteStudy' | 'resumeStudy' | 'cancelStudy'
  | 'getQueue' | 'setQueue' | 'moveInQueue' | 'removeFromQueue'
>;

export interface StudiesApiOptions {
  store: Store;
  emit(event: WorkbenchEvent): void;
  /** Starts (or resumes) a recorded run as a live run of the workbench. */
  launch(runId: number, resume: boolean): LaunchedRun;
  /** Stops a live run of the workbench (with a checkpoint); false when it is not live here. */
  stopLive(runId: number): Promise<boolean>;
  /** Default parallelism (one per two cores). */
  parallel?: number;
}

export function studiesApi(options: StudiesApiOptions): { api: StudyMethods; dispose(): Promise<void> } {
  const { store, emit } = options;
  const fallback = options.parallel ?? defaultParallel();
  const queue = (): QueueState => queueState(store, fallback);
  const queueChanged = (): QueueState => {
    const state = queue();
    emit({ type: 'queue-changed', queue: state });
    return state;
  };
  const studyChanged = (studyId: number | null): void => emit({ type: 'studies-changed', studyId });
  const runner = new QueueRunner({
    store,
    parallel: fallback,
    launch: options.launch,
    onChange: () => void queueChanged(),
    onError: (runId, e) => console.error(`workbench: the queue could not ${runId ? `start or record run ${runId}` : 'read the store'}:`, e),
  });
  runner.start();

  /** Pokes the runner after a change: it starts what now has room, and everyone hears of it. */
  const moved = (studyId: number | null): void => {
    runner.pump();
    queueChanged();
    studyChanged(studyId);
  };

  /** Takes runs off the queue and stops those training here. */
  const cancel = async (runIds: readonly number[]): Promise<void> => {
    dequeueRuns(store, runIds);
    await Promise.all(runIds.map((id) => options.stopLive(id)));
  };

  /** A study's runs (checked to exist first). */
  const runsOf = (studyId: number): number[] => {
    requireStudy(store, studyId);
    return listStudyCells(store, studyId).flatMap((c) => (c.runId !== null ? [c.runId] : []));
  };

  const api: StudyMethods = {
    listStudyRecipes: async () => listRecipes(),
    previewStudy: async (file): Promise<StudyPreview> => {
      const parsed = parseStudyFile(file, 'previewStudy: file');
      // Planned with no limit: the preview says how many runs there are, the create call refuses past the confirmed number.
      const plan = await planStudy(store, parsed, Number.MAX_SAFE_INTEGER);
      return {
        name: parsed.name, runs: plan.cells.length, axes: studyAxes(parsed), confirmAbove: CONFIRM_ABOVE,
        cells: plan.cells.map(({ index, values, seed, label }) => ({ index, values, seed, label })),
      };
    },
    createStudy: async ({ file, maxRuns }) => {
      const id = await createStudyFromFile(store, parseStudyFile(file, 'createStudy: request.file'), maxRuns);
      moved(id);
      return studySummary(store, id);
    },
    updateStudy: async (studyId, { file, maxRuns }) => {
      await updateStudyFromFile(store, studyId, parseStudyFile(file, 'updateStudy: request.file'), maxRuns);
      moved(studyId);
      return studySummary(store, studyId);
    },
    listStudies: async () => listStudies(store).map((s) => studySummary(store, s.id)),
    getStudy: async (studyId) => studySummary(store, studyId),
    deleteStudy: async (studyId, deleteRuns = false) => {
      requireStudy(store, studyId);
      if (deleteRuns) await cancel(runsOf(studyId));
      const deleted = deleteStudy(store, studyId, deleteRuns);
      for (const runId of deleted) emit({ type: 'run-deleted', runId });
      moved(null);
    },
    resumeStudy: async (studyId) => {
      enqueueRuns(store, unfinishedRuns(store, studyId));
      moved(studyId);
      return studySummary(store, studyId);
    },
    cancelStudy: async (studyId) => {
      await cancel(runsOf(studyId));
      moved(studyId);
      return studySummary(store, studyId);
    },
    getQueue: async () => queue(),
    setQueue: async (patch) => {
      setQueueSettings(store, patch);
      moved(null);
      return queue();
    },
    moveInQueue: async (runId, index) => {
      moveInQueue(store, runId, index);
      moved(studyOfRun(store, runId));
      return queue();
    },
    removeFromQueue: async (runId) => {
      requireRun(store, runId);
      if (!isQueued(store, runId)) throw badState(`removeFromQueue: run ${runId} is not queued; allowed: a queued run (see getQueue)`);
      await cancel([runId]);
      moved(studyOfRun(store, runId));
      return queue();
    },
  };

  return { api, dispose: () => runner.close({ pause: false }) };
}

