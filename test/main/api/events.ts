import type { RunStatus, WorkbenchEvent } from '../../../main/contract';
import type { Workbench } from '../../../main/api/workbench';

/** Every event a workbench emits, in order, and a way to wait for one. */
export function recordEvents(workbench: Pick<Workbench, 'onEvent'>): {
  events: WorkbenchEvent[];
  until<T extends WorkbenchEvent>(match: (e: WorkbenchEvent) => e is T): Promise<T>;
  until(match: (e: WorkbenchEvent) => boolean): Promise<WorkbenchEvent>;
  stop(): void;
} {
  const events: WorkbenchEvent[] = [];
  const waiters: { match: (e: WorkbenchEvent) => boolean; resolve: (e: WorkbenchEvent) => void }[] = [];
  const stop = workbench.onEvent((event) => {
    events.push(event);
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  return {
    events,
    until: (match: (e: WorkbenchEvent) => boolean) =>
      new Promise<WorkbenchEvent>((resolve) => {
        const seen = events.find(match);
        if (seen) resolve(seen);
        else waiters.push({ match, resolve });
      }),
    stop,
  } as ReturnType<typeof recordEvents>;
}

/** Matches the run-changed event that reports `runId` in `status`. */
export const runReaches =
  (runId: number, status: RunStatus) =>
  (e: WorkbenchEvent): e is Extract<WorkbenchEvent, { type: 'run-changed' }> =>
    e.type === 'run-changed' && e.run.id === runId && e.run.status === status;
