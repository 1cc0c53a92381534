/**
 * Node seam: opening a dataset's files safely. A dataset folder is someone else's, and not every
 * entry in it is a file: a read of a FIFO waits for a writer forever (and holds one of libuv's four
 * file-system threads while it waits, so four of them stall every file operation of the process),
 * /dev/zero never ends, a socket cannot be read at all. Every dataset reader opens files here:
 *
 * 1. the entry, and the target of a symbolic link, must be a regular file (else the error names
 *    the entry and what it is); nothing else is ever opened, so no device sees an open();
 * 2. the open is non-blocking (O_NONBLOCK), so a FIFO swapped in after that check cannot block it,
 *    and the opened file is checked again (fstat) before any read;
 * 3. at most the size it had then is read, and a size past the format's cap is refused first.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, stat, type FileHandle } from 'node:fs/promises';
import { EngineError } from '../errors';

export interface RegularFileOptions {
  /** What the file is, for messages: "IDX file", "N-MNIST recording", "image". */
  what: string;
  /** The most bytes one such file may hold; a bigger one is refused before any byte is read. */
  maxBytes: number;
}

/** O_NONBLOCK does not exist on Windows, which has no FIFOs to fear. */
const NON_BLOCKING_READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What an entry is, worded for a message ("a FIFO (named pipe)"). */
export function entryKind(s: Stats): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

function refuse(what: string, path: string, problem: string): never {
  throw new EngineError('bad-data', `${what} '${path}' ${problem}`);
}

/** The error of a failed stat or open, naming the file; a replacement character hints at a name that is not UTF-8. */
function accessError(what: string, path: string, cause: unknown): never {
  const code = (cause as NodeJS.ErrnoException).code;
  const hint = path.includes('\uFFFD') ? ' (its name holds \uFFFD, which may stand for bytes that are not UTF-8: rename it)' : '';
  if (code === 'ENOENT') refuse(what, path, `does not exist${hint}`);
  if (code === 'EACCES' || code === 'EPERM') refuse(what, path, 'cannot be read: permission denied');
  if (code === 'ELOOP') refuse(what, path, 'is a loop of symbolic links');
  refuse(what, path, `cannot be read (${(cause as Error).message})`);
}

function notRegular(what: string, path: string, kind: string): never {
  refuse(what, path, `is ${kind}, not a regular file; allowed: regular files only (move it out of the folder)`);
}

/**
 * Checks that `path` is a regular file, or a symbolic link to one, without opening it. Returns
 * its size. Used on its own for files named by the user before they are read.
 */
export async function checkRegularFile(path: string, what: string): Promise<number> {
  let entry: Stats;
  try {
    entry = await lstat(path);
  } catch (cause) {
    accessError(what, path, cause);
  }
  if (!entry.isSymbolicLink()) {
    if (!entry.isFile()) notRegular(what, path, entryKind(entry));
    return entry.size;
  }
  let target: Stats;
  try {
    target = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') refuse(what, path, `is a symbolic link to '${await readlink(path).catch(() => '?')}', which does not exist`);
    accessError(what, path, cause);
  }
  if (!target.isFile()) notRegular(what, path, `a symbolic link to '${await readlink(path).catch(() => '?')}', ${entryKind(target)}`);
  return target.size;
}

function refuseSize(what: string, path: string, size: number, maxBytes: number): void {
  if (size > maxBytes) refuse(what, path, `is ${size} bytes (${mib(size)}); allowed: at most ${maxBytes} bytes (${mib(maxBytes)}) for one ${what}`);
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Opens `path` as a regular file of at most `opts.maxBytes` bytes; returns the handle (the
 * caller closes it) and the size the opened file has, which is all a reader should read.
 */
export async function openRegularFile(path: string, opts: RegularFileOptions): Promise<{ file: FileHandle; size: number }> {
  refuseSize(opts.what, path, await checkRegularFile(path, opts.what), opts.maxBytes);
  let file: FileHandle;
  try {
    file = await open(path, NON_BLOCKING_READ);
  } catch (cause) {
    accessError(opts.what, path, cause);
  }
  try {
    const opened = await file.stat();
    if (!opened.isFile()) notRegular(opts.what, path, `${entryKind(opened)} (replaced after it was checked)`);
    refuseSize(opts.what, path, opened.size, opts.maxBytes);
    return { file, size: opened.size };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** The whole of a regular file of at most `opts.maxBytes` bytes (see `openRegularFile`). */
export async function readRegularFile(path: string, opts: RegularFileOptions): Promise<Buffer> {
  const { file, size } = await openRegularFile(path, opts);
  try {
    return await readExactly(file, path, 0, size);
  } finally {
    await file.close();
  }
}

/** `length` bytes from `position`: `FileHandle.read` may return fewer than asked, so it loops. */
export async function readExactly(file: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(out, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      throw new EngineError('bad-data', `'${path}' ended at byte ${position + filled} while ${position + length} were expected; was it changed while being read?`);
    }
    filled += bytesRead;
  }
  return out;
}
