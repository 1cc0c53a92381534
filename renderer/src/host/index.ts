import { inject, type App, type InjectionKey } from 'vue';
import type { WorkbenchBridge } from '../../../main/contract';
import { createDesktopHost } from './desktop';
import { takeToken } from './token';
import { browserUploader } from './upload';
import { createWebHost } from './web';
import type { Host } from './types';

export type { Host, HostStatus, ConnectionState, UploadProgress } from './types';
export { HostError, errorMessage } from './types';

/**
 * Electron's preload bridge when there is one, else web mode over a WebSocket to the page's own
 * server. The only place the renderer looks at `window.workbench`.
 */
export function detectHost(): Host {
  const bridge = (window as { workbench?: WorkbenchBridge }).workbench;
  if (bridge) return createDesktopHost(bridge);
  const token = takeToken(window.location, window.sessionStorage, window.history) ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return createWebHost({
    url: `${scheme}://${window.location.host}/api/ws?token=${encodeURIComponent(token)}`,
    uploader: browserUploader(token),
  });
}

export const hostKey: InjectionKey<Host> = Symbol('host');

export function provideHost(app: App, host: Host): void {
  app.provide(hostKey, host);
}

/**
 * The host the app was started with. Works in components and in Pinia setup stores (Pinia runs
 * them in the app's injection context), so tests swap it by providing a test host to their app.
 */
export function useHost(): Host {
  const host = inject(hostKey, null);
  if (!host) throw new Error('useHost: no host was provided; call provideHost(app, host) before using a store');
  return host;
}
