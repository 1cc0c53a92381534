/**
 * Files a browser uploads for a dataset import (web mode has no access to the user's disk through
 * the page, so the files come to the server). Each upload is a temp folder; a file's relative path
 * is kept (`Train/3/00012.bin`), so folder formats import from it as from the original. Uploads
 * are dropped once imported and all of them when the server stops.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../engine/errors';
import { badRequest, notFound } from '../api/errors';
import type { UploadResolver } from '../api/workbench';

/** Bytes one upload may hold: a dataset, not a disk. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;
const MAX_PATH_LENGTH = 1024;

interface Upload {
  dir: string;
  /** Relative path → bytes written. */
  files: Map<string, number>;
  bytes: number;
}

export class UploadArea implements UploadResolver {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly opts: { maxBytes?: number; root?: string } = {}) {}

  get maxBytes(): number {
    return this.opts.maxBytes ?? MAX_UPLOAD_BYTES;
  }

  /** A new, empty upload; returns its id (unguessable: it names a folder of someone's files). */
  async create(): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    const dir = await mkdtemp(join(this.opts.root ?? tmpdir(), 'stbp-upload-'));
    this.uploads.set(id, { dir, files: new Map(), bytes: 0 });
    return id;
  }

  /**
   * Writes one file of an upload from a stream. The path is relative, '/'-separated, with no '.',
   * '..' or empty segments; writing a path again replaces that file. An upload that would grow past
   * `maxBytes` is refused ('too-large'): from `announcedBytes` (an HTTP Content-Length) before any
   * byte is read, else as the bytes arrive (a chunked body), the partial file then removed.
   */
  async write(uploadId: string, relativePath: string, body: Readable, announcedBytes?: number): Promise<void> {
    const upload = this.require(uploadId, 'upload');
    const rel = checkRelativePath(relativePath);
    const max = this.maxBytes;
    if (announcedBytes !== undefined && upload.bytes - (upload.files.get(rel) ?? 0) + announcedBytes > max) {
      throw tooLarge(max, `${JSON.stringify(rel)} announces ${announcedBytes} bytes (its Content-Length), more than the upload has left`);
    }
    const target = join(upload.dir, ...rel.split('/'));
    upload.bytes -= upload.files.get(rel) ?? 0;
    upload.files.delete(rel);
    await mkdir(dirname(target), { recursive: true });
    let written = 0;
    // Counted as the bytes arrive, so parallel writes to one upload share its limit.
    const count = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        written += chunk.length;
        upload.bytes += chunk.length;
        if (upload.bytes > max) throw tooLarge(max, 'the files add up to more than that');
        yield chunk;
      }
    };
    try {
      await pipeline(body, count, createWriteStream(target));
    } catch (e) {
      upload.bytes -= written;
      await rm(target, { force: true });
      throw e;
    }
    upload.files.set(rel, written);
  }

  /** The upload as an import path: its one file, its one top folder, or its own folder. */
  resolve(uploadId: string): string {
    const upload = this.require(uploadId, 'importDataset');
    if (upload.files.size === 0) throw badRequest(`importDataset: upload ${JSON.stringify(uploadId)} has no files yet; allowed: an upload whose files were sent (PUT /api/uploads/<id>/<path>)`);
    const paths = [...upload.files.keys()].map((p) => p.split('/'));
    if (paths.length === 1) return join(upload.dir, ...paths[0]!);
    // A browser's folder upload names every file under the folder picked ("mnist/train-…"): that folder is the dataset.
    const top = paths[0]![0]!;
    if (paths.every((p) => p.length > 1 && p[0] === top)) return join(upload.dir, top);
    return upload.dir;
  }

  async release(uploadId: string): Promise<void> {
    const upload = this.uploads.get(uploadId);
    if (!upload) return;
    this.uploads.delete(uploadId);
    await rm(upload.dir, { recursive: true, force: true });
  }

  /** Removes every upload's folder. */
  async dispose(): Promise<void> {
    await Promise.all([...this.uploads.keys()].map((id) => this.release(id)));
  }

  private require(uploadId: string, where: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload) {
      throw notFound(`${where}: upload ${JSON.stringify(uploadId)} is unknown (uploads last until imported or until the server stops); allowed: an uploadId from POST /api/uploads`);
    }
    return upload;
  }
}

function tooLarge(max: number, why: string): EngineError {
  return new EngineError('too-large', `upload: ${why}; allowed: at most ${max} bytes per upload`);
}

/** A relative path inside the upload, '/'-separated; anything that could step outside it is refused. */
export function checkRelativePath(path: string): string {
  const refuse = (why: string): never => {
    throw badRequest(`upload: path ${JSON.stringify(path.slice(0, 200))} ${why}; allowed: a relative path like "train-images-idx3-ubyte" or "Train/3/00012.bin"`);
  };
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) refuse(`has ${path.length} characters (1 to ${MAX_PATH_LENGTH})`);
  if (path.includes('\0')) refuse('contains a NUL character');
  if (path.includes('\\')) refuse("contains '\\\\' (use '/')");
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) refuse('is absolute');
  const bad = path.split('/').find((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad !== undefined) refuse(bad === '' ? 'has an empty segment' : `has a '${bad}' segment`);
  return path;
}
