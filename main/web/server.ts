/**
 * Web mode: the renderer served to a browser on this machine, the contract carried over a
 * WebSocket. Loopback only, and every request must prove it comes from the page we served:
 *
 * - bound to 127.0.0.1; the Host header must name it (or localhost) with our port, so a page on
 *   another site whose DNS now points at 127.0.0.1 (DNS rebinding) is refused;
 * - a random token per launch, handed to the user in the URL's fragment (never sent to a server,
 *   never in logs or Referer), which the page sends with the WebSocket upgrade and uploads;
 * - the WebSocket and the upload endpoints also check Origin, so another site's page cannot use
 *   them even with the token;
 * - static files under a strict CSP, with no way out of the renderer folder.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EngineError } from '../../engine/errors';
import { wireCode } from '../api/errors';
import { dispatch } from '../api/validate';
import type { Workbench } from '../api/workbench';
import type { WireToClient, WorkbenchEvent } from '../contract';
import { serveStatic } from './static';
import type { UploadArea } from './uploads';

export interface WebServerOptions {
  workbench: Workbench;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Default: 24 random bytes, base64url. */
  token?: string;
  /** Where browser uploads go; without it the upload endpoints answer 404. */
  uploads?: UploadArea;
  /** Replies and events a client may leave unread before it is dropped; default `MAX_UNREAD_BYTES`. */
  maxUnreadBytes?: number;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/#token=TOKEN`: what the user opens. */
  url: string;
  port: number;
  token: string;
  /** Closes every connection and removes the uploads; the workbench is the caller's to dispose. */
  close(): Promise<void>;
}

/** Big enough for any call's arguments; results are not limited. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** A client this far behind stops getting per-batch events (it can read the metrics instead). */
const SLOW_CLIENT_BYTES = 16 * 1024 * 1024;
/**
 * A client this far behind is dropped: what it leaves unread waits in the server's memory, so a
 * client that stops reading (a frozen tab, a hostile script) would otherwise grow it without bound.
 * The page reconnects on its own. A client that reads drains even the biggest reply (a long conv
 * run's probes: tens of MB) in moments over loopback, far below this.
 */
