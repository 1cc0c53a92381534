/**
 * A real store for damage tests: a slice of real MNIST imported as IDX (2500 training images in 3
 * chunks, 200 test images) and one short run trained to completion by the real training process,
 * so it holds metrics, probes and decodable checkpoints. Closed, so its WAL is in the file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../../engine/spec/types';
import { startRun } from '../../main/runs/supervisor';
import { importDataset } from '../../main/services/datasets';
import { openStore } from '../../main/store/db';
import { createRun } from '../../main/store/runs';
import { mnistIdxSlice } from '../main/web/fixtures';

export const SLICE_TRAIN = 2500;
const spec: ModelSpec = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 16 } }, { className: 'output', config: { units: 10 } }] };

export interface TrainedStore {
  file: string;
  datasetId: number;
  runId: number;
  /** The IDX files the slice came from (e.g. to find a chunk's bytes in the store file). */
  idx: Record<string, Buffer>;
}

export async function trainedStore(home: string): Promise<TrainedStore> {
  const idx = mnistIdxSlice(SLICE_TRAIN, 200);
  const folder = join(home, 'idx');
  mkdirSync(folder);
  for (const [name, bytes] of Object.entries(idx)) writeFileSync(join(folder, name), bytes);
  const store = openStore({ home });
  try {
    const datasetId = (await importDataset(store, { format: 'idx', name: 'slice', path: folder })).id;
    const runId = createRun(store, { datasetId, spec, hyper: { epochs: 1, steps: 2, batchSize: 50, limit: 500, testLimit: 100, threads: 1 }, seed: 3, backendRequested: 'wasm' });
    const run = await startRun(store, runId).finished;
    if (run.status !== 'completed') throw new Error(`the fixture run ended ${run.status}: ${run.error}`);
    return { file: store.path, datasetId, runId, idx };
  } finally {
    store.close();
  }
}

/** 64 bytes from the middle of training image `index` (its strokes): found in the store inside that image's chunk. */
export function imageBytes(t: TrainedStore, index: number): Buffer {
  const start = 16 + index * 784 + 12 * 28; // rows 12 and 13 of the image
  return t.idx['train-images-idx3-ubyte']!.subarray(start, start + 64);
}
