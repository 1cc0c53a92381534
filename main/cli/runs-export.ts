/**
 * `stbp runs export <id> --csv | --json [--batches] [--out <file or dir>]`: a run's metric series as
 * CSV, or the whole run as JSON, built by the same code as the app's downloads (engine/export), from
 * the same values the app is sent (main/api/runs.ts), so both give the same bytes.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../engine/errors';
import { batchSeriesCsv, epochSeriesCsv, runDocument, runFileName, runJson } from '../../engine/export/run-data';
import { runMetrics, runSummary } from '../api/runs';
import type { Store } from '../store/db';
import type { RunRow } from '../store/runs';
import type { CliValues } from './options';

export const EXPORT_USAGE = 'stbp runs export <id> --csv [--batches] | --json [--out <file or dir>]';

interface ExportFile {
  name: string;
  text: string;
  /** Data rows (metric points), for the line that says what was written. */
  rows: number;
}

export async function exportRun(store: Store, row: RunRow, values: CliValues): Promise<number> {
  if (!values.csv && !values.json) throw new EngineError('bad-option', `runs export needs --csv or --json; usage: ${EXPORT_USAGE}`);
  const run = runSummary(store, row, null);
  const metrics = runMetrics(store, row.id);
  const epochs: ExportFile = { name: runFileName(row.id, 'epochs'), text: epochSeriesCsv(metrics.epochs, run), rows: metrics.epochs.length };
  const batches: ExportFile = { name: runFileName(row.id, 'batches'), text: batchSeriesCsv(metrics.batches, run), rows: metrics.batches.length };
  const json: ExportFile = { name: runFileName(row.id, 'json'), text: runJson(runDocument(run, metrics)), rows: metrics.epochs.length + metrics.batches.length };

  const out = values.out;
  if (out !== undefined && isDirectory(out)) {
    mkdirSync(out, { recursive: true });
    const files = [...(values.csv ? [epochs, batches] : []), ...(values.json ? [json] : [])];
    for (const file of files) write(join(out, file.name), file);
    return 0;
  }
  if (values.csv && values.json) {
    throw new EngineError('bad-option', `--csv and --json both ask for a file; allowed: one of them, or both with --out <dir> (usage: ${EXPORT_USAGE})`);
  }
  const file = values.json ? json : values.batches ? batches : epochs;
  if (out === undefined) await writeStdout(file.text);
  else write(out, file);
  return 0;
}

/** An existing folder, or a path ending in a separator (created). */
function isDirectory(path: string): boolean {
  return /[\\/]$/.test(path) || (existsSync(path) && statSync(path).isDirectory());
}

function write(path: string, file: ExportFile): void {
  writeFileSync(path, file.text);
  console.log(`wrote ${path} (${file.rows} ${file.name.endsWith('.json') ? 'metric points' : 'rows'})`);
}

/** Resolves once the text is handed to the OS: `process.exit` right after a write to a pipe may cut it off. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
