import { describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../../main/contract';
import { HostError, type HostStatus } from '../../../renderer/src/host/types';
import { createWebHost, defaultBackoff, type SocketLike } from '../../../renderer/src/host/web';

/** A WebSocket the test drives: it records what the page sends and plays the server's part. */
class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readyState = 0;
  sent: { id: number; method: string; args: unknown[] }[] = [];
  constructor(readonly url: string) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  reply(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

/** Timers the test fires by hand. */
function manualTimers() {
  let next = 1;
  const timers = new Map<number, { run: () => void; ms: number }>();
  return {
    setTimer: (run: () => void, ms: number) => {
      const id = next++;
      timers.set(id, { run, ms });
      return id;
    },
    clearTimer: (id: unknown) => void timers.delete(id as number),
    pending: () => [...timers.values()].map((t) => t.ms),
    /** Runs the timers armed with this delay. */
    fire(ms: number) {
      for (const [id, t] of [...timers.entries()]) {
        if (t.ms !== ms) continue;
        timers.delete(id);
        t.run();
      }
    },
  };
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers = manualTimers();
  const host = createWebHost({
    url: 'ws://127.0.0.1:1234/api/ws?token=abc',
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
    now: () => 1000,
    waitForConnectionMs: 5000,
  });
  const statuses: HostStatus[] = [];
  host.onStatus((s) => statuses.push(s));
  return { host, sockets, timers, statuses, socket: () => sockets[sockets.length - 1]! };
}


describe('web host protocol', () => {
  it('connects to the given URL and sends calls as {id, method, args} with fresh ids', async () => {
    const { host, socket } = setup();
    expect(socket().url).toBe('ws://127.0.0.1:1234/api/ws?token=abc');
    socket().open();
    const a = host.getRun(7);
    const b = host.getSamples({ datasetId: 1, split: 'test', offset: 0, count: 10 });
    expect(socket().sent).toEqual([
      { id: 1, method: 'getRun', args: [7] },
      { id: 2, method: 'getSamples', args: [{ datasetId: 1, split: 'test', offset: 0, count: 10 }] },
    ]);
    // Answers may come in any order; each settles its own call.
    socket().reply({ id: 2, result: { ok: true, value: { total: 5 } } });
    socket().reply({ id: 1, result: { ok: true, value: { id: 7 } } });
    await expect(a).resolves.toEqual({ id: 7 });
    await expect(b).resolves.toEqual({ total: 5 });
  });

  it('turns {ok:false} into a HostError with the code and message', async () => {
    const { host, socket } = setup();
    socket().open();
    const call = host.deleteRun(3);
    socket().reply({ id: 1, result: { ok: false, error: { code: 'not-found', message: 'run 3 does not exist' } } });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error).toMatchObject({ code: 'not-found', message: 'run 3 does not exist' });
  });

  it('dispatches pushed events to every listener until it unsubscribes', () => {
    const { host, socket } = setup();
    socket().open();
    const seen: WorkbenchEvent[] = [];
    const other: WorkbenchEvent[] = [];
    const stop = host.onEvent((e) => seen.push(e));
    host.onEvent((e) => other.push(e));
    socket().reply({ event: { type: 'datasets-changed' } });
    stop();
    socket().reply({ event: { type: 'specs-changed' } });
    expect(seen).toEqual([{ type: 'datasets-changed' }]);
    expect(other).toEqual([{ type: 'datasets-changed' }, { type: 'specs-changed' }]);
  });

  it('queues calls made before the socket opens and sends them on open', async () => {
    const { host, socket } = setup();
    const call = host.listRuns();
    expect(socket().sent).toEqual([]);
    socket().open();
    expect(socket().sent).toEqual([{ id: 1, method: 'listRuns', args: [] }]);
    socket().reply({ id: 1, result: { ok: true, value: [] } });
    await expect(call).resolves.toEqual([]);
  });

  it('fails calls in flight when the connection drops, waits for the reconnection with the others', async () => {
    const { host, sockets, socket, timers, statuses } = setup();
    socket().open();
    const inFlight = host.getInfo();
    socket().drop();
    await expect(inFlight).rejects.toMatchObject({ code: 'connection-lost' });
    expect(statuses.at(-1)).toMatchObject({ connection: 'reconnecting', attempts: 1, retryAt: 1000 + defaultBackoff(1) });
    expect(timers.pending()).toEqual([defaultBackoff(1)]);

    const waiting = host.listDatasets();
    expect(timers.pending()).toEqual([defaultBackoff(1), 5000]);
    timers.fire(defaultBackoff(1));
    expect(sockets).toHaveLength(2);
    socket().open();
    expect(statuses.at(-1)).toMatchObject({ connection: 'open', attempts: 0, retryAt: null, resumedAt: 1000 });
    expect(socket().sent).toEqual([{ id: 2, method: 'listDatasets', args: [] }]);
    socket().reply({ id: 2, result: { ok: true, value: ['d'] } });
    await expect(waiting).resolves.toEqual(['d']);
    timers.fire(5000); // the wait timer, if it were still armed, must not fail an answered call
  });

  it('backs off longer after each failed attempt', () => {
    const { socket, timers, statuses } = setup();
    socket().drop(); // never opened: still "connecting"
    expect(statuses.at(-1)).toMatchObject({ connection: 'connecting', attempts: 1 });
    timers.fire(defaultBackoff(1));
    socket().drop();
    expect(statuses.at(-1)).toMatchObject({ attempts: 2 });
    expect(timers.pending()).toEqual([defaultBackoff(2)]);
    expect(defaultBackoff(2)).toBeGreaterThan(defaultBackoff(1));
    expect(defaultBackoff(30)).toBe(8000);
  });

  it('a call made while disconnected fails clearly when the connection does not come back in time', async () => {
    const { host, socket, timers } = setup();
    socket().open();
    socket().drop();
    const call = host.getRun(1);
    timers.fire(5000);
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error).toMatchObject({ code: 'disconnected' });
    expect((error as Error).message).toMatch(/getRun: no connection/);
  });

  it('ignores answers for unknown ids and non-JSON messages', async () => {
    const { host, socket } = setup();
    socket().open();
    const call = host.getInfo();
    socket().onmessage?.({ data: 'not json' });
    socket().reply({ id: 99, result: { ok: true, value: 1 } });
    socket().reply({ id: 1, result: { ok: true, value: 'info' } });
    await expect(call).resolves.toBe('info');
  });

  it('has no native dialog: pickPaths fails as unavailable; chooseImportSource uploads', async () => {
    const sockets: FakeSocket[] = [];
    const uploads: string[][] = [];
    const asked: unknown[] = [];
    const host = createWebHost({
      url: 'ws://x/api/ws?token=t',
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      uploader: {
        pick: async (kind, options) => (asked.push(options), kind === 'folder' ? [new File(['ab'], 'a.png')] : null),
        upload: async (files, onProgress) => {
          uploads.push(files.map((f) => f.name));
          onProgress({ files: 1, filesDone: 0, bytes: 2, bytesDone: 1 });
          return 'up-1';
        },
      },
    });
    const statuses: HostStatus[] = [];
    host.onStatus((s) => statuses.push(s));
    await expect(host.pickPaths({ kind: 'file', title: 'x' })).rejects.toMatchObject({ code: 'unavailable' });
    await expect(host.chooseImportSource('file')).resolves.toBeNull();
    await expect(host.chooseImportSource('folder')).resolves.toEqual({ kind: 'upload', uploadId: 'up-1' });
    expect(uploads).toEqual([['a.png']]);
    await host.chooseImportSource('file', { multiple: false, accept: '.stbp,.nir' });
    expect(asked.at(-1)).toEqual({ multiple: false, accept: '.stbp,.nir' }); // the picker's options reach the uploader
    expect(statuses.some((s) => s.upload?.bytesDone === 1)).toBe(true);
    expect(statuses.at(-1)?.upload).toBeNull();
    host.close();
  });
});
