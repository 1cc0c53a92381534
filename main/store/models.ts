/**
 * Models: trained networks frozen with their provenance (engine/export/model.ts). Each is kept as
 * its bundle bytes (engine/export/bundle.ts) plus the description as JSON, which is authoritative
 * for what can change after saving (the name). A model is addressed by its id or its name.
 */
import { EngineError } from '../../engine/errors';
import type { ModelDescription, ModelOrigin } from '../../engine/export/model';
import { checkBytes, checkName, fromJson, nowIso, ownedBytes, toBlob, toJson } from './codec';
import type { Store } from './db';

export const MODEL_NAME_MAX = 200;

export interface ModelRow {
  id: number;
  name: string;
  origin: ModelOrigin;
  /** The run it was saved from; null when imported or once that run is deleted. */
  runId: number | null;
  epoch: number | null;
  testAccuracy: number | null;
  description: ModelDescription;
  createdAt: string;
}

interface ModelRecord {
  id: number;
  name: string;
  origin: ModelOrigin;
  run_id: number | null;
  epoch: number | null;
  test_accuracy: number | null;
  description: string;
  created_at: string;
}

const COLUMNS = 'id, name, origin, run_id, epoch, test_accuracy, description, created_at';

function toRow(r: ModelRecord): ModelRow {
  const description = fromJson(r.description) as ModelDescription;
  return {
    id: r.id, name: r.name, origin: r.origin, runId: r.run_id, epoch: r.epoch, testAccuracy: r.test_accuracy,
    description: { ...description, name: r.name }, createdAt: r.created_at,
  };
}

/** A trimmed name of 1 to MODEL_NAME_MAX characters that no other model has, or an error saying which model has it. */
function checkFreeName(store: Store, where: string, name: unknown, except?: number): string {
  const trimmed = checkName(where, 'name', name).trim();
  if (trimmed.length > MODEL_NAME_MAX) {
    throw new EngineError('bad-option', `${where}: name is ${trimmed.length} characters long; allowed: 1 to ${MODEL_NAME_MAX}`);
  }
  if (/^\d+$/.test(trimmed)) {
    throw new EngineError('bad-option', `${where}: name is ${JSON.stringify(trimmed)}; allowed: a name that is not a number (models are addressed by id or name)`);
  }
  const taken = store.db.prepare('SELECT id FROM models WHERE name = ?').get(trimmed) as { id: number } | undefined;
  if (taken && taken.id !== except) {
    throw new EngineError('model-exists', `${where}: the name ${JSON.stringify(trimmed)} is taken by model ${taken.id}; allowed: a name no model has (or delete that one first)`);
  }
  return trimmed;
}

/** Stores a model (its description's name must be free) in one transaction; returns its id. */
export function insertModel(store: Store, input: { description: ModelDescription; bundle: Uint8Array }): number {
  const where = 'insertModel';
  const bundle = toBlob(checkBytes(where, 'bundle', input.bundle));
  const d = input.description;
  return store.transaction(() => {
    const name = checkFreeName(store, where, d.name);
    const p = d.provenance;
    const runExists = p.runId !== null && store.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(p.runId) !== undefined;
    return Number(
      store.db
        .prepare('INSERT INTO models (name, origin, run_id, epoch, test_accuracy, description, bundle, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(name, p.origin, runExists ? p.runId : null, p.epoch, p.testAccuracy, toJson(where, 'description', { ...d, name }), bundle, nowIso())
        .lastInsertRowid,
    );
  });
}

export function listModels(store: Store): ModelRow[] {
  return (store.db.prepare(`SELECT ${COLUMNS} FROM models ORDER BY id`).all() as ModelRecord[]).map(toRow);
}

/** By id (a number, or digits) or by name. */
export function getModel(store: Store, idOrName: number | string): ModelRow | undefined {
  const byId = typeof idOrName === 'number' || /^\d+$/.test(idOrName);
  const record = store.db
    .prepare(`SELECT ${COLUMNS} FROM models WHERE ${byId ? 'id' : 'name'} = ?`)
    .get(byId ? Number(idOrName) : idOrName) as ModelRecord | undefined;
  return record && toRow(record);
}

export function requireModel(store: Store, idOrName: number | string): ModelRow {
  const found = getModel(store, idOrName);
  if (found) return found;
  const known = listModels(store).slice(-8).map((m) => `${m.id} ${JSON.stringify(m.name)}`);
  throw new EngineError('unknown-model', `unknown model ${JSON.stringify(idOrName)} (known: ${known.length ? known.join(', ') : 'none yet: save one from a run, or import a .stbp or .nir file'})`);
}

/** The model's bundle bytes as stored (its header keeps the name it was saved under). */
export function modelBundle(store: Store, id: number): Uint8Array {
  const r = store.db.prepare('SELECT bundle FROM models WHERE id = ?').get(requireModel(store, id).id) as { bundle: Buffer };
  return ownedBytes(r.bundle);
}

export function renameModel(store: Store, id: number, name: string): ModelRow {
  return store.transaction(() => {
    const row = requireModel(store, id);
    const free = checkFreeName(store, 'renameModel', name, row.id);
    store.db.prepare('UPDATE models SET name = ?, description = ? WHERE id = ?').run(free, toJson('renameModel', 'description', { ...row.description, name: free }), row.id);
    return requireModel(store, row.id);
  });
}

export function deleteModel(store: Store, id: number): void {
  store.transaction(() => {
    store.db.prepare('DELETE FROM models WHERE id = ?').run(requireModel(store, id).id);
  });
}
