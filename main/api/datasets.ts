/**
 * Datasets as the contract shows them: summaries, RGBA thumbnails (base64) and the input spikes of
 * one sample as (step, unit) pairs. Reads only; imports go through services/datasets.ts.
 */
import { parseNmnist } from '../../engine/data/nmnist';
import { imageToRgba } from '../../engine/data/preview';
import type { DatasetSummary, EncodingPreview, EncodingRequest, SamplePage, SamplesRequest, SampleThumb } from '../contract';
import { datasetClassNames, datasetInputShape, previewSample } from '../services/datasets';
import { requireDataset, type DatasetRow } from '../store/datasets';
import { readSample, readSampleRange } from '../store/dataset-samples';
import type { Store } from '../store/db';
import { badRequest } from './errors';

export function datasetSummary(row: DatasetRow): DatasetSummary {
  const classNames = datasetClassNames(row);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    source: row.source,
    createdAt: row.createdAt,
    inputShape: datasetInputShape(row),
    classes: classNames.length,
    classNames,
    trainCount: row.splits.train,
    testCount: row.splits.test,
  };
}

export function samplePage(store: Store, { datasetId, split, offset, count }: SamplesRequest): SamplePage {
  const row = requireDataset(store, datasetId);
  const total = row.splits[split];
  if (offset > total) throw badRequest(`getSamples: request.offset is ${offset}; allowed: 0 to ${total} (dataset ${JSON.stringify(row.name)} has ${total} ${split} samples)`);
  const samples = readSampleRange(store, row.id, split, offset, count).map((s, i) => thumb(row, offset + i, s.label, s.data));
  return { datasetId: row.id, split, total, offset, samples };
}

/** A sample as RGBA: images as they are, event recordings as ON (green) and OFF (red) counts. */
function thumb(row: DatasetRow, index: number, label: number, data: Uint8Array): SampleThumb {
  const className = datasetClassNames(row)[label] ?? String(label);
  if (row.kind === 'events') {
    const width = row.meta.width ?? 0;
    const height = row.meta.height ?? 0;
    const events = parseNmnist(data, `dataset ${JSON.stringify(row.name)} sample ${index}`, { width, height });
    return { index, label, className, width, height, rgba: base64(eventImage(events, width, height)) };
  }
  const [height, width, channels] = row.meta.shape!;
  const one = { name: row.name, count: 1, rows: height, cols: width, channels, pixels: data, labels: Uint8Array.of(label), classCount: label + 1 };
  return { index, label, className, width, height, rgba: base64(imageToRgba(one, 0)) };
}

/** Events accumulated per pixel: ON counts in green, OFF in red, scaled so the busiest pixel is full. */
export function eventImage(events: { count: number; x: Uint8Array; y: Uint8Array; p: Uint8Array }, width: number, height: number): Uint8ClampedArray {
  const on = new Uint32Array(width * height);
  const off = new Uint32Array(width * height);
  for (let i = 0; i < events.count; i++) {
    const at = events.y[i]! * width + events.x[i]!;
    if (events.p[i]) on[at]!++;
    else off[at]!++;
  }
  let max = 1;
  for (let i = 0; i < on.length; i++) max = Math.max(max, on[i]!, off[i]!);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < on.length; i++) {
    rgba[4 * i] = Math.round((255 * off[i]!) / max);
    rgba[4 * i + 1] = Math.round((255 * on[i]!) / max);
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

export function encodingPreview(store: Store, request: EncodingRequest): EncodingPreview {
  const { datasetId, split, index, steps = 30, seed = 1 } = request;
  const row = requireDataset(store, datasetId);
  const preview = previewSample(store, row.id, split, index, { steps, seed });
  if (preview.kind === 'image') {
    const units = preview.raster.length / steps;
    const rgba = base64(preview.rgba);
    const sample = { index, label: preview.label, className: preview.className ?? String(preview.label), width: preview.width, height: preview.height, rgba };
    return { sample, steps, units, spikes: spikePairs(preview.raster, steps, units) };
  }
  // Frames are [steps, 2, height, width]: a step's units are its 2·height·width pixels, OFF plane first.
  const units = 2 * preview.height * preview.width;
  const { label, data } = readSample(store, row.id, split, index);
  return { sample: thumb(row, index, label, data), steps, units, spikes: spikePairs(preview.frames, steps, units) };
}

/** A [steps, units] 0/1 raster as flattened (step, unit) pairs. */
export function spikePairs(raster: Uint8Array, steps: number, units: number): number[] {
  const pairs: number[] = [];
  for (let t = 0; t < steps; t++) {
    const row = t * units;
    for (let u = 0; u < units; u++) if (raster[row + u]) pairs.push(t, u);
  }
  return pairs;
}

function base64(bytes: Uint8Array | Uint8ClampedArray): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
