import type { ImportSource, WorkbenchApi, WorkbenchEvent } from '../../../main/contract';
import { METHOD_FLAGS as CALL_FLAGS } from './methods';

/**
 * Everything the renderer asks of the outside world (Netron's Host, STYLE.md 12): the contract's
 * methods, answering values and throwing `HostError` for `{ok:false}`, plus what differs between the
 * Electron window and a browser tab. Stores and components get it through `useHost()`; only
 * renderer/src/host/ touches `window.workbench`, sockets or uploads.
 */
export type Host = WorkbenchApi & {
  readonly mode: 'desktop' | 'web';
  /** Calls `listener` for every pushed event until the returned function is called. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  /** Lets the user pick a file or a folder and makes it readable by the main side; null when cancelled. */
  chooseImportSource(kind: 'file' | 'folder', options?: ChooseOptions): Promise<ImportSource | null>;
  /** Connection and upload state, for the banner and progress bar; the listener gets the current state at once. */
  onStatus(listener: (status: HostStatus) => void): () => void;
};

/** How the file picker asks: its title (desktop dialog), whether several files may be picked, which file types (web). */
export interface ChooseOptions {
  /** Default: "Choose the dataset file" / "Choose the dataset folder". */
  title?: string;
  /** Files only; default true (a dataset may come as several files). */
  multiple?: boolean;
  /** File name endings the browser's picker offers, e.g. `.stbp,.nir`. */
  accept?: string;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface UploadProgress {
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
}

export interface HostStatus {
  connection: ConnectionState;
  /** Failed connection attempts in a row (0 while open). */
  attempts: number;
  /** When the next attempt is made (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** Set after a reconnection: events may have been missed, so views reload what they show. */
  resumedAt: number | null;
  upload: UploadProgress | null;
}

export const INITIAL_STATUS: HostStatus = { connection: 'open', attempts: 0, retryAt: null, resumedAt: null, upload: null };

/** A `{ok:false}` answer (or a transport failure) as an exception the UI can show. */
export class HostError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

/**
 * The message to show for anything thrown by a host call or a view. The main side's messages name
 * the call and its argument path for logs and scripts ("getEncoding: request.steps is 0; …"); a
 * user sees neither: the call's name is dropped and the argument is named by its field ("steps is
 * 0; …").
 */
export function errorMessage(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : JSON.stringify(cause);
  return forUser(text);
}

/** A message without a leading contract call's name and with argument paths shortened to the field. */
export function forUser(message: string): string {
  return message.replace(/^([a-z][A-Za-z]+): /, (whole, name: string) => (CALL_NAMES.has(name) ? '' : whole)).replace(/\b(?:request|args?\[\d+\])\.((?:\w+\.)*\w+)/g, '$1');
}

/** Names a message may start with: the contract's calls (host/methods.ts). */
export const CALL_NAMES: ReadonlySet<string> = new Set(Object.keys(CALL_FLAGS));

/** Small listener set shared by both hosts. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (error) {
        // One broken view must not stop the others from hearing the event.
        console.warn('host listener failed:', error);
      }
    }
  }
}
