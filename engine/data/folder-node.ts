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
 * a phantom class). Symbolic links count as what they point to; one whose target is missing, and
 * any entry that is not a folder (a FIFO, a socket, a device), is listed as a file, for the reader
 * to refuse by name (regular-file-node.ts). Names are read as bytes: one that is not UTF-8 could
 * not be opened by its decoded name, so it is refused here, shown byte by byte. `what` describes
 * the folder in errors, e.g. "N-MNIST folder".
 */
export async function listFolder(dir: string, what: string): Promise<FolderListing> {
  let entries: Dirent<Buffer>[];
  try {
    entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('bad-data', `${what} '${dir}' does not exist`);
    if (code === 'ENOTDIR') throw new EngineError('bad-data', `${what} '${dir}' is a file, not a folder`);
    throw new EngineError('bad-data', `${what} '${dir}' cannot be listed: ${(cause as Error).message}`);
  }
  const dirs: string[] = [];
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name[0] === 0x2e) continue; // '.'
    const name = utf8Name(entry.name, dir, what);
    const isDir = entry.isSymbolicLink() ? await stat(join(dir, name)).then((s) => s.isDirectory(), () => false) : entry.isDirectory();
    (isDir ? dirs : files).push(name);
  }
  return { dirs: dirs.sort(naturalCompare), files: files.sort(naturalCompare) };
}

/** The name as text, if its bytes are UTF-8 (decoding them back gives the same bytes). */
function utf8Name(bytes: Buffer, dir: string, what: string): string {
  const name = bytes.toString('utf8');
  if (Buffer.from(name, 'utf8').equals(bytes)) return name;
  const shown = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  throw new EngineError(
    'bad-data',
    `${what} '${dir}' holds an entry whose name is not UTF-8: "${shown}" (bytes shown as \\xNN); ` +
      'allowed: UTF-8 file and folder names: rename it (e.g. `convmv -f latin1 -t utf8 --notest <name>`) or move it out of the folder',
  );
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
