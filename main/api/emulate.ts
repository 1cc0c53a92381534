/**
 * Event-camera emulation in the API (main/contract.ts `emulateEvents`, `cancelEmulation`,
 * `getEvents`): emulations running in this process, their progress pushed as events, and one
 * stored recording for the event-frame viewer.
 */
import { parseNmnist } from '../../engine/data/nmnist';
import { EngineError } from '../../engine/errors';
import type { DatasetSummary, EmulateEventsRequest, EventRecording, EventsRequest, WorkbenchEvent } from '../contract';
import { datasetClassNames } from '../services/datasets';
import { emulateEventDataset, emulationOf } from '../services/emulate-events';
import { requireDataset } from '../store/datasets';
import { readSample } from '../store/dataset-samples';
import type { Store } from '../store/db';
import { datasetSummary } from './datasets';
import { badState, notFound } from './errors';

export interface Emulations {
  emulate(request: EmulateEventsRequest): Promise<DatasetSummary>;
  cancel(name: string): void;
  /** Cancels every emulation in progress (the app is closing): none of them stores anything. */
  cancelAll(): void;
}

export function createEmulations(store: Store, emit: (event: WorkbenchEvent) => void): Emulations {
  /** The emulations in progress, by the name of the dataset each makes. */
  const running = new Map<string, AbortController>();
  return {
    async emulate({ datasetId, name, limit, params }) {
      if (running.has(name)) {
        throw badState(`emulateEvents: an emulation into ${JSON.stringify(name)} is already running; allowed: another name, or cancel that one first`);
      }
      const abort = new AbortController();
      running.set(name, abort);
      try {
        const row = await emulateEventDataset(store, { dataset: datasetId, name, ...(limit !== undefined && { limit }), ...(params && { params }) }, {
          signal: abort.signal,
          onProgress: (p) => emit({ type: 'emulation-progress', name, ...p }),
        });
        emit({ type: 'datasets-changed' });
        return datasetSummary(row);
      } finally {
        running.delete(name);
      }
    },
    cancel(name) {
      const abort = running.get(name);
      if (!abort) {
        const known = [...running.keys()].map((n) => JSON.stringify(n));
        throw notFound(`cancelEmulation: no emulation into ${JSON.stringify(name)} is running (running: ${known.length ? known.join(', ') : 'none'})`);
      }
      abort.abort();
    },
    cancelAll() {
      for (const abort of running.values()) abort.abort();
    },
  };
}

export function eventRecording(store: Store, { datasetId, split, index }: EventsRequest): EventRecording {
  const row = requireDataset(store, datasetId);
  if (row.kind !== 'events') {
    throw new EngineError('dataset-kind', `getEvents: dataset ${JSON.stringify(row.name)} holds images; allowed: a dataset of events`);
  }
  const width = row.meta.width ?? 0;
  const height = row.meta.height ?? 0;
  const { label, data } = readSample(store, row.id, split, index);
  const { count } = parseNmnist(data, `dataset ${JSON.stringify(row.name)} ${split} sample ${index}`, { width, height });
  return {
    datasetId: row.id, split, index, label, className: datasetClassNames(row)[label] ?? String(label), width, height, count,
    bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    emulated: emulationOf(row)?.params ?? null,
  };
}
