import { describe, expect, it } from 'vitest';
import { parentChannel, type ProcessLike } from '../../../main/runs/channel';
import type { FromTrainer, ToTrainer } from '../../../main/runs/messages';

const started: FromTrainer = { type: 'started', backend: 'wasm', epoch: 1, batch: 0, batches: 6, epochs: 2 };

/** A process with listeners that tests can fire. */
function fakeProcess(extra: Partial<ProcessLike>): ProcessLike & { fire(event: string, value?: unknown): void } {
  const listeners = new Map<string, ((v?: unknown) => void)[]>();
  return {
    ...extra,
    on(event: string, listener: (v?: unknown) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return this;
    },
    fire(event: string, value?: unknown) {
      for (const l of listeners.get(event) ?? []) l(value);
    },
  } as ProcessLike & { fire(event: string, value?: unknown): void };
}

describe('the training process channel', () => {
  it('uses child_process IPC under Node: send resolves on the callback, messages and disconnect arrive', async () => {
    const sent: unknown[] = [];
    const proc = fakeProcess({
      send: (message, _handle, _options, callback) => {
        sent.push(message);
        setImmediate(() => callback(null));
        return true;
      },
    });
    const channel = parentChannel(proc);
    expect(channel.kind).toBe('node');
    await channel.send(started);
    expect(sent).toEqual([started]);
    const received: ToTrainer[] = [];
    let gone = false;
    channel.onMessage((m) => received.push(m));
    channel.onDisconnect(() => (gone = true));
    proc.fire('message', { type: 'pause' });
    proc.fire('disconnect');
    expect(received).toEqual([{ type: 'pause' }]);
    expect(gone).toBe(true);
  });

  it('rejects a send the IPC channel refuses', async () => {
    const channel = parentChannel(fakeProcess({ send: (_m, _h, _o, callback) => (callback(new Error('channel closed')), false) }));
    await expect(channel.send(started)).rejects.toThrow('channel closed');
  });

  it('uses parentPort under Electron: posts messages and unwraps {data}', async () => {
    const posted: unknown[] = [];
    const portListeners: ((e: { data: unknown }) => void)[] = [];
    const proc = fakeProcess({ parentPort: { postMessage: (m) => posted.push(m), on: (_event, l) => void portListeners.push(l) } });
    const channel = parentChannel(proc);
    expect(channel.kind).toBe('electron');
    await channel.send(started);
    expect(posted).toEqual([started]);
    const received: ToTrainer[] = [];
    channel.onMessage((m) => received.push(m));
    portListeners.forEach((l) => l({ data: { type: 'stop' } }));
    expect(received).toEqual([{ type: 'stop' }]);
  });

  it('says how to start the process when it has neither', () => {
    expect(() => parentChannel(fakeProcess({}))).toThrow('start it with child_process.fork or utilityProcess.fork');
  });
});
