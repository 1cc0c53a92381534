import { describe, expect, it } from 'vitest';
import { WORKBENCH_METHODS } from '../../main/api/validate';
import type { WorkbenchApi, WorkbenchEvent } from '../../main/contract';
import { broadcastEvent, EVENT_CHANNEL, registerWorkbenchIpc, type IpcMainLike } from '../../main/ipc';

const APP = 'file:///app/out/renderer/index.html';
const isAppUrl = (url: string) => url === APP;

function fakeIpc(): IpcMainLike & { handlers: Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown> } {
  const handlers = new Map();
  return { handlers, handle: (channel, listener) => void handlers.set(channel, listener) };
}

const api = Object.fromEntries(WORKBENCH_METHODS.map((m) => [m, async (...args: unknown[]) => ({ method: m, args })])) as unknown as WorkbenchApi;

describe('desktop IPC', () => {
  it('registers one workbench:<method> channel per contract method', () => {
    const ipc = fakeIpc();
    registerWorkbenchIpc(ipc, api, isAppUrl);
    expect([...ipc.handlers.keys()]).toEqual(WORKBENCH_METHODS.map((m) => `workbench:${m}`));
  });

  it('answers the app page through dispatch: values, and bad arguments as errors', async () => {
    const ipc = fakeIpc();
    registerWorkbenchIpc(ipc, api, isAppUrl);
    const frame = { senderFrame: { url: APP } };
    expect(await ipc.handlers.get('workbench:getRunProbes')!(frame, 4, 2)).toEqual({ ok: true, value: { method: 'getRunProbes', args: [4, 2] } });
    expect(await ipc.handlers.get('workbench:getRun')!(frame, 'x')).toEqual({ ok: false, error: { code: 'bad-request', message: 'getRun: runId is "x"; allowed: an integer >= 1' } });
  });

  it.each([['https://evil.example/'], ['file:///tmp/other.html'], ['']])('refuses a call from %j', async (url) => {
    const ipc = fakeIpc();
    registerWorkbenchIpc(ipc, api, isAppUrl);
    const reply = await ipc.handlers.get('workbench:listRuns')!({ senderFrame: url ? { url } : null });
    expect(reply).toEqual({ ok: false, error: { code: 'forbidden', message: `workbench:listRuns: refused a call from '${url}'; allowed: the app's own page` } });
  });

  it('sends events to live app pages only', () => {
    const sent: string[] = [];
    const contents = (name: string, url: string, destroyed = false) => ({
      isDestroyed: () => destroyed,
      getURL: () => url,
      send: (channel: string, event: WorkbenchEvent) => void sent.push(`${name}:${channel}:${event.type}`),
    });
    broadcastEvent([contents('a', APP), contents('b', 'https://evil.example/'), contents('c', APP, true), contents('d', APP)], isAppUrl, { type: 'specs-changed' });
    expect(sent).toEqual([`a:${EVENT_CHANNEL}:specs-changed`, `d:${EVENT_CHANNEL}:specs-changed`]);
  });
});
