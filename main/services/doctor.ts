/**
 * `stbp doctor`: what is damaged in a store and what can be saved. The file is opened read-only and
 * never changed: SQLite's own check (integrity_check, foreign_key_check), then every row of every
 * table read as far as it can be (doctor-scan.ts), dataset chunks checked against their checksums,
 * checkpoints and models decoded. `salvageStore` copies every readable, intact row into a new store.
 */
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { decodeBundle } from '../../engine/export/bundle';
import { EngineError } from '../../engine/errors';
import { decodeCheckpoint } from '../../engine/train/checkpoint';
import { chunkChecksum } from '../store/chunk-checksum';
import { asStoreError } from '../store/damage';
import { CHUNK_SAMPLES } from '../store/datasets';
import { inspectStoreFile, openStore } from '../store/db';
import { userVersion } from '../store/migrations';
import { processAlive } from '../store/process-alive';
import { scanByRowid, scanQuery, type Loss, type Row } from './doctor-scan';

type Db = Database.Database;

/** One damaged thing: where (a dataset chunk, a run's checkpoint, a range of rows) and what is wrong. */
export interface Finding {
  where: string;
  problem: string;
}

export interface DatasetHealth {
  id: number;
  name: string;
  source: string;
  /** Chunks its splits need, and how many of them read whole with a matching checksum. */
  chunks: number;
  intactChunks: number;
}

export interface RunHealth {
  id: number;
  name: string;
  status: string;
  datasetId: number;
  /** Rows read whole: metrics (batch and epoch), probes, checkpoints that decode. */
  metrics: number;
  probes: number;
  checkpoints: number;
}

export interface DoctorReport {
  path: string;
  /** Why the file cannot be read as a store at all (empty, not SQLite, a folder), if so. */
  unreadable?: string;
  schemaVersion?: number;
  /** SQLite's integrity_check, each message led by the table it concerns where known. */
  integrity: string[];
  foreignKeys: string[];
  damaged: Finding[];
  datasets: DatasetHealth[];
  runs: RunHealth[];
  models: { id: number; name: string }[];
  specs: number;
  /** Studies (sweeps) whose definition reads whole. */
  studies: { id: number; name: string }[];
  healthy: boolean;
}

/** Called with every row that reads whole and checks out, table by table in an order that keeps references valid. */
type Sink = (table: string, row: Row) => void;

