import type { BatchPoint, EpochPoint } from '../../../main/contract';
import { BASE, colorAt, GRID, MUTED, Y_NAME } from './palette';
import { smooth } from './smooth';
import type { ChartOption } from './types';

const percentAxis = { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } } as const;

/** Loss per batch (x: batches trained so far, over all epochs): the raw batches faint, the smoothed curve on top. */
export function lossOption(batches: readonly BatchPoint[], smoothing = 0.9): ChartOption {
  const raw = batches.map((b) => [b.step, b.loss]);
  const smoothed = smooth(batches.map((b) => b.loss), smoothing).map((v, i) => [batches[i]!.step, v]);
  return {
    ...BASE,
    grid: { ...GRID },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toPrecision(4) : String(v)) },
    legend: { top: 4, right: 8, data: ['loss', 'smoothed'] },
    xAxis: { type: 'value', name: 'batch', nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: 'value', name: 'loss', scale: true, ...Y_NAME },
    series: [
      { name: 'loss', type: 'line', data: raw, showSymbol: false, sampling: 'lttb', lineStyle: { width: 1, opacity: 0.35 }, itemStyle: { color: colorAt(0) }, z: 1 },
      { name: 'smoothed', type: 'line', data: smoothed, showSymbol: false, sampling: 'lttb', lineStyle: { width: 2 }, itemStyle: { color: colorAt(0) }, z: 2 },
    ],
  };
}

/**
 * The running train accuracy within each epoch, per batch: the mean over the epoch's samples so
 * far (batches weighted by their size; the last batch of an epoch may be short), at x = the epoch
 * reached, fractional (epoch 2, batch 150 of 600 is 1.25). It restarts at each epoch, as the
 * epoch's train accuracy does, and ends on it.
 */
export function runningAccuracy(batches: readonly BatchPoint[], batchesPerEpoch: number, sizeOf: (b: BatchPoint) => number = () => 1): [number, number][] {
  const out: [number, number][] = [];
  let epoch = -1;
  let correct = 0;
  let seen = 0;
  for (const b of batches) {
    if (b.epoch !== epoch) [epoch, correct, seen] = [b.epoch, 0, 0];
    const n = sizeOf(b);
    correct += b.accuracy * n;
    seen += n;
    if (batchesPerEpoch > 0 && seen > 0) out.push([b.epoch - 1 + b.batch / batchesPerEpoch, correct / seen]);
  }
  return out;
}

/**
 * Train and test accuracy per epoch (test accuracy is what the paper reports), with the running
 * train accuracy of every batch between them, so a live run moves within an epoch. The x axis
 * spans `totalEpochs` when given, so a live run shows how far it has to go.
 */
export function accuracyOption(epochs: readonly EpochPoint[], totalEpochs = 0, running: readonly [number, number][] = []): ChartOption {
  const last = epochs.reduce((m, e) => Math.max(m, e.epoch), 0);
  const reached = running.length > 0 ? Math.ceil(running[running.length - 1]![0]) : 0;
  return {
    ...BASE,
    grid: { ...GRID },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : String(v)) },
    legend: { top: 4, right: 8, data: ['train (running)', 'train', 'test'] },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: running.length > 0 ? 0 : 1, max: Math.max(2, last, reached, totalEpochs) },
    yAxis: { ...percentAxis, name: 'accuracy', ...Y_NAME },
    series: [
      {
        name: 'train (running)', type: 'line', data: running.slice(), showSymbol: false, sampling: 'lttb',
        lineStyle: { width: 1.25, opacity: 0.6 }, itemStyle: { color: colorAt(1) }, z: 1,
      },
      { name: 'train', type: 'line', data: epochs.map((e) => [e.epoch, e.trainAccuracy]), symbolSize: 6, itemStyle: { color: colorAt(1) }, z: 2 },
      { name: 'test', type: 'line', data: epochs.map((e) => [e.epoch, e.testAccuracy]), symbolSize: 6, lineStyle: { width: 2.5 }, itemStyle: { color: colorAt(2) }, z: 3 },
    ],
  };
}

/** Spikes per neuron per time step of every LIF layer, per batch (lightly smoothed, it is noisy). */
export function ratesOption(batches: readonly BatchPoint[], layerNames: readonly string[], smoothing = 0.6): ChartOption {
  const layers = batches.reduce((n, b) => Math.max(n, b.firingRates.length), layerNames.length);
  const series = Array.from({ length: layers }, (_, layer) => {
    const values = smooth(batches.map((b) => b.firingRates[layer] ?? Number.NaN), smoothing);
    return {
      name: layerNames[layer] ?? `layer ${layer + 1}`,
      type: 'line' as const,
      data: values.map((v, i) => [batches[i]!.step, v]),
      showSymbol: false,
      sampling: 'lttb' as const,
      lineStyle: { width: 1.75 },
      itemStyle: { color: colorAt(layer + 3) },
    };
  });
  return {
    ...BASE,
    grid: { ...GRID },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toFixed(4) : String(v)) },
    legend: { top: 4, right: 8, type: 'scroll' },
    xAxis: { type: 'value', name: 'batch', nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: 'value', name: 'spikes / neuron / time step', min: 0, ...Y_NAME },
    series: series.length > 0 ? series : [{ name: 'rate', type: 'line', data: [], itemStyle: { color: MUTED } }],
  };
}
