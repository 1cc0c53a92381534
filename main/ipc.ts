/**
 * The desktop transport: one `ipcMain.handle('workbench:<method>')` per contract method, each
 * through `dispatch` (validation, errors as values), and events to the app's windows. Electron is
 * a parameter (types only here), so tests drive it with fakes.
 */
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { dispatch, WORKBENCH_METHODS } from './api/validate';
import type { Result, WorkbenchApi, WorkbenchChannel, WorkbenchEvent, WorkbenchEventChannel } from './contract';

export const EVENT_CHANNEL: WorkbenchEventChannel = 'workbench:event';

/** What of `ipcMain` this needs. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, ...args: unknown[]) => Promise<unknown> | unknown): void;
}

/** Registers every method; calls from a frame whose URL `isAppUrl` refuses answer `forbidden`. */
export function registerWorkbenchIpc(ipcMain: IpcMainLike, api: WorkbenchApi, isAppUrl: (url: string) => boolean): WorkbenchChannel[] {
  return WORKBENCH_METHODS.map((method) => {
    const channel: WorkbenchChannel = `workbench:${method}`;
    ipcMain.handle(channel, (event, ...args): Promise<Result<unknown>> | Result<unknown> => {
      const sender = event.senderFrame?.url ?? '';
      if (!isAppUrl(sender)) {
        return { ok: false, error: { code: 'forbidden', message: `${channel}: refused a call from '${sender}'; allowed: the app's own page` } };
      }
      return dispatch(api, method, args);
    });
    return channel;
  });
}

/** Sends an event to every live web contents showing the app. */
export function broadcastEvent(contents: Pick<WebContents, 'isDestroyed' | 'getURL' | 'send'>[], isAppUrl: (url: string) => boolean, event: WorkbenchEvent): void {
  for (const c of contents) if (!c.isDestroyed() && isAppUrl(c.getURL())) c.send(EVENT_CHANNEL, event);
}
