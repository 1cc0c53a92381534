import type { DatasetSummary, EpochChoice, ModelSummary, RunWeights } from '../../../main/contract';
import type { InputCoding, ModelOrigin } from '../../../engine/export/model';
import { inferModel } from '../../../engine/spec/infer';
import type { ModelSpec } from '../../../engine/spec/types';
import { layerSummary } from '../components/designer/summary';
import type { DesignLayer } from '../designer/layers';
import { dateTime, decimal, percent } from '../util/format';

export const ORIGIN_LABELS: Record<ModelOrigin, string> = { trained: 'trained here', bundle: 'imported bundle', nir: 'imported NIR' };

/** The time step snnTorch's `export_to_nir` / `import_from_nir` assume, in seconds. */
export const DEFAULT_NIR_DT = 1e-4;

export interface LayerRow {
  index: number;
  className: string;
  /** "800 units", "15 filters 5×5, stride 1, pad 0". */
  summary: string;
  /** Output shape, when shape inference got this far. */
  shape: number[] | null;
  params: number | null;
  /** The neuron of a LIF layer ("LIF Vth 1.5, decay 0.1, rectangular a=1", or ReLU for the twin); null for others. */
  neuron: string | null;
}

/** A model's layers with their shapes, parameters and neuron settings (the engine's shape inference). */
export function layerRows(spec: ModelSpec, network: 'spiking' | 'twin'): LayerRow[] {
  let plan: ReturnType<typeof inferModel> | null = null;
  try {
    plan = inferModel(spec);
  } catch {
    // A stored model passed inference when it was saved; should it not now, the rows still list its layers.
  }
  return spec.layers.map((layer, index) => {
    const shape = plan?.shapes.find((s) => s.index === index) ?? null;
    const lif = plan?.layers.find((l) => l.index === index) ?? null;
    const design = { id: String(index), className: layer.className, config: layer.config ?? {} } as DesignLayer;
    return {
      index,
      className: layer.className,
      summary: layerSummary(design),
      shape: shape?.outputShape ?? null,
      params: shape?.params ?? null,
      neuron: lif ? (network === 'twin' ? 'ReLU (non-spiking twin)' : `LIF Vth ${decimal(lif.vth)}, decay τ ${decimal(lif.decay)}, ${lif.surrogate} a=${decimal(lif.width)}`) : null,
    };
  });
}

/** "784-800-10" or "1x28x28-15C5-P2-40C5-P2-300-10". */
export function layersLine(spec: ModelSpec): string {
  return spec.layers
    .map((layer) => {
      const c = (layer.config ?? {}) as Record<string, unknown>;
      switch (layer.className) {
        case 'input':
          return Array.isArray(c.shape) ? (c.shape as number[]).join('x') : '?';
        case 'conv2d':
          return `${String(c.filters)}C${String(c.kernel)}`;
        case 'avgpool':
          return `P${String(c.kernel)}`;
        case 'dense':
        case 'output':
          return String(c.units);
        default:
          return null;
      }
    })
    .filter((part) => part !== null)
    .join('-');
}

/** How samples reach the network. */
export function codingText(coding: InputCoding): string {
  return coding.kind === 'bernoulli'
    ? `Bernoulli rate coding over T = ${coding.steps} steps (pixel / 255 is the spike probability per step)`
    : `event stream binned into T = ${coding.steps} frames by ${coding.binning.mode === 'time' ? 'equal durations' : 'equal event counts'}`;
}

/** The model's steps per sample as a short figure ("1" for the twin, one pass). */
export function stepsText(model: Pick<ModelSummary, 'network' | 'coding'>): string {
  return model.network === 'twin' ? '1 (twin)' : String(model.coding.steps);
}

/** Label/value rows of where a model came from. */
export function provenanceRows(model: ModelSummary): { label: string; value: string }[] {
  const p = model.provenance;
  const rows = [
    { label: 'origin', value: ORIGIN_LABELS[p.origin] ?? p.origin },
    { label: 'run', value: p.runId === null ? '—' : `#${p.runId}${model.runName ? ` ${model.runName}` : ' (deleted)'}` },
    { label: 'epoch', value: p.epoch === null ? '—' : String(p.epoch) },
    { label: 'test accuracy', value: percent(p.testAccuracy) },
    { label: 'seed', value: String(p.seed) },
    { label: 'backend', value: p.backend ?? '—' },
    { label: 'app version', value: p.appVersion },
    { label: 'created', value: dateTime(p.createdAt) },
  ];
  if (p.sourceFile) rows.push({ label: 'file', value: p.sourceFile });
  if (p.nirDt !== undefined) rows.push({ label: 'NIR dt', value: `${p.nirDt} s` });
  if (p.notes?.length) rows.push({ label: 'import notes', value: p.notes.join('; ') });
  return rows;
}

