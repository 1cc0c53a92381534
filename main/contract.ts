/**
 * The one contract between the renderer and the main side (STYLE.md 10–11). Types only: main
 * registers a handler per method, preload exposes one method per message, the renderer calls it
 * through its Host. Nothing here may emit runtime code.
 */

export interface AppInfo {
  /** Application name from package.json. */
  app: string;
  version: string;
  /** `process.platform` on the desktop; `'web'` when the renderer runs in a plain browser. */
  platform: string;
}

export interface WorkbenchApi {
  getInfo(): Promise<AppInfo>;
}

export type WorkbenchMethod = keyof WorkbenchApi;

/** The IPC channel that carries a contract method. */
export type WorkbenchChannel<M extends WorkbenchMethod = WorkbenchMethod> = `workbench:${M}`;
