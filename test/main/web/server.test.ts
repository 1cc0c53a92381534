import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../../engine/data/mnist-node';
import { createWorkbench, type Workbench } from '../../../main/api/workbench';
import type { WireToClient } from '../../../main/contract';
import { startWebServer, type WebServer } from '../../../main/web/server';
import { UploadArea } from '../../../main/web/uploads';
import { useFileTemps } from '../services/temp';
import { client, connect, fakeRenderer, http, mnistIdxSlice } from './fixtures';

const { tempDir, tempStore } = useFileTemps();

let workbench: Workbench;
let server: WebServer;
let uploadRoot: string;
let rendererDir: string;
let origin: string;
let wsUrl: string;

beforeAll(async () => {
  const site = tempDir('stbp-web-');
  rendererDir = fakeRenderer(join(site, 'renderer'));
  writeFileSync(join(site, 'secret.txt'), 'do not serve me');
  uploadRoot = tempDir('stbp-uploads-');
  const uploads = new UploadArea({ root: uploadRoot });
  workbench = createWorkbench({ store: tempStore(), mode: 'web', uploads });
  server = await startWebServer({ workbench, rendererDir, uploads });
  origin = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`;
});
afterAll(async () => {
  await server.close();
  await workbench.dispose();
});

const ok = (headers: Record<string, string> = {}) => ({ origin, 'x-workbench-token': server.token, ...headers });

describe('web server', () => {
  it('prints a loopback URL carrying a fresh random token in its fragment', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes, base64url
    const other = await startWebServer({ workbench, rendererDir });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('serves the renderer without the token, under a strict CSP, no sniffing', async () => {
    const page = await http(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>STBP Workbench</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}; img-src 'self' data: blob:; ` +
        "style-src 'self' 'unsafe-inline'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    const script = await http(server.port, '/assets/app.js', { headers: { host: `localhost:${server.port}` } });
    expect(script).toMatchObject({ status: 200, body: 'console.log("workbench");' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await http(server.port, '/missing.js')).status).toBe(404);
    expect((await http(server.port, '/assets')).status).toBe(404); // a folder is not a file
    expect((await http(server.port, '/', { method: 'POST' })).status).toBe(405);
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2F..%2Fsecret.txt', '/..%5csecret.txt', '/%00/index.html'])(
    'never serves a file outside the renderer folder: %s',
    async (path) => {
      const reply = await http(server.port, path);
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.body).not.toContain('do not serve me');
    },
  );

  it('refuses an escape it decodes with 403', async () => {
    expect(await http(server.port, '/..%2fsecret.txt')).toMatchObject({ status: 403, body: "Forbidden: outside the app's files\n" });
  });

  it.each(['evil.example', `evil.example:PORT`, '127.0.0.1', 'localhost:1', '127.0.0.1.nip.io:PORT'])('refuses a request whose Host is %s (DNS rebinding)', async (host) => {
    const reply = await http(server.port, '/', { headers: { host: host.replace('PORT', String(server.port)) } });
    expect(reply.status).toBe(421);
    expect(reply.body).toContain(`127.0.0.1:${server.port} or localhost:${server.port}`);
    const ws = await connect(wsUrl, { origin, host: host.replace('PORT', String(server.port)) });
    expect(ws).toEqual({ refused: 421 });
  });

  it.each<[string, () => [string, Record<string, string>], number]>([
    ['no token', () => [`ws://127.0.0.1:${server.port}/api/ws`, { origin }], 401],
    ['a wrong token', () => [`ws://127.0.0.1:${server.port}/api/ws?token=${server.token.slice(1)}x`, { origin }], 401],
    ['another site as Origin', () => [wsUrl, { origin: 'http://evil.example' }], 403],
    ['the right host on another port as Origin', () => [wsUrl, { origin: 'http://127.0.0.1:1' }], 403],
    ['no Origin', () => [wsUrl, {}], 403],
    ['another path', () => [`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin }], 404],
  ])('refuses the WebSocket upgrade with %s', async (_, args, status) => {
    const [url, headers] = args();
    expect(await connect(url, headers)).toEqual({ refused: status });
  });

  it('answers calls over the WebSocket with their results, errors as values', async () => {
    const opened = await connect(wsUrl, { origin: `http://localhost:${server.port}` });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.refused}`);
    const c = client(opened.ws);
    expect(await c.call(1, 'listDatasets')).toEqual({ id: 1, result: { ok: true, value: [] } });
    const info = await c.call(2, 'getInfo');
    expect(info).toMatchObject({ id: 2, result: { ok: true, value: { mode: 'web', backends: expect.any(Array) } } });
    expect(await c.call(3, 'getRun', 99)).toMatchObject({ id: 3, result: { ok: false, error: { code: 'not-found', message: expect.stringContaining('unknown run 99') } } });
    expect(await c.call(4, 'eraseEverything')).toMatchObject({ id: 4, result: { ok: false, error: { code: 'unknown-method' } } });
    expect(await c.call(5, 'getSamples', { datasetId: 1 })).toMatchObject({ id: 5, result: { ok: false, error: { code: 'bad-request', message: 'getSamples: request.split is missing; allowed: one of "train", "test"' } } });
    opened.ws.close();
  });

  it('answers a malformed message with an error and keeps the connection', async () => {
    const opened = await connect(wsUrl, { origin });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.refused}`);
    const c = client(opened.ws);
    opened.ws.send('{"id": 1, "method": ');
    const reply = await c.next(() => true);
    expect(reply).toMatchObject({ id: -1, result: { ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^the message is not JSON \(.+\); allowed: /) } } });
    opened.ws.send(JSON.stringify({ id: 'seven', method: 'getInfo', args: [] }));
    expect(await c.next((m) => m !== reply)).toMatchObject({ id: -1, result: { ok: false, error: { message: 'the message\'s id is "seven"; allowed: an integer' } } });
    opened.ws.send(JSON.stringify({ id: 8, method: 'getInfo', args: [], extra: 1 }));
    expect(await c.next((m) => 'id' in m && m.id === 8)).toMatchObject({ result: { ok: false, error: { message: 'the message has unknown field(s) extra; allowed: id, method, args' } } });
    expect(await c.call(9, 'listSpecs')).toEqual({ id: 9, result: { ok: true, value: [] } });
    opened.ws.close();
  });

  it('pushes every workbench event to every client', async () => {
    const [a, b] = await Promise.all([connect(wsUrl, { origin }), connect(wsUrl, { origin })]);
    if (!('ws' in a) || !('ws' in b)) throw new Error('refused');
    const ca = client(a.ws);
    const cb = client(b.ws);
    const spec = { layers: [{ className: 'input', config: { shape: [4] } }, { className: 'output', config: { units: 2 } }] };
    expect(await ca.call(1, 'saveSpec', 'tiny', spec)).toMatchObject({ result: { ok: true, value: { name: 'tiny', spec } } });
    const isEvent = (m: WireToClient) => 'event' in m;
    expect(await ca.next(isEvent)).toEqual({ event: { type: 'specs-changed' } });
    expect(await cb.next(isEvent)).toEqual({ event: { type: 'specs-changed' } });
    a.ws.close();
    b.ws.close();
  });
});

describe('uploads', () => {
  it('refuse callers without the token or from another origin', async () => {
    expect((await http(server.port, '/api/uploads', { method: 'POST', headers: { origin } })).status).toBe(401);
    expect((await http(server.port, '/api/uploads', { method: 'POST', headers: ok({ 'x-workbench-token': 'guess' }) })).status).toBe(401);
    expect((await http(server.port, '/api/uploads', { method: 'POST', headers: ok({ origin: 'http://evil.example' }) })).status).toBe(403);
    expect((await http(server.port, '/api/uploads', { method: 'POST', headers: { 'x-workbench-token': server.token } })).status).toBe(403);
    expect((await http(server.port, '/api/uploads', { method: 'GET', headers: ok() })).status).toBe(405);
    expect(readdirSync(uploadRoot)).toEqual([]);
  });

  it('take an IDX slice of real MNIST, import it over the WebSocket, and drop the files after', async () => {
    const created = await http(server.port, '/api/uploads', { method: 'POST', headers: ok() });
    expect(created.status).toBe(201);
    const { uploadId } = JSON.parse(created.body) as { uploadId: string };
    expect(uploadId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const [name, bytes] of Object.entries(mnistIdxSlice(120, 30))) {
      const put = await http(server.port, `/api/uploads/${uploadId}/${encodeURIComponent(`mnist/${name}`)}`, { method: 'PUT', headers: ok(), body: bytes });
      expect(put.status).toBe(204);
    }
    expect(readdirSync(uploadRoot)).toHaveLength(1);

    const opened = await connect(wsUrl, { origin });
    if (!('ws' in opened)) throw new Error('refused');
    const c = client(opened.ws);
    const reply = await c.call(1, 'importDataset', { format: 'idx', name: 'uploaded', source: { kind: 'upload', uploadId: `${uploadId}x` } });
    expect(reply).toMatchObject({ result: { ok: false, error: { code: 'not-found', message: expect.stringContaining('is unknown') } } });
    // A folder upload (every file under mnist/, as a browser sends one): the import reads that folder.
    const imported = await c.call(2, 'importDataset', { format: 'idx', name: 'uploaded', source: { kind: 'upload', uploadId } });
    expect(imported).toMatchObject({ result: { ok: true, value: { name: 'uploaded', kind: 'image', inputShape: [1, 28, 28], trainCount: 120, testCount: 30, classes: 10 } } });
    expect(await c.next((m) => 'event' in m && m.event.type === 'datasets-changed')).toBeTruthy();
    const page = await c.call(3, 'getSamples', { datasetId: (imported as { result: { value: { id: number } } }).result.value.id, split: 'train', offset: 0, count: 3 });
    const mnist = await loadMnist({ limitTrain: 3, limitTest: 1 });
    expect((page as { result: { value: { samples: { label: number }[] } } }).result.value.samples.map((s) => s.label)).toEqual([...mnist.train.labels]);
    expect(readdirSync(uploadRoot)).toEqual([]); // imported: its files are gone
    opened.ws.close();
  });

  it.each([
    ['..%2Fescape', 400],
    ['a%2F..%2F..%2Fescape', 400],
    ['%2Fetc%2Fpasswd', 400],
    ['C%3A%5Cwindows', 400],
    ['a%2F%2Fb', 400],
    ['%E0%A4%A', 400],
  ])('refuse the file path %s', async (path, status) => {
    const { uploadId } = JSON.parse((await http(server.port, '/api/uploads', { method: 'POST', headers: ok() })).body) as { uploadId: string };
    const reply = await http(server.port, `/api/uploads/${uploadId}/${path}`, { method: 'PUT', headers: ok(), body: 'x' });
    expect(reply.status).toBe(status);
    expect(existsSync(join(uploadRoot, '..', 'escape'))).toBe(false);
  });

  it('refuse a file for an unknown upload', async () => {
    const reply = await http(server.port, '/api/uploads/nope/file', { method: 'PUT', headers: ok(), body: 'x' });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'not-found' } });
  });

  it('refuse an upload past its size limit, keeping nothing of the file, and remove every upload on close', async () => {
    const root = tempDir('stbp-small-uploads-');
    const uploads = new UploadArea({ root, maxBytes: 1000 });
    const small = await startWebServer({ workbench, rendererDir, uploads });
    const headers = { origin: `http://127.0.0.1:${small.port}`, 'x-workbench-token': small.token };
    const { uploadId } = JSON.parse((await http(small.port, '/api/uploads', { method: 'POST', headers })).body) as { uploadId: string };
    expect((await http(small.port, `/api/uploads/${uploadId}/a.bin`, { method: 'PUT', headers, body: new Uint8Array(600) })).status).toBe(204);
    const big = await http(small.port, `/api/uploads/${uploadId}/b.bin`, { method: 'PUT', headers, body: new Uint8Array(600) });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ error: { code: 'too-large', message: expect.stringContaining('at most 1000 bytes per upload') } });
    const [folder] = readdirSync(root);
    expect(readdirSync(join(root, folder!))).toEqual(['a.bin']);
    // Replacing a file frees its old size.
    expect((await http(small.port, `/api/uploads/${uploadId}/a.bin`, { method: 'PUT', headers, body: new Uint8Array(900) })).status).toBe(204);
    await small.close();
    expect(readdirSync(root)).toEqual([]);
  });
});
