/**
 * The training process's line to the main side. Under Node it was started by child_process.fork
 * and talks over `process.send`/'message'; under Electron it was started by utilityProcess.fork
 * and talks over `process.parentPort` (a MessagePort: no send callback, messages wrapped in
 * `{data}`). Both carry typed arrays (advanced serialisation / structured clone).
 */
import type { FromTrainer, ToTrainer } from './messages';

export interface ParentChannel {
  /** `node` (child_process IPC) or `electron` (utilityProcess parentPort). */
  readonly kind: 'node' | 'electron';
  /** Resolves once the message is handed to the channel. */
  send(message: FromTrainer): Promise<void>;
  onMessage(listener: (message: ToTrainer) => void): void;
  /** Called when the main side is gone (Node only: Electron ends its utility processes itself). */
  onDisconnect(listener: () => void): void;
}

/** Electron's `process.parentPort`, as much of it as the channel uses. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** The parts of `process` the channel reads; a parameter so tests can hand in a fake. */
export interface ProcessLike {
  parentPort?: ParentPortLike;
  send?: (message: unknown, sendHandle: undefined, options: object, callback: (error: Error | null) => void) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export function parentChannel(proc: ProcessLike = process as unknown as ProcessLike): ParentChannel {
  const port = proc.parentPort;
  if (port) {
    return {
      kind: 'electron',
      send: async (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data as ToTrainer)),
      onDisconnect: () => undefined,
    };
  }
  const send = proc.send;
  if (!send) throw new Error('the training process has no channel to the main side: start it with child_process.fork or utilityProcess.fork');
  return {
    kind: 'node',
    send: (message) => new Promise((resolve, reject) => void send.call(proc, message, undefined, {}, (e) => (e ? reject(e) : resolve()))),
    onMessage: (listener) => void proc.on('message', (message) => listener(message as ToTrainer)),
    onDisconnect: (listener) => void proc.on('disconnect', listener),
  };
}
