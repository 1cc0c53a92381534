/**
 * Files a dataset folder should not hold, made for tests: a FIFO, a socket, a symbolic link to a
 * device, a sparse file of any size, a name that is not UTF-8; and a time bound for operations
 * that, reading them, would otherwise never finish.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

export type HostileKind = 'fifo' | 'socket' | 'dev-zero';

/** What a refusal names for each kind (the entry's kind, as the readers word it). */
export const HOSTILE_WORDS: Readonly<Record<HostileKind, string>> = {
  fifo: 'is a FIFO (named pipe)',
  socket: 'is a socket',
  'dev-zero': "is a symbolic link to '/dev/zero', a character device",
};

const servers: Server[] = [];
const fifos: string[] = [];

/** Puts an entry of `kind` at `path` (which must not exist yet). */
export async function makeHostile(kind: HostileKind, path: string): Promise<void> {
  if (kind === 'fifo') {
    execFileSync('mkfifo', [path]);
    fifos.push(path);
  } else if (kind === 'dev-zero') {
    symlinkSync('/dev/zero', path);
  } else {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
  }
}

/**
 * Closes the sockets and unblocks any read still waiting on a FIFO (a reader blocked in open()
 * gets a writer that closes at once: end of file), so a regression fails its test instead of
 * leaving the test process with blocked threads.
 */
export async function releaseHostiles(): Promise<void> {
  for (const path of fifos.splice(0)) {
    if (!existsSync(path)) continue;
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is reading it, nothing to unblock
    }
  }
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
}

/** A sparse file of `bytes` bytes (no disk blocks): a file past a size cap, cheaply. */
export function sparseFile(path: string, bytes: number): void {
  writeFileSync(path, '');
  truncateSync(path, bytes);
}

/** Writes `data` to `dir`/`name` where `name` is raw bytes (e.g. Latin-1, not UTF-8). */
export function writeBytesNamed(dir: string, name: Uint8Array, data: Uint8Array | string = ''): void {
  writeFileSync(Buffer.concat([Buffer.from(`${join(dir)}/`), name]), data);
}

/** Resolves with `promise`'s outcome, or rejects if it is still pending after `ms` (it keeps running). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms (it should be refused at once)`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