const DECODERS: Readonly<Record<string, { column: string; decode: (bytes: Uint8Array) => unknown; name: (row: Row) => string }>> = {
  checkpoints: { column: 'state', decode: decodeCheckpoint, name: (r) => `run ${r.run_id}'s checkpoint ${r.id} (epoch ${r.epoch}, batch ${r.batch})` },
  models: { column: 'bundle', decode: decodeBundle, name: (r) => `model ${r.id} ${JSON.stringify(r.name)}` },
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const hex = (n: unknown): string => (typeof n === 'number' ? `0x${n.toString(16).padStart(8, '0')}` : 'none');

/** Examines the store file at `path` without changing it. */
export function examineStore(path: string, opts: { nativeBinding?: string } = {}): DoctorReport {
  const report: DoctorReport = { path, integrity: [], foreignKeys: [], damaged: [], datasets: [], runs: [], models: [], specs: 0, studies: [], healthy: false };
  const db = openForReading(path, report, opts.nativeBinding);
  if (!db) return report;
  try {
    report.integrity = integrityMessages(db);
    Object.assign(report, walk(db, () => undefined));
    report.foreignKeys = foreignKeyMessages(db);
  } catch (e) {
    report.damaged.push({ where: 'the schema', problem: `cannot be read (${message(e)}): nothing can be saved by row` });
  } finally {
    db.close();
  }
  report.healthy = report.unreadable === undefined && report.integrity.length === 0 && report.foreignKeys.length === 0 && report.damaged.length === 0;
  return report;
}

export interface SalvageResult {
  target: string;
  /** Rows copied, per table. */
  copied: Record<string, number>;
  /** Rows read whole but left out, per table, with the first reason (a reference to a row that was lost). */
  leftOut: Record<string, { count: number; reason: string }>;
  /** What was found damaged on the way (and so not copied). */
  damaged: Finding[];
}

/**
 * Copies every row of `source` that reads whole and checks out into a new store at `target` (which
 * must not exist), in one transaction. A dataset that lost chunks keeps the ones that are intact, so
 * reading it names the missing ones (re-import it); rows whose parent was lost are left out, except
 * a run's parent run and a model's run, which are cleared instead.
 */
export function salvageStore(source: string, target: string, opts: { nativeBinding?: string } = {}): SalvageResult {
  if (existsSync(target)) throw new EngineError('bad-option', `salvageStore: ${target} exists; allowed: a path where no file is (the salvage creates a new store)`);
  const probe: DoctorReport = { path: source, integrity: [], foreignKeys: [], damaged: [], datasets: [], runs: [], models: [], specs: 0, studies: [], healthy: false };
  const db = openForReading(source, probe, opts.nativeBinding);
  if (!db) throw new EngineError('store-damaged', `salvageStore: ${source} cannot be read as a store (${probe.unreadable}); nothing can be saved from it`);
  const out = openStore({ file: target, nativeBinding: opts.nativeBinding });
  const result: SalvageResult = { target, copied: {}, leftOut: {}, damaged: [] };
  try {
    const insert = inserter(out.db, result);
    out.transaction(() => {
      result.damaged = [...probe.damaged, ...walk(db, insert).damaged];
    });
  } catch (e) {
    out.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    throw asStoreError(e, source);
  } finally {
    db.close();
  }
  out.close();
  return result;
}

function openForReading(path: string, report: DoctorReport, nativeBinding: string | undefined): Db | undefined {
  try {
    if (!inspectStoreFile(path, nativeBinding).exists) {
      report.unreadable = 'the file does not exist';
      return undefined;
    }
  } catch (e) {
    // A file cut short still has its first pages: read what is there. Anything else cannot be read.
    if (!(e instanceof EngineError && e.code === 'store-damaged')) {
      report.unreadable = message(e);
      return undefined;
    }
    report.damaged.push({ where: 'the file', problem: message(e).replace(/; run `stbp doctor`.*$/, '') });
  }
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding });
    report.schemaVersion = userVersion(db);
    return db;
  } catch (e) {
    report.unreadable = message(e);
    return undefined;
  }
}

function integrityMessages(db: Db): string[] {
  const roots = new Map<number, string>();
  for (const r of db.prepare('SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0').all() as { name: string; rootpage: number }[]) roots.set(r.rootpage, r.name);
  let rows: { integrity_check: string }[];
  try {
    rows = db.pragma('integrity_check(100)') as { integrity_check: string }[];
  } catch (e) {
    // A page the check itself needs is unreadable: it stops there; the table scans below say where.
    return [`the check stopped: ${message(e)}`];
  }
  return rows
    .map((r) => r.integrity_check)
    .filter((m) => m !== 'ok')
    .map((m) => {
      const tree = /Tree (\d+)/.exec(m);
      const table = tree ? roots.get(Number(tree[1])) : undefined;
      return table ? `${table}: ${m}` : m;
    });
}

function foreignKeyMessages(db: Db): string[] {
  try {
    const rows = db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[];
    return rows.map((r) => `${r.table} row ${r.rowid ?? '?'} refers to a ${r.parent} row that does not exist`);
  } catch (e) {
    return [`the foreign-key check could not run: ${message(e)}`];
  }
}