export const MAX_UNREAD_BYTES = 256 * 1024 * 1024;
const TOKEN_HEADER = 'x-workbench-token';

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenDigest = digest(token);
  const tokenMatches = (given: unknown): boolean => typeof given === 'string' && timingSafeEqual(digest(given), tokenDigest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = 0;
  const hostOk = (req: IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const originOk = (req: IncomingMessage) => req.headers.origin === `http://127.0.0.1:${port}` || req.headers.origin === `http://localhost:${port}`;
  // 'wasm-unsafe-eval' lets the page's workers compile WebAssembly (the engine's kernels run a model
  // in "Try it"); it allows no JavaScript eval. Workers come from this origin only.
  const csp =
    () => `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; img-src 'self' data: blob:; ` +
      "style-src 'self' 'unsafe-inline'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!(e instanceof EngineError)) console.error('web: request failed:', e);
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) return sendText(res, 421, `Misdirected request: this server answers only to 127.0.0.1:${port} or localhost:${port}`);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api/uploads' || url.pathname.startsWith('/api/uploads/')) return handleUpload(req, res, url.pathname);
    if (url.pathname.startsWith('/api/')) return sendText(res, 404, `no such endpoint: ${url.pathname}`);
    return serveStatic(req, res, opts.rendererDir, url.pathname, csp());
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!originOk(req)) return sendText(res, 403, "Forbidden: uploads are accepted from the workbench's own page only");
    if (!tokenMatches(req.headers[TOKEN_HEADER])) return sendText(res, 401, `Unauthorized: the ${TOKEN_HEADER} header must carry this launch's token`);
    const uploads = opts.uploads;
    if (!uploads) return sendText(res, 404, 'uploads are not enabled on this server');
    if (path === '/api/uploads') {
      if (req.method !== 'POST') return sendText(res, 405, 'use POST to start an upload', { allow: 'POST' });
      return sendJson(res, 201, { uploadId: await uploads.create() });
    }
    const match = /^\/api\/uploads\/([A-Za-z0-9_-]+)\/(.+)$/.exec(path);
    if (!match) return sendText(res, 404, 'upload a file with PUT /api/uploads/<uploadId>/<url-encoded relative path>');
    if (req.method !== 'PUT') return sendText(res, 405, 'use PUT to send a file', { allow: 'PUT' });
    let relative: string;
    try {
      relative = decodeURIComponent(match[2]!);
    } catch {
      return sendText(res, 400, `the path ${JSON.stringify(match[2])} is not valid percent-encoding`);
    }
    const announced = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    await uploads.write(match[1]!, relative, req, announced);
    res.writeHead(204).end();
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (!hostOk(req)) return refuse(421, 'Misdirected Request');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/api/ws') return refuse(404, 'Not Found');
    if (!originOk(req)) return refuse(403, 'Forbidden');
    if (!tokenMatches(url.searchParams.get('token'))) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      void answer(isBinary ? undefined : String(data)).then((reply) => send(ws, JSON.stringify(reply)));
    });
  });

  async function answer(text: string | undefined): Promise<WireToClient> {
    const call = parseCall(text);
    if ('error' in call) return { id: call.id, result: { ok: false, error: call.error } };
    return { id: call.id, result: await dispatch(opts.workbench.api, call.method, call.args) };
  }

  const unsubscribe = opts.workbench.onEvent((event: WorkbenchEvent) => {
    const message = JSON.stringify({ event } satisfies WireToClient);
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (event.type === 'run-batch' && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue;
      send(ws, message);
    }
  });

  const maxUnread = opts.maxUnreadBytes ?? MAX_UNREAD_BYTES;
  /** Sends unless the client has stopped reading: past `maxUnread` bytes waiting for it, it is dropped. */
  function send(ws: WebSocket, message: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxUnread) {
      console.error(`web: dropped a client that stopped reading: ${ws.bufferedAmount} bytes of replies and events were waiting for it (at most ${maxUnread})`);
      ws.terminate();
      return;
    }
    ws.send(message);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await opts.uploads?.dispose();
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A WireToServer message, or the error to answer it with (id -1 when its id cannot be read). */
function parseCall(text: string | undefined): { id: number; method: unknown; args: unknown } | { id: number; error: { code: string; message: string } } {
  const bad = (id: number, message: string) => ({ id, error: { code: 'bad-request', message } });
  if (text === undefined) return bad(-1, 'a binary message; allowed: JSON text {"id", "method", "args"}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return bad(-1, `the message is not JSON (${(e as Error).message}); allowed: {"id": <integer>, "method": <name>, "args": [...]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad(-1, 'the message is not an object; allowed: {"id", "method", "args"}');
  const message = parsed as Record<string, unknown>;
  const id = message.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return bad(-1, `the message's id is ${JSON.stringify(id) ?? 'missing'}; allowed: an integer`);
  const unknown = Object.keys(message).filter((k) => !['id', 'method', 'args'].includes(k));
  if (unknown.length) return bad(id, `the message has unknown field(s) ${unknown.join(', ')}; allowed: id, method, args`);
  return { id, method: message.method, args: message.args ?? [] };
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers }).end(`${text}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

const STATUS_OF: Readonly<Record<string, number>> = { 'bad-request': 400, 'not-found': 404, 'too-large': 413 };

function sendError(res: ServerResponse, e: unknown): void {
  const error = e instanceof EngineError ? { code: wireCode(e.code), message: e.message } : { code: 'internal', message: 'internal error' };
  // The request body may be unread (a refused upload): close rather than read the rest.
  res.setHeader('connection', 'close');
  sendJson(res, STATUS_OF[error.code] ?? (error.code === 'internal' ? 500 : 400), { error });
}
