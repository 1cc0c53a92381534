/**
 * Timing a run before it starts, in a training process of its own (main/runs/estimate-run.ts does
 * the work there), so the serving thread never runs a batch: the same process, kernels and threads
 * the run will use, on this machine as it is now (other runs sharing its cores included).
 */
import { EngineError } from '../../engine/errors';
import type { Store } from '../store/db';
import type { EstimateJob, EstimateMeasure, FromTrainer } from './messages';
import { forkTrainer, type SpawnTrainer } from './supervisor';

/** A timing that takes longer than this is given up: the machine is too busy to say. */
export const ESTIMATE_TIMEOUT_MS = 120_000;

export function measureInProcess(store: Store, job: EstimateJob, opts: { spawn?: SpawnTrainer; nativeBinding?: string; timeoutMs?: number } = {}): Promise<EstimateMeasure> {
  const child = (opts.spawn ?? forkTrainer)();
  return new Promise((resolve, reject) => {
    let answer: FromTrainer | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EngineError('timeout', `timing the run took longer than ${(opts.timeoutMs ?? ESTIMATE_TIMEOUT_MS) / 1000} s; the estimate is unavailable`));
    }, opts.timeoutMs ?? ESTIMATE_TIMEOUT_MS);
    child.on('message', (m) => {
      if (m.type === 'estimate' || m.type === 'error') answer = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.type === 'estimate') resolve(answer.measure);
      else if (answer?.type === 'error') reject(new EngineError(answer.error.code, answer.error.message));
      else reject(new EngineError('crash', `the timing process ended (${signal ?? `code ${code}`}) without an answer`));
    });
    child.send({ type: 'estimate', storeFile: store.path, ...(opts.nativeBinding !== undefined && { nativeBinding: opts.nativeBinding }), ...job });
  });
}
