/**
 * Saved model specs: the designer's networks by name (the JSON the engine validates, stored as
 * is). Checking that a spec is a valid network is the caller's job (shape inference lives in the
 * engine); the store keeps names unique and the JSON well-formed.
 */
import { EngineError } from '../../engine/errors';
import { checkName, fromJson, nowIso, toJson } from './codec';
import type { Store } from './db';

/** Longer names are refused: they are shown in lists and menus. */
export const SPEC_NAME_MAX = 200;

export interface SpecRow {
  name: string;
  /** The model spec JSON (`{className, config}` per layer). */
  spec: unknown;
  updatedAt: string;
}

interface SpecRecord {
  name: string;
  spec: string;
  updated_at: string;
}

const toRow = (r: SpecRecord): SpecRow => ({ name: r.name, spec: fromJson(r.spec), updatedAt: r.updated_at });

function checkSpecName(where: string, name: unknown): string {
  const checked = checkName(where, 'name', name);
  if (checked.length > SPEC_NAME_MAX || checked !== checked.trim()) {
    throw new EngineError('bad-option', `${where}: name is ${JSON.stringify(checked)}; allowed: 1 to ${SPEC_NAME_MAX} characters without leading or trailing spaces`);
  }
  return checked;
}

/** Every saved spec, by name. */
export function listSpecs(store: Store): SpecRow[] {
  return (store.db.prepare('SELECT name, spec, updated_at FROM specs ORDER BY name').all() as SpecRecord[]).map(toRow);
}

export function getSpec(store: Store, name: string): SpecRow | undefined {
  const record = store.db.prepare('SELECT name, spec, updated_at FROM specs WHERE name = ?').get(name) as SpecRecord | undefined;
  return record && toRow(record);
}

export function requireSpec(store: Store, name: string): SpecRow {
  const found = getSpec(store, name);
  if (found) return found;
  const known = listSpecs(store).map((s) => JSON.stringify(s.name));
  throw new EngineError('unknown-spec', `unknown spec ${JSON.stringify(name)} (known: ${known.length ? known.join(', ') : 'none saved yet'})`);
}

/** Creates the spec, or replaces the one of that name; returns it as stored. */
export function saveSpec(store: Store, name: string, spec: object): SpecRow {
  const where = 'saveSpec';
  const checked = checkSpecName(where, name);
  const json = toJson(where, 'spec', spec);
  return store.transaction(() => {
    store.db
      .prepare('INSERT INTO specs (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at')
      .run(checked, json, nowIso());
    return requireSpec(store, checked);
  });
}

/** Deletes the spec of that name; an unknown name is an error naming the saved ones. */
export function deleteSpec(store: Store, name: string): void {
  store.transaction(() => {
    requireSpec(store, name);
    store.db.prepare('DELETE FROM specs WHERE name = ?').run(name);
  });
}
