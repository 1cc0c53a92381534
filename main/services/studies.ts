/**
 * Studies over the store: a file is expanded, every cell planned as the run `stbp train` would
 * record for the same options (main/services/train-request.ts), and only when every cell passes is
 * anything written: the study, its runs and their queue places in one transaction. Summaries read
 * the cells' runs back as the contract shows them.
 */
import { EngineError } from '../../engine/errors';
import type { StudyCell, StudyFile, StudySummary, TrainRequest } from '../contract';
import type { RunHyper } from '../runs/messages';
import type { Store } from '../store/db';
import { listMetrics } from '../store/metrics';
import { listQueue } from '../store/queue';
import { getRun, type CreateRun, type RunRow } from '../store/runs';
import { createStudy, listStudyCells, replaceStudyCells, requireStudy, type NewStudyCell, type StudyRow } from '../store/studies';
import { cellLabel, CONFIRM_ABOVE, expandStudy, studyAxes, type ExpandedCell } from './study-file';
import { defaultLastEpochs, summarizeStudy } from './study-summary';
import { checkPlanFits, checkRequest, createRunOf, planRun, requestDataset, startingPoint } from './train-request';

/** A study's cells, each with the run to record for it; nothing is stored. */
export interface StudyPlan {
  file: StudyFile;
  cells: (ExpandedCell & { run: CreateRun })[];
}

const baseName = (key: keyof TrainRequest): string => `base.${key}`;

/**
 * Expands the file and plans every cell as a run: an unknown preset, a value out of range, a spec
 * that does not fit the dataset, or more runs than `maxRuns` are refused here, naming the cell.
 */
export async function planStudy(store: Store, file: StudyFile, maxRuns = CONFIRM_ABOVE): Promise<StudyPlan> {
  const cells = expandStudy(file, maxRuns);
  checkRequest(file.base, baseName, `study ${JSON.stringify(file.name)}: base`);
  const start = await startingPoint(store, file.base);
  const planned = cells.map((cell) => {
    try {
      return { cell, plan: planRun(start, cell.request) };
    } catch (e) {
      throw inCell(file, cell, e);
    }
  });
  const dataset = await requestDataset(store, file.base);
  return {
    file,
    cells: planned.map(({ cell, plan }) => {
      try {
        checkPlanFits(store, plan, start.what, dataset);
      } catch (e) {
        throw inCell(file, cell, e);
      }
      return { ...cell, run: createRunOf(plan, dataset) };
    }),
  };
}

function inCell(file: StudyFile, cell: ExpandedCell, e: unknown): unknown {
  if (!(e instanceof EngineError)) return e;
  return new EngineError(e.code, `study ${JSON.stringify(file.name)}, cell ${cell.index} (${cell.label}): ${e.message}`);
}

/** Plans, then records the study with every cell's run queued; returns its id. */
export async function createStudyFromFile(store: Store, file: StudyFile, maxRuns?: number): Promise<number> {
  const plan = await planStudy(store, file, maxRuns);
  return createStudy(store, { name: file.name, definition: file, cells: plan.cells.map((c) => ({ values: c.values, seed: c.seed, run: c.run })) });
}

/** The JSON a run is recorded with, keys sorted: two cells that would record the same run compare equal. */
function runKey(run: Pick<RunRow, 'datasetId' | 'spec' | 'hyper' | 'seed' | 'backendRequested'>): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted([run.datasetId, run.spec, run.hyper, run.seed, run.backendRequested]));
}

/**
 * An edited study: a new cell that would record exactly the run an old cell has keeps that run (and
 * its results); the others are new runs, queued; old runs no cell keeps leave the study.
 */
export async function updateStudyFromFile(store: Store, studyId: number, file: StudyFile, maxRuns?: number): Promise<ReturnType<typeof replaceStudyCells>> {
  requireStudy(store, studyId);
  const plan = await planStudy(store, file, maxRuns);
  const existing = new Map<string, number>();
  for (const c of listStudyCells(store, studyId)) {
    const run = c.runId !== null ? getRun(store, c.runId) : undefined;
    if (run) existing.set(runKey(run), run.id);
  }
  const cells: NewStudyCell[] = plan.cells.map((c) => {
    const key = runKey(c.run);
    const keep = existing.get(key);
    if (keep === undefined) return { values: c.values, seed: c.seed, run: c.run };
    existing.delete(key);
    return { values: c.values, seed: c.seed, runId: keep };
  });
  return replaceStudyCells(store, studyId, { name: file.name, definition: file, cells });
}

/** Runs of the study still to finish that are not training: what resuming it queues (again). */
export function unfinishedRuns(store: Store, studyId: number): number[] {
  requireStudy(store, studyId);
  return listStudyCells(store, studyId).flatMap((c) => {
    const run = c.runId !== null ? getRun(store, c.runId) : undefined;
    return run && run.status !== 'completed' && run.status !== 'running' ? [run.id] : [];
  });
}

export function studyFileOf(row: StudyRow): StudyFile {
  return row.definition as StudyFile;
}

/** A study as the contract shows it: its cells with their runs' state and results, and the summary rows. */
export function studySummary(store: Store, studyId: number, queued: ReadonlySet<number> = new Set(listQueue(store).map((q) => q.runId))): StudySummary {
  const row = requireStudy(store, studyId);
  const file = studyFileOf(row);
  const runs: (RunRow | undefined)[] = [];
  const cells: StudyCell[] = listStudyCells(store, studyId).map((c) => {
    const run = c.runId !== null ? getRun(store, c.runId) : undefined;
    runs.push(run);
    return {
      index: c.cell,
      values: c.values,
      seed: c.seed,
      label: cellLabel(c.values, c.seed),
      runId: run?.id ?? null,
      status: run?.status ?? null,
      queued: run !== undefined && queued.has(run.id),
      testAccuracy: run ? listMetrics(store, run.id, 'epoch').map((m) => m.values.testAccuracy as number) : [],
      error: run?.error ?? null,
    };
  });
  const epochs = Math.max(1, ...runs.map((r) => (r?.hyper as RunHyper | undefined)?.epochs ?? 1));
  const lastEpochs = file.lastEpochs ?? defaultLastEpochs(epochs);
  const count = (f: (c: StudyCell) => boolean) => cells.filter(f).length;
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    file,
    axes: studyAxes(file),
    lastEpochs,
    cells,
    groups: summarizeStudy(cells, lastEpochs, file.paper),
    counts: {
      total: cells.length,
      completed: count((c) => c.status === 'completed'),
      running: count((c) => c.status === 'running'),
      queued: count((c) => c.queued && c.status !== 'running'),
      failed: count((c) => c.status === 'failed'),
    },
  };
}
