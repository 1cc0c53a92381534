/**
 * The app's training processes: Electron's utilityProcess (a Node process Electron starts, ends
 * with the app and shows in its task manager) behind the supervisor's `TrainerProcess`. The
 * worker bundle talks to it through `process.parentPort` (channel.ts).
 */
import { utilityProcess } from 'electron';
import type { FromTrainer } from './messages';
import { requireWorkerFile, WORKER_FILE, type SpawnTrainer, type TrainerProcess } from './supervisor';

export function utilityTrainer(workerFile = WORKER_FILE): SpawnTrainer {
  return (): TrainerProcess => {
    const child = utilityProcess.fork(requireWorkerFile(workerFile), [], { serviceName: 'STBP training run', stdio: 'inherit' });
    // utilityProcess reports an exit code only; a kill is remembered so the run ends 'interrupted', not 'failed'.
    let killedWith: NodeJS.Signals | null = null;
    return {
      send: (m) => child.postMessage(m),
      kill: (signal = 'SIGTERM') => {
        killedWith = signal;
        child.kill();
      },
      get pid() {
        return child.pid;
      },
      on: ((event: 'message' | 'exit', f: (...args: never[]) => void) => {
        if (event === 'message') {
          child.on('message', (m: FromTrainer) => (f as (m: FromTrainer) => void)(m));
          return;
        }
        // Messages and the exit travel on different paths: give queued messages a turn first.
        child.on('exit', (code: number) => setImmediate(() => (f as (c: number | null, s: NodeJS.Signals | null) => void)(killedWith ? null : code, killedWith)));
      }) as TrainerProcess['on'],
    };
  };
}
