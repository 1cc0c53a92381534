/**
 * Hostile files and clients against the real web server: imports of folders holding FIFOs (which
 * once held every file-system thread of the process, stalling page loads and Ctrl-C), a spec nested
 * 1000 levels deep, uploads past the cap (announced and chunked), and a client that stops reading.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { encodeNmnist } from '../../../engine/data/nmnist';
import { MAX_JSON_DEPTH } from '../../../main/api/schema';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { WireToClient } from '../../../main/contract';
import { startWebServer, type WebServer } from '../../../main/web/server';
import { UploadArea } from '../../../main/web/uploads';
import { makeHostile, releaseHostiles, within } from '../../helpers/hostile-files';
import { useFileTemps } from '../services/temp';
import { client, connect, fakeRenderer, http, mnistIdxSlice } from './fixtures';

const { tempDir, tempStore } = useFileTemps();

let workbench: Workbench;
let server: WebServer;
let uploadRoot: string;
let origin: string;
let wsUrl: string;
const MAX_UPLOAD = 1000;
const MAX_UNREAD = 1 << 20;

beforeAll(async () => {
  const rendererDir = fakeRenderer(join(tempDir('stbp-web-hostile-'), 'renderer'));
  uploadRoot = tempDir('stbp-uploads-');
  const uploads = new UploadArea({ root: uploadRoot, maxBytes: MAX_UPLOAD });
  workbench = createWorkbench({ store: tempStore(), mode: 'web', uploads });
  server = await startWebServer({ workbench, rendererDir, uploads, maxUnreadBytes: MAX_UNREAD });
  origin = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`;
});
afterEach(releaseHostiles);
afterAll(async () => {
  await server.close();
  await workbench.dispose();
});

async function open(): Promise<{ ws: WebSocket; c: ReturnType<typeof client> }> {
  const opened = await connect(wsUrl, { origin });
  if (!('ws' in opened)) throw new Error(`refused: ${opened.refused}`);
  return { ws: opened.ws, c: client(opened.ws) };
}

const recording = encodeNmnist({ count: 2, x: Uint8Array.of(1, 2), y: Uint8Array.of(3, 4), p: Uint8Array.of(0, 1), t: Uint32Array.of(5, 6) });

/** An N-MNIST folder whose one recording per split and class is a FIFO: a read of it would wait forever. */
async function nmnistWithFifos(): Promise<string> {
  const root = tempDir('stbp-fifo-nmnist-');
  for (const split of ['Train', 'Test']) {
    for (const digit of ['0', '1']) {
      mkdirSync(join(root, split, digit), { recursive: true });
      writeFileSync(join(root, split, digit, '1.bin'), recording);
      await makeHostile('fifo', join(root, split, digit, '2.bin'));
    }
  }
  return root;
}

describe('imports of folders holding FIFOs', () => {
  it('four at once are refused, naming the FIFO, and the server still serves pages and calls meanwhile', async () => {
    const { ws, c } = await open();
    const roots = await Promise.all([1, 2, 3, 4].map(() => nmnistWithFifos()));
    // libuv has four file-system threads: four reads blocked on FIFOs used to hold all of them.
    const replies = roots.map((root, i) => c.call(10 + i, 'importDataset', { format: 'nmnist', name: `fifo-${i}`, source: { kind: 'path', path: root } }));
    const page = await within(http(server.port, '/'), 2000, 'GET / during four hostile imports');
    expect(page.status).toBe(200);
    const script = await within(http(server.port, '/assets/app.js'), 2000, 'GET /assets/app.js during four hostile imports');
    expect(script.status).toBe(200);
    for (const [i, reply] of (await within(Promise.all(replies), 2000, 'four FIFO imports')).entries()) {
      expect(reply).toMatchObject({ result: { ok: false, error: { code: 'bad-data', message: expect.stringContaining(`N-MNIST recording '${join(roots[i]!, 'Train', '0', '2.bin')}' is a FIFO (named pipe)`) } } });
    }
    expect(await within(c.call(20, 'listDatasets'), 2000, 'listDatasets after the imports')).toMatchObject({ result: { ok: true, value: [] } });
    ws.close();
  });

  it('leave nothing that keeps a server from closing (Ctrl-C): close takes moments', async () => {
    const uploads = new UploadArea({ root: tempDir('stbp-uploads-') });
    const other = await startWebServer({ workbench, rendererDir: fakeRenderer(join(tempDir('stbp-web-other-'), 'renderer')), uploads });
    const opened = await connect(`ws://127.0.0.1:${other.port}/api/ws?token=${other.token}`, { origin: `http://127.0.0.1:${other.port}` });
    if (!('ws' in opened)) throw new Error('refused');
    const c = client(opened.ws);
    const roots = await Promise.all([1, 2, 3, 4].map(() => nmnistWithFifos()));
    await within(Promise.all(roots.map((root, i) => c.call(i + 1, 'importDataset', { format: 'nmnist', name: `fifo-${i}`, source: { kind: 'path', path: root } }))), 2000, 'four FIFO imports');
    await within(other.close(), 2000, 'closing the server after four FIFO imports');
  });
});

