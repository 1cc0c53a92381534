import type { Result, WorkbenchBridge, WorkbenchMethod } from '../../../main/contract';
import { apiFrom } from './methods';
import { HostError, INITIAL_STATUS, type Host } from './types';

/**
 * The Electron window: the preload bridge answers every method with a `Result`; this unwraps it
 * and throws `HostError` for `{ok:false}`. Import sources are paths from the native dialog.
 */
export function createDesktopHost(bridge: WorkbenchBridge): Host {
  const call = async (method: WorkbenchMethod, args: unknown[]): Promise<unknown> => {
    const invoke = bridge[method] as unknown as (...a: unknown[]) => Promise<Result<unknown>>;
    let result: Result<unknown>;
    try {
      result = await invoke(...args);
    } catch (cause) {
      // IPC itself failed (handler missing, main side gone): still one error type for the views.
      throw new HostError('ipc-failed', `${method}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (!result || typeof result !== 'object' || !('ok' in result)) {
      throw new HostError('bad-answer', `${method}: the main side answered ${JSON.stringify(result)}, not a Result`);
    }
    if (!result.ok) throw new HostError(result.error.code, result.error.message);
    return result.value;
  };
  const api = apiFrom(call);
  return {
    ...api,
    mode: 'desktop',
    onEvent: (listener) => bridge.onEvent(listener),
    onStatus: (listener) => {
      listener(INITIAL_STATUS);
      return () => {};
    },
    async chooseImportSource(kind, options) {
      const title = options?.title ?? (kind === 'folder' ? 'Choose the dataset folder' : 'Choose the dataset file');
      const paths = await api.pickPaths({ kind, title });
      const path = paths[0];
      return path === undefined ? null : { kind: 'path', path };
    },
  };
}
