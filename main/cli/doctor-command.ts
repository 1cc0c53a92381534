/**
 * `stbp doctor [file] [--home <dir>] [--salvage <new file>]`: examines a store without changing
 * it (main/services/doctor.ts) and prints what is damaged and what can be saved; with --salvage,
 * copies everything readable into a new store. Exit code 0: healthy (or salvaged), 1: damaged.
 * It never opens the store the usual way: that would migrate it, and a damaged file must be read,
 * not written.
 */
import { join, resolve } from 'node:path';
import { defaultStoreHome, STORE_FILE_NAME } from '../store/db';
import { examineStore, salvageStore, type DoctorReport, type SalvageResult } from '../services/doctor';

export interface DoctorOptions {
  /** The store folder (--home); default $STBP_HOME or ~/.stbp-workbench. */
  home?: string;
  /** Where to write a new store holding everything readable (--salvage). */
  salvage?: string;
}

export function doctorCommand(rest: string[], opts: DoctorOptions): number {
  const file = rest[0] !== undefined ? resolve(rest[0]) : join(opts.home ?? defaultStoreHome(), STORE_FILE_NAME);
  if (opts.salvage !== undefined) {
    const result = salvageStore(file, resolve(opts.salvage));
    console.log(describeSalvage(file, result));
    return 0;
  }
  const report = examineStore(file);
  console.log(describeReport(report));
  return report.healthy ? 0 : 1;
}

/** The report as text: the verdict, what is damaged, what can be saved and how. */
export function describeReport(r: DoctorReport): string {
  if (r.unreadable !== undefined) {
    return `store ${r.path}: cannot be read as a store: ${r.unreadable}\nnothing can be saved from it by the doctor; restore a backup`;
  }
  const lines = [`store ${r.path} (schema version ${r.schemaVersion ?? '?'}): ${r.healthy ? 'healthy' : 'DAMAGED'}`];
  lines.push(r.integrity.length === 0 ? "SQLite's integrity check: ok" : `SQLite's integrity check: ${r.integrity.length} problem(s)`);
  for (const m of r.integrity) lines.push(`  ${m}`);
  for (const m of r.foreignKeys) lines.push(`  ${m}`);
  if (r.damaged.length > 0) {
    lines.push('damaged:');
    for (const f of r.damaged) lines.push(`  ${f.where}: ${f.problem}`);
  }
  lines.push(r.healthy ? 'everything reads whole:' : 'what can be saved:');
  for (const d of r.datasets) {
    const state = d.intactChunks === d.chunks ? `${d.chunks} chunks, all intact` : `${d.intactChunks} of ${d.chunks} chunks intact: re-import it from ${d.source}`;
    lines.push(`  dataset ${d.id} ${JSON.stringify(d.name)}: ${state}`);
  }
  for (const run of r.runs) {
    lines.push(`  run ${run.id} ${JSON.stringify(run.name)} (${run.status}): ${run.metrics} metrics rows, ${run.probes} probes, ${run.checkpoints} checkpoints`);
  }
  lines.push(`  ${r.models.length} model(s), ${r.specs} saved spec(s), ${r.studies.length} stud${r.studies.length === 1 ? 'y' : 'ies'}`);
  if (!r.healthy) {
    lines.push(
      `to keep what can be saved: stbp doctor --salvage <new file> copies every readable, intact row into a new store; ` +
        `then keep ${r.path} as a backup and put the new file in its place (or restore an older backup)`,
    );
  }
  return lines.join('\n');
}

export function describeSalvage(source: string, s: SalvageResult): string {
  const copied = Object.entries(s.copied).map(([table, n]) => `${table} ${n}`).join(', ');
  const lines = [`salvaged ${source} into ${s.target}: copied ${copied || 'nothing'}`];
  for (const [table, left] of Object.entries(s.leftOut)) lines.push(`  left out ${left.count} ${table} row(s): ${left.reason}`);
  if (s.damaged.length > 0) {
    lines.push('not copied, damaged:');
    for (const f of s.damaged) lines.push(`  ${f.where}: ${f.problem}`);
  }
  lines.push(`to use it: keep ${source} as a backup and move ${s.target} to its place (with STBP_HOME or --home pointing at its folder)`);
  return lines.join('\n');
}
