/**
 * The probe sample's activity as records the main side stores or forwards: spikes and membrane
 * potentials of every layer, each bounded. A conv layer of the paper's CNN has 15·24·24 = 8,640
 * units; its full potentials over T = 30 steps are 1 MB per epoch, and no chart draws 8,640 rows.
 * So a layer with more than PROBE_UNITS_MAX units keeps every k-th unit (k the smallest step that
 * fits), the same units every epoch, spread over all channels; its peak |u| is taken over all units
 * before sampling, so the divergence verdict (engine/train/verdict.ts) sees the whole layer.
 */
import type { SampleActivity } from '../../engine/model/network';
import type { ProbeRecord } from './messages';

/** Units a probe keeps per layer. */
export const PROBE_UNITS_MAX = 1024;

/** The step k of the sampled units: unit j of the probe is unit j·k of the layer. */
export function unitStep(units: number): number {
  return Math.max(1, Math.ceil(units / PROBE_UNITS_MAX));
}

/** Rows [steps × units] cut to every `step`-th unit: [steps × ceil(units / step)]. */
export function sampleUnits<T extends Uint8Array | Float32Array>(rows: T, steps: number, units: number, step: number): T {
  if (step === 1) return rows;
  const kept = Math.ceil(units / step);
  const out = new (rows.constructor as new (n: number) => T)(steps * kept);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < kept; j++) out[t * kept + j] = rows[t * units + j * step]!;
  }
  return out;
}

/** The largest |u| in the potentials. */
export function peakPotential(u: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < u.length; i++) {
    const a = Math.abs(u[i]!);
    if (a > peak) peak = a;
  }
  return peak;
}

/** Raster records of the input (layer 0) and every LIF layer, and a membrane record of each LIF layer. */
export function probeRecords(a: SampleActivity, sample: number, label: number): ProbeRecord[] {
  const records: ProbeRecord[] = [];
  const raster = (layer: number, spikes: Uint8Array, units: number): void => {
    const step = unitStep(units);
    const data = sampleUnits(spikes, a.steps, units, step);
    records.push({ kind: 'raster', layer, sample, data, meta: { steps: a.steps, units: data.length / a.steps, layerUnits: units, unitStep: step, label } });
  };
  raster(0, a.input, a.input.length / a.steps);
  for (const [i, l] of a.layers.entries()) {
    raster(i + 1, l.spikes, l.units);
    const step = unitStep(l.units);
    const u = sampleUnits(l.membrane, a.steps, l.units, step);
    records.push({
      kind: 'membrane', layer: i + 1, sample, data: new Uint8Array(u.buffer, u.byteOffset, u.byteLength),
      meta: { steps: a.steps, units: u.length / a.steps, layerUnits: l.units, unitStep: step, vth: l.vth, peak: peakPotential(l.membrane), dtype: 'f32', label },
    });
  }
  return records;
}