/** Reads every table in reference order, checking what can be checked, handing intact rows to `sink`. */
function walk(db: Db, sink: Sink): Pick<DoctorReport, 'damaged' | 'datasets' | 'runs' | 'models' | 'specs' | 'studies'> {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  const damaged: Finding[] = [];
  const lost = (losses: Loss[], where?: string) => {
    for (const l of losses) damaged.push({ where: where ?? `table ${l.table}`, problem: `${l.rows} cannot be read (${l.reason})` });
  };
  /** Per dataset: its split counts and each chunk seen, by "split:chunk", intact or not. */
  const datasets = new Map<number, DatasetHealth & { splits: Map<string, number>; seen: Map<string, boolean> }>();
  const runs = new Map<number, RunHealth>();
  const models: { id: number; name: string }[] = [];
  let specs = 0;

  lost(scanByRowid(db, 'datasets', (r) => {
    if (r.importing_pid !== undefined && r.importing_pid !== null) {
      // Not whole, seen by no reader, never copied: being stored right now, or left by a writer that died.
      if (!processAlive(r.importing_pid as number)) {
        damaged.push({ where: `dataset ${JSON.stringify(r.name)} (id ${r.id})`, problem: `was being stored by process ${r.importing_pid}, which ended first: it is not whole, no reader sees it, and the next dataset write removes it` });
      }
      return;
    }
    datasets.set(r.id as number, { id: r.id as number, name: r.name as string, source: r.source as string, chunks: 0, intactChunks: 0, splits: new Map(), seen: new Map() });
    sink('datasets', r);
  }));
  for (const d of datasets.values()) {
    lost(scanQuery(db, 'dataset_splits', 'SELECT * FROM dataset_splits WHERE dataset_id = ? ORDER BY split', [d.id], (r) => {
      d.splits.set(r.split as string, r.count as number);
      sink('dataset_splits', r);
    }, (r) => `split ${r.split}`), `dataset ${JSON.stringify(d.name)}'s splits`);
  }
  const hasChecksums = columnsOf(db, 'dataset_chunks').includes('checksum');
  lost(scanByRowid(db, 'dataset_chunks', (r) => {
    const d = datasets.get(r.dataset_id as number);
    if (!d) return; // its dataset was lost: nothing to attach it to
    const where = `dataset ${JSON.stringify(d.name)} ${r.split} chunk ${r.chunk} (samples ${r.first} to ${(r.first as number) + (r.count as number) - 1})`;
    const found = chunkChecksum(r.data as Buffer, r.labels as Buffer, r.lengths as Buffer | null);
    const intact = !hasChecksums || r.checksum === found;
    d.seen.set(`${r.split}:${r.chunk}`, intact);
    if (!intact) {
      damaged.push({ where, problem: `its bytes fail their checksum (stored ${hex(r.checksum)}, found ${hex(found)}): they changed after the import` });
      return;
    }
    sink('dataset_chunks', r);
  }));
  for (const d of datasets.values()) {
    for (const [split, count] of d.splits) {
      for (let chunk = 0; chunk * CHUNK_SAMPLES < count; chunk++) {
        d.chunks++;
        const seen = d.seen.get(`${split}:${chunk}`);
        if (seen === true) d.intactChunks++;
        if (seen === undefined) {
          damaged.push({ where: `dataset ${JSON.stringify(d.name)} ${split} chunk ${chunk} (samples ${chunk * CHUNK_SAMPLES} to ${Math.min(count, (chunk + 1) * CHUNK_SAMPLES) - 1})`, problem: 'is lost (its row cannot be read)' });
        }
      }
    }
  }

  if (tables.has('specs')) lost(scanQuery(db, 'specs', 'SELECT * FROM specs ORDER BY name', [], (r) => (specs++, sink('specs', r)), (r) => `spec ${JSON.stringify(r.name)}`));
  lost(scanByRowid(db, 'runs', (r) => {
    runs.set(r.id as number, { id: r.id as number, name: r.name as string, status: r.status as string, datasetId: r.dataset_id as number, metrics: 0, probes: 0, checkpoints: 0 });
    sink('runs', r);
  }));
  for (const run of runs.values()) {
    const describe = (r: Row) => `${r.scope} metrics of epoch ${r.epoch} batch ${r.batch}`;
    lost(scanQuery(db, 'metrics', 'SELECT * FROM metrics WHERE run_id = ? ORDER BY scope, epoch, batch', [run.id], (r) => (run.metrics++, sink('metrics', r)), describe), `run ${run.id}'s metrics`);
  }
  for (const table of ['probes', 'checkpoints', 'exports', 'models']) {
    if (!tables.has(table)) continue;
    const decoder = DECODERS[table];
    lost(scanByRowid(db, table, (r) => {
      if (decoder) {
        try {
          decoder.decode(r[decoder.column] as Uint8Array);
        } catch (e) {
          damaged.push({ where: decoder.name(r), problem: `does not decode (${message(e)})` });
          return;
        }
      }
      const run = runs.get(r.run_id as number);
      if (table === 'probes' && run) run.probes++;
      if (table === 'checkpoints' && run) run.checkpoints++;
      if (table === 'models') models.push({ id: r.id as number, name: r.name as string });
      sink(table, r);
    }));
  }
  const studies: { id: number; name: string }[] = [];
  if (tables.has('studies')) {
    lost(scanByRowid(db, 'studies', (r) => (studies.push({ id: r.id as number, name: r.name as string }), sink('studies', r))));
    for (const study of studies) {
      lost(scanQuery(db, 'study_cells', 'SELECT * FROM study_cells WHERE study_id = ? ORDER BY cell', [study.id], (r) => sink('study_cells', r), (r) => `cell ${r.cell}`), `study ${study.id}'s cells`);
    }
    lost(scanByRowid(db, 'run_queue', (r) => sink('run_queue', r)));
    lost(scanByRowid(db, 'queue_settings', (r) => sink('queue_settings', r)));
  }
  const datasetList = [...datasets.values()].map(({ splits: _s, seen: _g, ...d }) => d);
  return { damaged, datasets: datasetList, runs: [...runs.values()], models, specs, studies };
}

