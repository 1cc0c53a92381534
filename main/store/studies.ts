/**
 * Studies (migration 7): a study's file as given, and its cells, each pointing at the normal run
 * that trains it. Creating, editing and deleting a study, with its runs and their queue places,
 * are one transaction each: a failure leaves no half-made study and no stray queued run.
 */
import { EngineError } from '../../engine/errors';
import type { StudyValue } from '../contract';
import { checkName, fromJson, nowIso, toJson } from './codec';
import type { Store } from './db';
import { dequeueRuns, enqueueRuns } from './queue';
import { createRun, deleteRun, getRun, type CreateRun } from './runs';

export interface StudyRow {
  id: number;
  name: string;
  /** The study file, as given. */
  definition: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface StudyCellRow {
  studyId: number;
  cell: number;
  values: Record<string, StudyValue>;
  seed: number;
  /** Null once the run was deleted. */
  runId: number | null;
}

/** A cell to store: one that keeps its run, or a new one whose run is created and queued. */
export type NewStudyCell = { values: Record<string, StudyValue>; seed: number } & ({ runId: number } | { run: CreateRun });

interface StudyRecord {
  id: number;
  name: string;
  definition: string;
  created_at: string;
  updated_at: string;
}

const toStudyRow = (r: StudyRecord): StudyRow => ({ id: r.id, name: r.name, definition: fromJson(r.definition), createdAt: r.created_at, updatedAt: r.updated_at });

export function getStudy(store: Store, id: number): StudyRow | undefined {
  const r = store.db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as StudyRecord | undefined;
  return r && toStudyRow(r);
}

export function requireStudy(store: Store, id: number): StudyRow {
  const found = getStudy(store, id);
  if (found) return found;
  const known = (store.db.prepare('SELECT id FROM studies ORDER BY id DESC LIMIT 8').pluck().all() as number[]).reverse();
  throw new EngineError('unknown-study', `unknown study ${JSON.stringify(id)} (known: ${known.join(', ') || 'none yet'}; see stbp study list)`);
}

export function listStudies(store: Store): StudyRow[] {
  return (store.db.prepare('SELECT * FROM studies ORDER BY id').all() as StudyRecord[]).map(toStudyRow);
}

export function listStudyCells(store: Store, studyId: number): StudyCellRow[] {
  const rows = store.db.prepare('SELECT cell, setting, seed, run_id FROM study_cells WHERE study_id = ? ORDER BY cell').all(studyId) as
    { cell: number; setting: string; seed: number; run_id: number | null }[];
  return rows.map((r) => ({ studyId, cell: r.cell, values: fromJson(r.setting) as Record<string, StudyValue>, seed: r.seed, runId: r.run_id }));
}

/** The study a run trains a cell of, if any. */
export function studyOfRun(store: Store, runId: number): number | null {
  return (store.db.prepare('SELECT study_id FROM study_cells WHERE run_id = ?').pluck().get(runId) as number | undefined) ?? null;
}

/** Stores cells in order (creating and queueing the runs of new ones); returns the new runs' ids. */
function insertCells(store: Store, studyId: number, cells: readonly NewStudyCell[]): number[] {
  const insert = store.db.prepare('INSERT INTO study_cells (study_id, cell, setting, seed, run_id) VALUES (?, ?, ?, ?, ?)');
  const created: number[] = [];
  cells.forEach((c, i) => {
    const runId = 'runId' in c ? c.runId : createRun(store, c.run);
    if (!('runId' in c)) created.push(runId);
    insert.run(studyId, i, toJson('insertCells', `cells[${i}].values`, c.values), c.seed, runId);
  });
  enqueueRuns(store, created);
  return created;
}

/** A new study, every cell's run recorded and queued, in one transaction; returns its id. */
export function createStudy(store: Store, input: { name: string; definition: object; cells: readonly NewStudyCell[] }): number {
  checkName('createStudy', 'name', input.name);
  const definition = toJson('createStudy', 'definition', input.definition);
  return store.transaction(() => {
    const now = nowIso();
    const id = Number(store.db.prepare('INSERT INTO studies (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)').run(input.name.trim(), definition, now, now).lastInsertRowid);
    insertCells(store, id, input.cells);
    return id;
  });
}

/**
 * An edited study's new cells, in one transaction: kept cells keep their runs, new cells get new
 * queued runs, and the runs of dropped cells leave the queue; those that never started are deleted,
 * the others stay in the store as plain runs.
 */
export function replaceStudyCells(
  store: Store, studyId: number, input: { name: string; definition: object; cells: readonly NewStudyCell[] },
): { created: number[]; deleted: number[]; detached: number[] } {
  checkName('replaceStudyCells', 'name', input.name);
  const definition = toJson('replaceStudyCells', 'definition', input.definition);
  return store.transaction(() => {
    requireStudy(store, studyId);
    const kept = new Set(input.cells.flatMap((c) => ('runId' in c ? [c.runId] : [])));
    const dropped = listStudyCells(store, studyId).flatMap((c) => (c.runId !== null && !kept.has(c.runId) ? [c.runId] : []));
    dequeueRuns(store, dropped);
    store.db.prepare('DELETE FROM study_cells WHERE study_id = ?').run(studyId);
    const deleted = dropped.filter((id) => getRun(store, id)?.status === 'created');
    for (const id of deleted) deleteRun(store, id);
    store.db.prepare('UPDATE studies SET name = ?, definition = ?, updated_at = ? WHERE id = ?').run(input.name.trim(), definition, nowIso(), studyId);
    const created = insertCells(store, studyId, input.cells);
    return { created, deleted, detached: dropped.filter((id) => !deleted.includes(id)) };
  });
}

/**
 * Deletes a study in one transaction. With `deleteRuns` every run of it goes too (refused while
 * one trains); without, its runs leave the queue and stay as plain runs, except those that never
 * started, which existed only for the study. Returns the runs deleted.
 */
export function deleteStudy(store: Store, studyId: number, deleteRuns: boolean): number[] {
  return store.transaction(() => {
    const study = requireStudy(store, studyId);
    const runs = listStudyCells(store, studyId).flatMap((c) => (c.runId !== null ? [c.runId] : []));
    const running = runs.filter((id) => getRun(store, id)?.status === 'running');
    if (deleteRuns && running.length) {
      throw new EngineError('run-running', `deleteStudy: study ${studyId} (${JSON.stringify(study.name)}) has runs training (${running.join(', ')}); cancel the study first, then delete it`);
    }
    dequeueRuns(store, runs);
    const doomed = deleteRuns ? runs : runs.filter((id) => getRun(store, id)?.status === 'created');
    store.db.prepare('DELETE FROM studies WHERE id = ?').run(studyId);
    for (const id of doomed) deleteRun(store, id);
    return doomed;
  });
}
