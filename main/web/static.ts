/** The built renderer's files, read-only, from one folder and nothing outside it. */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function refuse(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers }).end(`${text}\n`);
}

/** Is `path` the folder `root` or inside it (both absolute and resolved)? */
function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * GET or HEAD of a file under `rootDir`: `/` is index.html. The decoded path is resolved and must
 * stay inside the folder, also after symbolic links are followed; anything else is 403 or 404.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, rootDir: string, pathname: string, csp: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET and HEAD are served here', { allow: 'GET, HEAD' });
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return refuse(res, 400, 'the path is not valid percent-encoding');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return refuse(res, 400, 'the path holds a NUL or a backslash');
  const root = resolve(rootDir);
  const file = resolve(root, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  if (!inside(root, file)) return refuse(res, 403, "Forbidden: outside the app's files");
  let real: string;
  let size: number;
  try {
    real = await realpath(file);
    const info = await stat(real);
    if (!info.isFile()) return refuse(res, 404, `not found: ${pathname}`);
    size = info.size;
  } catch {
    return refuse(res, 404, `not found: ${pathname}`);
  }
  if (!inside(await realpath(root), real)) return refuse(res, 403, "Forbidden: outside the app's files");
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(size),
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  try {
    await pipeline(createReadStream(real), res);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e; // else the browser went away mid-file
  }
}
