import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WORKBENCH_METHODS } from '../../main/api/validate';
import type { WorkbenchBridge, WorkbenchEvent } from '../../main/contract';

// The preload with a stand-in for Electron: what it exposes, and what each method sends.
const exposed = new Map<string, unknown>();
const invoked: [string, unknown[]][] = [];
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      invoked.push([channel, args]);
      return { ok: true, value: channel };
    },
    on: (channel: string, f: (event: unknown, payload: unknown) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(f);
    },
    removeListener: (channel: string, f: (event: unknown, payload: unknown) => void) => void listeners.get(channel)?.delete(f),
  },
}));

let bridge: WorkbenchBridge;
beforeAll(async () => {
  await import('../../preload/index');
  bridge = exposed.get('workbench') as WorkbenchBridge;
});

describe('preload', () => {
  it('exposes window.workbench with one method per contract message, plus onEvent', () => {
    expect([...exposed.keys()]).toEqual(['workbench']);
    expect(Object.keys(bridge).sort()).toEqual([...WORKBENCH_METHODS, 'onEvent'].sort());
  });

  it('invokes workbench:<method> with the arguments and answers the Result', async () => {
    expect(await bridge.getRunProbes(3, 1)).toEqual({ ok: true, value: 'workbench:getRunProbes' });
    expect(await bridge.listRuns()).toEqual({ ok: true, value: 'workbench:listRuns' });
    expect(invoked).toEqual([['workbench:getRunProbes', [3, 1]], ['workbench:listRuns', []]]);
  });

  it('delivers events until the returned function is called, then removes its listener', () => {
    const got: WorkbenchEvent[] = [];
    const stop = bridge.onEvent((e) => got.push(e));
    const other = bridge.onEvent(() => undefined);
    const fire = (payload: WorkbenchEvent) => listeners.get('workbench:event')!.forEach((f) => f({ sender: 'ipc' }, payload));
    fire({ type: 'datasets-changed' });
    stop();
    fire({ type: 'specs-changed' });
    expect(got).toEqual([{ type: 'datasets-changed' }]); // the payload only, not Electron's event
    expect(listeners.get('workbench:event')!.size).toBe(1);
    other();
    expect(listeners.get('workbench:event')!.size).toBe(0);
  });
});
