/**
 * Node seam shared by the folder-based dataset loaders (N-MNIST, image folders): listing folders
 * with errors that name them, a deterministic file order, and bounded parallel reads.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors';

export interface FolderListing {
  /** Sub-folder names, sorted by `naturalCompare`. */
  dirs: string[];
  /** File names, sorted by `naturalCompare`. */
  files: string[];
}

/**
 * Lists `dir`, skipping hidden entries (".DS_Store", ".ipynb_checkpoints": a classic source of
 * a phantom class). Symbolic links count as what they point to. `what` describes the folder in
 * errors, e.g. "N-MNIST folder".
 */
export async function listFolder(dir: string, what: string): Promise<FolderListing> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('bad-data', `${what} '${dir}' does not exist`);
    if (code === 'ENOTDIR') throw new EngineError('bad-data', `${what} '${dir}' is a file, not a folder`);
    throw new EngineError('bad-data', `${what} '${dir}' cannot be listed: ${(cause as Error).message}`);
  }
  const dirs: string[] = [];
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const isDir = entry.isSymbolicLink() ? (await stat(join(dir, entry.name))).isDirectory() : entry.isDirectory();
    (isDir ? dirs : files).push(entry.name);
  }
  return { dirs: dirs.sort(naturalCompare), files: files.sort(naturalCompare) };
}

/** Does `dir` exist as a folder? */
export async function isFolder(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Orders names as people number files: digit runs compare by value ("2.bin" < "10.bin",
 * "00002" < "00010"), everything else by UTF-16 code unit; full ties ("01" vs "1") fall back to
 * plain order, so the result never depends on the locale or the listing order.
 */
export function naturalCompare(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (isDigits(x) && isDigits(y)) {
      const xv = x.replace(/^0+/, '');
      const yv = y.replace(/^0+/, '');
      if (xv.length !== yv.length) return xv.length - yv.length;
      if (xv !== yv) return xv < yv ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigits(chunk: string): boolean {
  return chunk.charCodeAt(0) >= 48 && chunk.charCodeAt(0) <= 57;
}

/**
 * `fn` over `items` with at most `limit` calls in flight (thousands of small files, no EMFILE);
 * results in order. After a failure nothing new starts; once the calls in flight settle, the
 * error of the lowest failing index is thrown. Every lower index was started earlier and has
 * succeeded, so that is the first bad item in order: the same error whatever the timing.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const failures: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.length === 0) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a)).error;
  return results;
}
