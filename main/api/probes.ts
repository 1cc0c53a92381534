/**
 * A run's probes of one epoch as the contract shows them (paper Fig. 4c/4d): spike rasters of every
 * layer (0 is the input) as (step, unit) pairs, the same before training, membrane traces of the
 * first units of every LIF layer, and the test confusion counts. Live probes (within an epoch,
 * never stored) are turned into the same shapes.
 */
import type { ConfusionProbe, LiveProbes, MembraneProbe, RasterProbe, RunProbes } from '../contract';
import type { ProbeRecord } from '../runs/messages';
import type { Store } from '../store/db';
import { requireRun } from '../store/runs';
import { listProbes, probeEpochs, type ProbeRow } from '../store/probes';
import { spikePairs } from './datasets';
import { notFound } from './errors';
import { membranePeak } from './verdict';

/** Membrane traces per layer: enough to see integrate-and-fire, few enough to draw. */
export const MEMBRANE_UNITS = 10;

export function runProbes(store: Store, runId: number, epoch?: number): RunProbes {
  requireRun(store, runId);
  // A non-spiking twin records no rasters, only its confusion counts after each epoch.
  const epochs = [...new Set([...probeEpochs(store, runId, 'raster'), ...probeEpochs(store, runId, 'confusion')])].sort((a, b) => a - b);
  if (epoch !== undefined && !epochs.includes(epoch)) {
    throw notFound(`getRunProbes: run ${runId} has no probes of epoch ${epoch}; allowed: ${epochs.length ? epochs.join(', ') : 'none yet (probes are recorded when training starts)'}`);
  }
  const shown = epoch ?? epochs[epochs.length - 1] ?? 0;
  const probes = latestPerLayer(listProbes(store, runId, { epoch: shown }));
  const confusion = probes.find((p) => p.kind === 'confusion');
  return {
    runId,
    epochs,
    epoch: shown,
    rasters: probes.filter((p) => p.kind === 'raster').map(raster),
    rastersBefore: shown === 0 ? probes.filter((p) => p.kind === 'raster').map(raster) : rastersOf(store, runId, 0),
    membranes: probes.filter((p) => p.kind === 'membrane').map(membrane),
    confusion: confusion ? confusionOf(confusion) : null,
  };
}

function rastersOf(store: Store, runId: number, epoch: number): RasterProbe[] {
  return latestPerLayer(listProbes(store, runId, { kind: 'raster', epoch })).map(raster);
}

/** A run resumed from before a probe records it again: the latest of each (kind, layer) wins. Sorted by layer. */
function latestPerLayer(rows: ProbeRow[]): ProbeRow[] {
  const byKey = new Map<string, ProbeRow>();
  for (const row of rows) byKey.set(`${row.kind}/${row.layer}`, row); // rows come in saving order
  return [...byKey.values()].sort((a, b) => (a.layer ?? -1) - (b.layer ?? -1));
}

/** The probe sample through the weights of a moment within an epoch (main/runs/worker.ts), as the contract shows it. */
export function liveProbes(epoch: number, batch: number, records: readonly ProbeRecord[]): LiveProbes {
  const rows = records.map((r) => ({ ...r, epoch }));
  return { epoch, batch, rasters: rows.filter((r) => r.kind === 'raster').map(raster), membranes: rows.filter((r) => r.kind === 'membrane').map(membrane) };
}

/** A stored or live probe: what raster() and membrane() read. */
type ProbeBytes = Pick<ProbeRow, 'epoch' | 'layer' | 'data' | 'meta'>;

/** Probes recorded before large layers were sampled (main/runs/probe-sample.ts) hold every unit. */
function unitsOf(p: ProbeBytes): { units: number; layerUnits: number; unitStep: number } {
  const units = Number(p.meta.units);
  return { units, layerUnits: Number(p.meta.layerUnits ?? units), unitStep: Number(p.meta.unitStep ?? 1) };
}

function raster(p: ProbeBytes): RasterProbe {
  const steps = Number(p.meta.steps);
  const shape = unitsOf(p);
  return { epoch: p.epoch, layer: p.layer ?? 0, steps, ...shape, label: Number(p.meta.label), spikes: spikePairs(p.data, steps, shape.units) };
}

function membrane(p: ProbeBytes): MembraneProbe {
  const steps = Number(p.meta.steps);
  const { units, unitStep } = unitsOf(p);
  const bytes = p.data.byteOffset % 4 === 0 ? p.data : p.data.slice(); // a Float32Array needs an aligned offset
  const u = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const shown = Math.min(MEMBRANE_UNITS, units);
  const traces = Array.from({ length: shown }, (_, k) => Array.from({ length: steps }, (_, t) => u[t * units + k]!));
  return { epoch: p.epoch, layer: p.layer ?? 0, steps, vth: Number(p.meta.vth), peak: membranePeak(p), unitStep, traces };
}

function confusionOf(p: ProbeRow): ConfusionProbe {
  const counts = new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.byteLength / 4);
  return { epoch: p.epoch, classes: Number(p.meta.classes), counts: [...counts] };
}
