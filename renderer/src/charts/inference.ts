import type { ConfusionProbe, ModelEvaluation } from '../../../main/contract';
import { membraneOption } from './membrane';
import { BASE, colorAt, GRID, MUTED, Y_NAME } from './palette';
import { spikeRasterOption } from './raster';
import type { ChartOption } from './types';

/** Class i's label: its name when the model has one, else its index. */
export function classLabels(classes: number, classNames: readonly string[]): string[] {
  return Array.from({ length: classes }, (_, i) => classNames[i] ?? String(i));
}

/** Bars, one per class, the highlighted one in the accent colour and the rest muted. */
function classBars(values: readonly (number | null)[], labels: readonly string[], highlight: number | null, yName: string, emptyText: string, yMax?: number): ChartOption {
  return {
    ...BASE,
    title: values.length === 0 ? { text: emptyText, left: 'center', top: 'middle', textStyle: { fontSize: 13, fontWeight: 'normal', color: MUTED } } : [],
    grid: { ...GRID, top: 24, bottom: labels.length > 12 ? 64 : 40 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: labels.slice(), axisLabel: { interval: 0, rotate: labels.length > 12 ? 45 : 0 } },
    yAxis: { type: 'value', name: yName, ...Y_NAME, ...(yMax !== undefined && { max: yMax }), minInterval: yMax === undefined ? 1 : 0 },
    series: [
      {
        name: yName,
        type: 'bar',
        data: values.map((value, i) => ({ value: value ?? '-', itemStyle: { color: i === highlight ? colorAt(0) : MUTED } })),
        label: { show: labels.length <= 20, position: 'top', fontSize: 10 },
        barMaxWidth: 36,
      },
    ],
  };
}

/** Output spike counts over the T window per class (the twin: its scores), the predicted class highlighted. */
export function countsOption(counts: readonly number[] | null, classNames: readonly string[], predicted: number | null, twin = false): ChartOption {
  const labels = classLabels(counts?.length ?? 0, classNames);
  const values = (counts ?? []).map((v) => (twin ? +v.toFixed(3) : v));
  return classBars(values, labels, predicted, twin ? 'score' : 'output spikes', 'Draw, drop an image or pick a sample');
}

/** Accuracy per true class of an evaluation, in percent (a class with no sample draws no bar). */
export function perClassOption(evaluation: ModelEvaluation | null, classNames: readonly string[]): ChartOption {
  const perClass = evaluation?.perClass ?? [];
  const labels = classLabels(perClass.length, classNames);
  const values = perClass.map((a) => (a === null ? null : +(a * 100).toFixed(2)));
  return classBars(values, labels, null, 'accuracy %', 'No evaluation yet', 100);
}

/** An evaluation's confusion counts in the shape the monitor's confusion chart takes. */
export function evaluationConfusion(evaluation: ModelEvaluation): ConfusionProbe {
  return { epoch: 0, classes: evaluation.classes, counts: evaluation.confusion };
}

/** [steps, units] 0/1 spikes → the flattened (step, unit) pairs the rasters plot. */
export function spikePairsOf(spikes: Uint8Array, steps: number, units: number): number[] {
  const flat: number[] = [];
  for (let t = 0; t < steps; t++) {
    for (let u = 0; u < units; u++) if (spikes[t * units + u]) flat.push(t, u);
  }
  return flat;
}

/** The output layer's spikes of the sample over the T steps, one row per class. */
export function outputRasterOption(spikes: Uint8Array | null, steps: number, classes: number): ChartOption {
  if (!spikes) return spikeRasterOption('', steps, 0, [], 'No output spikes yet');
  return spikeRasterOption(`output layer: ${classes} neurons × ${steps} steps`, steps, classes, spikePairsOf(spikes, steps, classes));
}

/** Neuron `unit`'s potential u[t] over the steps from a [steps, units] array. */
export function unitTrace(membrane: Float32Array, steps: number, units: number, unit: number): number[] {
  return Array.from({ length: steps }, (_, t) => membrane[t * units + unit]!);
}

/** The membrane potential of one output neuron (the winner) over the T steps, with the Vth line. */
export function winnerTraceOption(membrane: Float32Array | null, steps: number, classes: number, unit: number | null, vth: number | null, label: string): ChartOption {
  if (!membrane || unit === null || vth === null) return membraneOption(null);
  const trace = unitTrace(membrane, steps, classes, unit);
  return membraneOption({ epoch: 0, layer: 0, steps, vth, peak: Math.max(0, ...trace.map(Math.abs)), unitStep: 1, traces: [trace] }, 1, [label]);
}