function columnsOf(db: Db, table: string): string[] {
  return (db.pragma(`table_info("${table}")`) as { name: string }[]).map((c) => c.name);
}

/** Columns set to null, rather than the row left out, when the row they refer to was lost. */
const CLEARABLE: Readonly<Record<string, string>> = { runs: 'parent_run_id', models: 'run_id', study_cells: 'run_id' };

/**
 * The queue's one settings row replaces the new store's default; its runner is a process of the
 * damaged store's past, never of the salvaged one.
 */
const REPLACED: Readonly<Record<string, (row: Row) => Row>> = { queue_settings: (row) => ({ ...row, runner_pid: null }) };

/** The sink of a salvage: inserts each row into the same table of `target`, with the columns both have. */
function inserter(target: Db, result: SalvageResult): Sink {
  const statements = new Map<string, { columns: string[]; run: (values: unknown[]) => void }>();
  const statement = (table: string, row: Row) => {
    let s = statements.get(table);
    if (!s) {
      const wanted = columnsOf(target, table).filter((c) => c in row || (table === 'dataset_chunks' && c === 'checksum'));
      const insert = target.prepare(`INSERT ${REPLACED[table] ? 'OR REPLACE ' : ''}INTO "${table}" (${wanted.map((c) => `"${c}"`).join(', ')}) VALUES (${wanted.map(() => '?').join(', ')})`);
      s = { columns: wanted, run: (values) => void insert.run(...values) };
      statements.set(table, s);
    }
    return s;
  };
  return (table, given) => {
    const row = REPLACED[table]?.(given) ?? given;
    const s = statement(table, row);
    const value = (c: string) => (table === 'dataset_chunks' && c === 'checksum' ? chunkChecksum(row.data as Buffer, row.labels as Buffer, row.lengths as Buffer | null) : row[c]);
    try {
      s.run(s.columns.map(value));
    } catch (e) {
      const clear = CLEARABLE[table];
      const orphan = (e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
      if (orphan && clear && row[clear] !== null) {
        s.run(s.columns.map((c) => (c === clear ? null : value(c))));
      } else {
        const left = (result.leftOut[table] ??= { count: 0, reason: orphan ? 'it refers to a row that was lost' : message(e) });
        left.count++;
        return;
      }
    }
    result.copied[table] = (result.copied[table] ?? 0) + 1;
  };
}
