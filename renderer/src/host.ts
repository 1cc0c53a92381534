import { inject, type App, type InjectionKey } from 'vue';
import type { WorkbenchApi } from '../../main/contract';

/**
 * Everything the renderer asks of the outside world (Netron's Host). It is the contract itself;
 * stores and components reach it through `useHost()`, never through `window.workbench`.
 */
export type Host = WorkbenchApi;

/** A renderer opened without Electron (plain `vite`, a browser tab) still starts and says so. */
export const browserHost: Host = {
  getInfo: async () => ({ app: 'stbp-workbench', version: 'unknown', platform: 'web' }),
};

/** Under Electron the preload's bridge already implements the contract, so it is the host. */
export function detectHost(bridge: WorkbenchApi | undefined = window.workbench): Host {
  return bridge ?? browserHost;
}

const hostKey: InjectionKey<Host> = Symbol('host');

export function provideHost(app: App, host: Host): void {
  app.provide(hostKey, host);
}

/** The host the app was started with; usable in components and in setup stores. */
export function useHost(): Host {
  const host = inject(hostKey);
  if (!host) throw new Error('useHost: no host was provided; call provideHost(app, host) before mounting');
  return host;
}