/** A run's hyper-parameters as label/value rows (what `provenance.settings` holds). */
export function settingsRows(settings: Record<string, unknown> | null): { label: string; value: string }[] {
  if (!settings) return [];
  return Object.entries(settings).map(([label, value]) => ({ label, value: typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value) }));
}

/**
 * Why a dataset cannot be used with a model (evaluation, test samples), or null when it can: the
 * same kind of samples, the same sample shape, and no more classes than the model has outputs.
 */
export function datasetMismatch(model: Pick<ModelSummary, 'dataset'>, dataset: DatasetSummary): string | null {
  const want = model.dataset;
  if (dataset.kind !== want.kind) return `${dataset.kind} samples; the model takes ${want.kind}`;
  if (dataset.inputShape.join('x') !== want.sampleShape.join('x')) return `samples of ${dataset.inputShape.join('×')}; the model takes ${want.sampleShape.join('×')}`;
  if (dataset.classes > want.classNames.length) return `${dataset.classes} classes; the model has ${want.classNames.length} outputs`;
  return null;
}

/** A NIR time step from the export dialog's text: a positive number of seconds, at most 1. */
export function parseDt(text: string): { dt: number } | { error: string } {
  const dt = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(dt) || dt <= 0 || dt > 1) return { error: `dt is "${text}"; allowed: a number of seconds above 0 and at most 1, e.g. 1e-4` };
  return { dt };
}

/** A choice of a run's stored weights for saving or exporting. */
export interface WeightChoice {
  key: string;
  epoch: EpochChoice;
  label: string;
}

/** "epoch 3, batch 120 of a pause" etc. */
function weightsText(w: RunWeights): string {
  const where = w.reason === 'epoch' ? `epoch ${w.epoch}` : `epoch ${w.epoch}, batch ${w.batch} (${w.reason === 'pause' ? 'paused' : 'stopped'})`;
  return w.testAccuracy === null ? where : `${where} · test ${percent(w.testAccuracy)}`;
}

/**
 * What a run's stored weights offer (newest first as listRunWeights answers): best and latest
 * first, then every epoch end. Empty when nothing is stored yet.
 */
export function weightChoices(weights: readonly RunWeights[]): WeightChoice[] {
  const out: WeightChoice[] = [];
  const best = weights.find((w) => w.best);
  const latest = weights.find((w) => w.latest);
  if (best) out.push({ key: 'best', epoch: 'best', label: `best: ${weightsText(best)}` });
  if (latest) out.push({ key: 'latest', epoch: 'latest', label: `latest: ${weightsText(latest)}` });
  const epochs = [...new Set(weights.filter((w) => w.reason === 'epoch').map((w) => w.epoch))].sort((a, b) => b - a);
  for (const epoch of epochs) {
    const w = weights.find((x) => x.reason === 'epoch' && x.epoch === epoch)!;
    out.push({ key: `epoch-${epoch}`, epoch, label: weightsText(w) });
  }
  return out;
}

/** Why a run has nothing to save or export yet. */
export const NO_WEIGHTS_REASON = 'No weights are stored for this run yet: they are kept at the end of every epoch and when the run is paused or stopped.';

/** Is `name` free for a model (other than `exceptId`, when renaming)? */
export function modelNameTaken(models: readonly Pick<ModelSummary, 'id' | 'name'>[], name: string, exceptId: number | null = null): boolean {
  const wanted = name.trim();
  return models.some((m) => m.name === wanted && m.id !== exceptId);
}

/**
 * What to add to a prediction so it is not over-read: a tie (the first of the tied classes wins,
 * as in training) or no output spikes at all (class 0 then wins by default). Null otherwise.
 */
export function predictionNote(counts: readonly number[], predicted: number, twin = false): string | null {
  const top = counts[predicted] ?? 0;
  if (!twin && counts.every((c) => c === 0)) return 'No output neuron spiked: the first class wins by default.';
  const tied = counts.filter((c) => c === top).length;
  if (tied > 1) return `A tie between ${tied} classes at ${twin ? top.toFixed(3) : top}: the first of them wins, as in training.`;
  return null;
}
