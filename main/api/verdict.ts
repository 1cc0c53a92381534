/**
 * A run's verdict (engine/train/verdict.ts) from what the store holds: its epochs, its first
 * batch's loss, the test split's class counts (the latest confusion matrix's rows) and the probe
 * sample's peak membrane potential per layer in the latest probe.
 */
import type { ModelPlan } from '../../engine/spec/infer';
import { runVerdict } from '../../engine/train/verdict';
import type { EpochPoint, RunVerdict } from '../contract';
import type { Store } from '../store/db';
import type { MetricRow } from '../store/metrics';
import { listProbes, probeEpochs, type ProbeRow } from '../store/probes';

export interface VerdictFacts {
  runId: number;
  plan: ModelPlan;
  network: 'spiking' | 'twin';
  epochs: readonly EpochPoint[];
  firstBatch: MetricRow | undefined;
  /** The last weights' accuracy when a stop evaluated them. */
  stopTestAccuracy: number | undefined;
}

export function storedVerdict(store: Store, f: VerdictFacts): RunVerdict | null {
  const lastEpoch = f.epochs[f.epochs.length - 1]?.epoch;
  const confusion = lastEpoch === undefined ? undefined : listProbes(store, f.runId, { kind: 'confusion', epoch: lastEpoch }).at(-1);
  const peaks = latestPeaks(store, f.runId);
  const loss = f.firstBatch?.values.loss;
  return runVerdict({
    network: f.network,
    classes: f.plan.classes,
    ...(confusion && { testClassCounts: classCounts(confusion) }),
    epochs: f.epochs,
    ...(typeof loss === 'number' && { firstBatchLoss: loss }),
    ...(f.stopTestAccuracy !== undefined && { stopTestAccuracy: f.stopTestAccuracy }),
    layers: f.plan.layers.map((l, i) => ({ name: `layer ${l.index} (${l.kind} ${l.units})`, vth: l.vth, peakPotential: peaks.get(i + 1) })),
  });
}

/** Rows of a confusion probe: test samples per true class. */
function classCounts(p: ProbeRow): number[] {
  const classes = Number(p.meta.classes);
  const counts = new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.byteLength / 4);
  return Array.from({ length: classes }, (_, k) => counts.subarray(k * classes, (k + 1) * classes).reduce((a, b) => a + b, 0));
}

/** Probe layer → the largest |u| of the probe sample in the latest epoch with membrane probes. */
function latestPeaks(store: Store, runId: number): Map<number, number> {
  const epoch = probeEpochs(store, runId, 'membrane').at(-1);
  const peaks = new Map<number, number>();
  if (epoch === undefined) return peaks;
  for (const p of listProbes(store, runId, { kind: 'membrane', epoch })) peaks.set(p.layer ?? 0, membranePeak(p));
  return peaks;
}

/** The peak the training process recorded over the whole layer, else (probes before it did) the stored potentials'. */
export function membranePeak(p: Pick<ProbeRow, 'data' | 'meta'>): number {
  if (typeof p.meta.peak === 'number') return p.meta.peak;
  const bytes = p.data.byteOffset % 4 === 0 ? p.data : p.data.slice();
  const u = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let peak = 0;
  for (let i = 0; i < u.length; i++) peak = Math.max(peak, Math.abs(u[i]!));
  return peak;
}
