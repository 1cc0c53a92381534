import type { ImportSource, WireToClient, WireToServer, WorkbenchEvent, WorkbenchMethod } from '../../../main/contract';
import { apiFrom } from './methods';
import { HostError, Listeners, type ChooseOptions, type Host, type HostStatus, type UploadProgress } from './types';

/** The part of the browser WebSocket the client uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

/** Picks files and uploads them, answering the upload id (web mode's import source). */
export interface Uploader {
  pick(kind: 'file' | 'folder', options?: ChooseOptions): Promise<File[] | null>;
  upload(files: File[], onProgress: (progress: UploadProgress) => void): Promise<string>;
}

export interface WebHostOptions {
  /** ws://host/api/ws?token=… */
  url: string;
  socket?: SocketFactory;
  uploader?: Uploader;
  /** Delay before reconnection attempt n (1-based). */
  backoff?: (attempt: number) => number;
  /** How long a call made while disconnected waits for the connection before failing. */
  waitForConnectionMs?: number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  now?: () => number;
}

const OPEN = 1;

/** 0.5 s, 1 s, 2 s, 4 s, then every 8 s. */
export const defaultBackoff = (attempt: number): number => Math.min(8000, 500 * 2 ** Math.max(0, attempt - 1));

interface Pending {
  method: WorkbenchMethod;
  resolve(value: unknown): void;
  reject(error: HostError): void;
  /** Sent on the current socket (else queued until it opens). */
  sent: boolean;
  message: string;
  timer: unknown;
}

/**
 * Web mode: every call is `{id, method, args}` over one WebSocket and is answered `{id, result}`;
 * events arrive as `{event}`. The socket reconnects with backoff; calls made meanwhile wait (up to
 * `waitForConnectionMs`), calls in flight when it dropped fail with `connection-lost`, because
 * whether the server ran them is unknown.
 */
export function createWebHost(options: WebHostOptions): Host & { close(): void } {
  const socketFactory = options.socket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const backoff = options.backoff ?? defaultBackoff;
  const waitMs = options.waitForConnectionMs ?? 20_000;
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  const now = options.now ?? Date.now;

  const events = new Listeners<WorkbenchEvent>();
  const statusListeners = new Listeners<HostStatus>();
  let status: HostStatus = { connection: 'connecting', attempts: 0, retryAt: null, resumedAt: null, upload: null };
  const setStatus = (patch: Partial<HostStatus>): void => {
    status = { ...status, ...patch };
    statusListeners.emit(status);
  };

  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let everOpened = false;
  let closed = false;
  let retryTimer: unknown = null;

  function connect(): void {
    const ws = socketFactory(options.url);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      const resumed = everOpened;
      everOpened = true;
      setStatus({ connection: 'open', attempts: 0, retryAt: null, resumedAt: resumed ? now() : status.resumedAt });
      for (const call of pending.values()) if (!call.sent) send(call);
    };
    ws.onmessage = (message) => {
      if (socket === ws) receive(message.data);
    };
    ws.onerror = () => {
      // The close that follows does the work; browsers give no detail here.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const [id, call] of pending) {
        if (!call.sent) continue;
        pending.delete(id);
        call.reject(new HostError('connection-lost', `${call.method}: the connection to the workbench server was lost before it answered; the call may or may not have run`));
      }
      if (closed) return;
      const attempts = status.attempts + 1;
      const delay = backoff(attempts);
      setStatus({ connection: everOpened ? 'reconnecting' : 'connecting', attempts, retryAt: now() + delay });
      retryTimer = setTimer(() => {
        retryTimer = null;
        if (!closed) connect();
      }, delay);
    };
  }

  function send(call: Pending): void {
    if (!socket || socket.readyState !== OPEN) return;
    socket.send(call.message);
    call.sent = true;
    if (call.timer !== null) clearTimer(call.timer);
    call.timer = null;
  }

  function receive(data: unknown): void {
    let message: WireToClient;
    try {
      message = JSON.parse(String(data)) as WireToClient;
    } catch {
      console.warn('web host: a message that is not JSON was ignored');
      return;
    }
    if ('event' in message) {
      events.emit(message.event);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    const result = message.result;
    if (result && result.ok) call.resolve(result.value);
    else if (result && !result.ok) call.reject(new HostError(result.error.code, result.error.message));
    else call.reject(new HostError('bad-answer', `${call.method}: the server answered ${JSON.stringify(message)}, not a Result`));
  }

  function call(method: WorkbenchMethod, args: unknown[]): Promise<unknown> {
    if (closed) return Promise.reject(new HostError('closed', `${method}: the connection is closed`));
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const wire: WireToServer = { id, method, args };
      const entry: Pending = { method, resolve, reject, sent: false, message: JSON.stringify(wire), timer: null };
      pending.set(id, entry);
      if (socket && socket.readyState === OPEN) {
        send(entry);
        return;
      }
      entry.timer = setTimer(() => {
        if (pending.get(id) !== entry || entry.sent) return;
        pending.delete(id);
        reject(new HostError('disconnected', `${method}: no connection to the workbench server for ${Math.round(waitMs / 1000)} s; is it still running? (it keeps retrying)`));
      }, waitMs);
    });
  }

  const api = apiFrom(call);
  connect();

  return {
    ...api,
    mode: 'web',
    // Web mode has no native dialog; the server says `unavailable` too, but this is clearer.
    pickPaths: async () => {
      throw new HostError('unavailable', 'pickPaths: there is no native file dialog in web mode; files are uploaded instead');
    },
    onEvent: (listener) => events.add(listener),
    onStatus(listener) {
      listener(status);
      return statusListeners.add(listener);
    },
    async chooseImportSource(kind, choose): Promise<ImportSource | null> {
      if (!options.uploader) throw new HostError('unavailable', 'uploads are not available in this window');
      const files = await options.uploader.pick(kind, choose);
      if (!files || files.length === 0) return null;
      try {
        const uploadId = await options.uploader.upload(files, (upload) => setStatus({ upload }));
        return { kind: 'upload', uploadId };
      } finally {
        setStatus({ upload: null });
      }
    },
    close() {
      closed = true;
      if (retryTimer !== null) clearTimer(retryTimer);
      socket?.close(1000, 'closed by the page');
    },
  };
}
