import { describe, expect, it } from 'vitest';
import type { Result, WorkbenchBridge, WorkbenchEvent } from '../../../main/contract';
import { createDesktopHost } from '../../../renderer/src/host/desktop';
import { METHODS } from '../../../renderer/src/host/methods';
import { HostError } from '../../../renderer/src/host/types';

function bridge(answers: Record<string, (...args: unknown[]) => Result<unknown>>): WorkbenchBridge & { listeners: Set<(e: WorkbenchEvent) => void> } {
  const listeners = new Set<(e: WorkbenchEvent) => void>();
  const b: Record<string, unknown> = {
    listeners,
    onEvent: (l: (e: WorkbenchEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  for (const m of METHODS) b[m] = async (...args: unknown[]) => (answers[m] ?? (() => ({ ok: false, error: { code: 'unavailable', message: `${m} missing` } })))(...args);
  return b as unknown as WorkbenchBridge & { listeners: Set<(e: WorkbenchEvent) => void> };
}

describe('desktop host', () => {
  it('unwraps {ok:true} and passes the arguments through', async () => {
    const seen: unknown[][] = [];
    const host = createDesktopHost(bridge({ renameRun: (...args) => (seen.push(args), { ok: true, value: { id: 3, name: 'b' } }) }));
    expect(host.mode).toBe('desktop');
    await expect(host.renameRun(3, 'b')).resolves.toEqual({ id: 3, name: 'b' });
    expect(seen).toEqual([[3, 'b']]);
  });

  it('throws HostError(code, message) for {ok:false}', async () => {
    const host = createDesktopHost(bridge({ getRun: () => ({ ok: false, error: { code: 'not-found', message: 'run 9 does not exist' } }) }));
    const error = await host.getRun(9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error).toMatchObject({ code: 'not-found', message: 'run 9 does not exist' });
  });

  it('reports a broken bridge (rejection or a non-Result) as HostError', async () => {
    const b = bridge({});
    (b as unknown as Record<string, unknown>).listRuns = async () => {
      throw new Error('No handler registered');
    };
    (b as unknown as Record<string, unknown>).listSpecs = async () => [1, 2];
    const host = createDesktopHost(b);
    await expect(host.listRuns()).rejects.toMatchObject({ code: 'ipc-failed' });
    await expect(host.listSpecs()).rejects.toMatchObject({ code: 'bad-answer' });
  });

  it('has every contract method and forwards events', () => {
    const b = bridge({});
    const host = createDesktopHost(b);
    for (const m of METHODS) expect(typeof host[m]).toBe('function');
    const seen: WorkbenchEvent[] = [];
    const stop = host.onEvent((e) => seen.push(e));
    for (const l of b.listeners) l({ type: 'specs-changed' });
    stop();
    expect(b.listeners.size).toBe(0);
    expect(seen).toEqual([{ type: 'specs-changed' }]);
  });

  it('chooseImportSource asks the native dialog and answers the first path, or null when cancelled', async () => {
    const asked: unknown[] = [];
    let answer: string[] = ['/data/mnist'];
    const host = createDesktopHost(bridge({ pickPaths: (request) => (asked.push(request), { ok: true, value: answer }) }));
    await expect(host.chooseImportSource('folder')).resolves.toEqual({ kind: 'path', path: '/data/mnist' });
    expect(asked[0]).toMatchObject({ kind: 'folder' });
    answer = [];
    await expect(host.chooseImportSource('file')).resolves.toBeNull();
    await host.chooseImportSource('file', { title: 'Choose a model file (.stbp or .nir)', multiple: false });
    expect(asked[2]).toEqual({ kind: 'file', title: 'Choose a model file (.stbp or .nir)' });
  });
});