/** `{a: {a: … {} … }}`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

describe('a spec nested 1000 levels deep', () => {
  it('is refused at validation with a clear error, for saveSpec and startRun, and nothing is logged', async () => {
    const logged = vi.spyOn(console, 'error');
    const { ws, c } = await open();
    const spec = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 10, extra: nested(1000) } }] };
    const saved = await c.call(1, 'saveSpec', 'deep', spec);
    const message = `saveSpec: spec.layers[1].config nests deeper than ${MAX_JSON_DEPTH} levels; allowed: objects and arrays at most ${MAX_JSON_DEPTH} levels deep`;
    expect(saved).toEqual({ id: 1, result: { ok: false, error: { code: 'bad-request', message } } });
    const settings = { epochs: 1, steps: 4, batchSize: 10, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 1 };
    const started = await c.call(2, 'startRun', { datasetId: 1, spec, settings, seed: 1, backend: 'wasm' });
    expect(started).toMatchObject({ result: { ok: false, error: { code: 'bad-request', message: expect.stringContaining('startRun: request.spec.layers[1].config nests deeper than') } } });
    const wide = await c.call(3, 'importDataset', { format: 'idx', name: 'wide', options: { classNames: Array.from({ length: 200_000 }, () => 'x') } });
    expect(wide).toMatchObject({ result: { ok: false, error: { code: 'bad-request', message: expect.stringContaining('request.options holds more than 100000 values') } } });
    expect(logged).not.toHaveBeenCalled();
    logged.mockRestore();
    ws.close();
  });
});

/** Sends only the request's headers (no byte of its body) and resolves with the reply. */
function headersOnly(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'PUT', headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('uploads past the cap', () => {
  const ok = () => ({ origin, 'x-workbench-token': server.token });
  const newUpload = async () => (JSON.parse((await http(server.port, '/api/uploads', { method: 'POST', headers: ok() })).body) as { uploadId: string }).uploadId;

  it('one announcing more than the cap is refused from its headers (413), before any byte of it is sent', async () => {
    const uploadId = await newUpload();
    const reply = await within(headersOnly(`/api/uploads/${uploadId}/big.bin`, { ...ok(), 'content-length': String(5 * 2 ** 30) }), 2000, 'a 5 GiB upload whose body never comes');
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({
      error: { code: 'too-large', message: `upload: "big.bin" announces ${5 * 2 ** 30} bytes (its Content-Length), more than the upload has left; allowed: at most ${MAX_UPLOAD} bytes per upload` },
    });
    expect(readdirSync(uploadRoot).flatMap((dir) => readdirSync(join(uploadRoot, dir)))).not.toContain('big.bin');
  });

  it('a chunked one (no Content-Length) is refused as it passes the cap, keeping nothing of it', async () => {
    const uploadId = await newUpload();
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/api/uploads/${uploadId}/chunked.bin`, method: 'PUT', headers: { host: `127.0.0.1:${server.port}`, ...ok(), 'transfer-encoding': 'chunked' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(new Uint8Array(400));
      req.end();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'too-large', message: expect.stringContaining(`allowed: at most ${MAX_UPLOAD} bytes per upload`) } });
    expect(readdirSync(uploadRoot).some((dir) => existsSync(join(uploadRoot, dir, 'chunked.bin')))).toBe(false);
  });
});

describe('a client that stops reading', () => {
  it('is dropped once its unread replies pass the bound, saying so in the log; others are served', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ws: reader, c: readerClient } = await open();
    const files = mnistIdxSlice(200, 10);
    const folder = tempDir('stbp-idx-');
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(folder, name), bytes);
    const imported = (await readerClient.call(1, 'importDataset', { format: 'idx', name: 'slice', source: { kind: 'path', path: folder } })) as { result: { value: { id: number } } };
    const datasetId = imported.result.value.id;

    const { ws: stalled } = await open();
    const socket = (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause(); // reads nothing more: the kernel's buffers fill, then the server's
    const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    // Each reply is ~840 KB (200 thumbnails as base64 RGBA); 100 of them are far past every buffer.
    for (let id = 1; id <= 100; id++) stalled.send(JSON.stringify({ id, method: 'getSamples', args: [{ datasetId, split: 'train', offset: 0, count: 200 }] }));
    await within(vi.waitFor(() => expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^web: dropped a client that stopped reading: \d+ bytes of replies and events were waiting for it \(at most 1048576\)$/)), { timeout: 20_000, interval: 50 }), 30_000, 'the drop');
    socket.resume();
    await within(closed, 5000, 'the dropped client seeing its connection close');
    const page = (await readerClient.call(2, 'getSamples', { datasetId, split: 'test', offset: 0, count: 2 })) as WireToClient;
    expect(page).toMatchObject({ result: { ok: true, value: { total: 10 } } });
    logged.mockRestore();
    reader.close();
  });
});
