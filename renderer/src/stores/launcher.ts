import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ModelSpec } from '../../../engine/spec/types';
import type { ModelSummary, RunEstimate, RunSettings, RunSummary, StartRunRequest } from '../../../main/contract';
import { inspectSpec, type SpecReport } from '../designer/inspect';
import { fromModelSpec } from '../designer/layers';
import { errorMessage, useHost } from '../host';
import { fieldErrors, fieldWarnings, type FieldMessages } from '../run/checks';
import { QUICK, settingsFor, TABLE_I } from '../run/settings';
import { latestOnly } from './shared';
import { useDatasetsStore } from './datasets';
import { useDesignerStore } from './designer';
import { useRunsStore } from './runs';
import { useSpecsStore } from './specs';

export type SpecChoice = { kind: 'designer' } | { kind: 'saved'; name: string } | { kind: 'preset'; name: string };

/** Encodes a spec choice for a <select>: "designer", "saved:NAME", "preset:NAME". */
export const choiceKey = (choice: SpecChoice): string => (choice.kind === 'designer' ? 'designer' : `${choice.kind}:${choice.name}`);
export function parseChoice(key: string): SpecChoice {
  if (key.startsWith('saved:')) return { kind: 'saved', name: key.slice(6) };
  if (key.startsWith('preset:')) return { kind: 'preset', name: key.slice(7) };
  return { kind: 'designer' };
}

/** The run launcher's form: dataset, spec, hyper-parameters, seed, backend. */
export const useLauncherStore = defineStore('launcher', () => {
  const host = useHost();
  const datasets = useDatasetsStore();
  const designer = useDesignerStore();
  const specs = useSpecsStore();
  const runs = useRunsStore();

  const datasetId = ref<number | null>(null);
  const choice = ref<SpecChoice>({ kind: 'designer' });
  const settings = ref<RunSettings>({ ...TABLE_I });
  const seed = ref(1);
  const backend = ref('auto');
  const name = ref('');
  const starting = ref(false);
  const error = ref<string | null>(null);

  const spec = computed<ModelSpec | null>(() => {
    const c = choice.value;
    if (c.kind === 'designer') return designer.modelSpec;
    if (c.kind === 'saved') return specs.savedSpec(c.name)?.spec ?? null;
    return specs.preset(c.name)?.spec ?? null;
  });

  const report = computed<SpecReport | null>(() => (spec.value ? inspectSpec(fromModelSpec(spec.value), designer.engineClasses) : null));
  const dataset = computed(() => datasets.list.find((d) => d.id === datasetId.value) ?? null);

  /** What stops a start, by the field it is about (each shown beside that field, named by its label). */
  const errors = computed<FieldMessages>(() => {
    const out: FieldMessages = {};
    if (!dataset.value) out.dataset = 'Choose a dataset.';
    if (!spec.value) out.network = 'Choose a network.';
    else if (report.value?.unsupportedClasses.length) out.network = `The engine cannot train ${report.value.unsupportedClasses.join(', ')} layers yet.`;
    else if (report.value && !report.value.valid) out.network = `The network has an error: ${report.value.error ?? 'see the designer'}.`;
    if (dataset.value && report.value?.valid) {
      const inputs = report.value.layers[0]?.outputShape ?? [];
      const want = dataset.value.inputShape;
      if (product(inputs) !== product(want)) {
        out.dataset = `The network takes ${inputs.join('×')} inputs but ${dataset.value.name} samples are ${want.join('×')}.`;
      } else if (report.value.classes !== null && report.value.classes !== dataset.value.classes) {
        out.dataset = `The output layer has ${report.value.classes} units but ${dataset.value.name} has ${dataset.value.classes} classes.`;
      }
    }
    return { ...out, ...fieldErrors({ settings: settings.value, seed: seed.value, dataset: dataset.value, spec: spec.value }) };
  });

  /** Settings that will run but are unlikely to learn (a learning rate far out of range, T = 1, an unreachable threshold). */
  const warnings = computed<FieldMessages>(() =>
    fieldWarnings({ settings: settings.value, seed: seed.value, dataset: dataset.value, spec: report.value?.valid ? spec.value : null }),
  );

  /** Problems that stop a start, in words; empty when the form can start. */
  const problems = computed<string[]>(() => Object.values(errors.value));

  /** Table I, or the preset's `train` when the spec comes from one (directly or via the designer). */
  const defaults = computed<RunSettings>(() => {
    const c = choice.value;
    const presetName = c.kind === 'preset' ? c.name : c.kind === 'designer' && designer.origin.kind === 'preset' ? designer.origin.name : null;
    return settingsFor(presetName ? specs.preset(presetName) : undefined);
  });

  function applyDefaults(): void {
    const limits = { limit: settings.value.limit, testLimit: settings.value.testLimit };
    settings.value = { ...defaults.value, ...dropUndefined(limits) };
  }

  /** A first run that takes a minute or two, not hours: T = 8, a few epochs, a subset of the data. */
  function applyQuick(): void {
    settings.value = { ...settings.value, ...QUICK };
  }

  // ---- the estimate: the network timed on this machine (estimateRun) ----------------------------
  const estimate = ref<RunEstimate | null>(null);
  const estimateError = ref<string | null>(null);
  const estimating = ref(false);
  /** The request the estimate is for; a changed form makes it stale until the next one. */
  const estimatedFor = ref<string | null>(null);
  const estimateRequest = latestOnly();

  /** What Start would send, or null while the form cannot start. */
  const request = computed<StartRunRequest | null>(() => {
    if (problems.value.length > 0 || !spec.value || datasetId.value === null) return null;
    const settingsToSend: RunSettings = { ...settings.value };
    if (settingsToSend.limit === undefined) delete settingsToSend.limit;
    if (settingsToSend.testLimit === undefined) delete settingsToSend.testLimit;
    return { ...(name.value.trim() ? { name: name.value.trim() } : {}), datasetId: datasetId.value, spec: spec.value, settings: settingsToSend, seed: seed.value, backend: backend.value };
  });
  /** What the estimate depends on (not the run's name). */
  const estimateKey = computed(() => {
    const r = request.value;
    return r ? JSON.stringify({ ...r, name: undefined }) : null;
  });

  async function refreshEstimate(): Promise<void> {
    const r = request.value;
    const key = estimateKey.value;
    const current = estimateRequest();
    if (!r || key === null) {
      estimate.value = null;
      estimatedFor.value = null;
      estimating.value = false;
      return;
    }
    estimating.value = true;
    try {
      const answer = await host.estimateRun(r);
      if (!current()) return;
      estimate.value = answer;
      estimatedFor.value = key;
      estimateError.value = null;
    } catch (cause) {
      if (current()) estimateError.value = errorMessage(cause);
    } finally {
      if (current()) estimating.value = false;
    }
  }

  function choose(next: SpecChoice): void {
    choice.value = next;
    applyDefaults();
  }

  /** Prepares the form for a new run of the designer's spec ("Train this network"). */
  function prepareFromDesigner(): void {
    choose({ kind: 'designer' });
  }

  /**
   * Fine-tune a stored model: its spec in the designer, its run's settings (else Table I) with its T,
   * its dataset when the store has one of that name, and its weights as the start.
   */
  function prepareFromModel(model: ModelSummary): void {
    designer.load(model.spec, { kind: 'new' });
    choice.value = { kind: 'designer' };
    const own = pickSettings(model.provenance.settings);
    settings.value = { ...TABLE_I, ...own, steps: model.coding.steps, initialModelId: model.id };
    seed.value = model.provenance.seed;
    const sameData = datasets.list.find((d) => d.name === model.dataset.name);
    if (sameData) datasetId.value = sameData.id;
    name.value = `${model.name}-tuned`;
  }

  /** Train from the initialiser again instead of a model's weights. */
  function dropInitialModel(): void {
    const { initialModelId: _, ...rest } = settings.value;
    settings.value = rest;
  }

  /** Same settings as an earlier run (a rerun with changes). */
  function prepareFrom(run: RunSummary): void {
    datasetId.value = run.datasetId;
    designer.load(run.spec, { kind: 'new' });
    choice.value = { kind: 'designer' };
    settings.value = { ...run.settings };
    seed.value = run.seed;
    backend.value = run.backendRequested;
    name.value = '';
  }

  function pickDefaultDataset(): void {
    if (dataset.value || datasets.list.length === 0) return;
    datasetId.value = (datasets.list.find((d) => d.name === 'mnist') ?? datasets.list[0]!).id;
  }

  async function start(): Promise<RunSummary | null> {
    const r = request.value;
    if (!r) {
      error.value = problems.value[0] ?? 'The form is incomplete.';
      return null;
    }
    starting.value = true;
    try {
      const run = await runs.start(r);
      error.value = null;
      name.value = '';
      return run;
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause);
      return null;
    } finally {
      starting.value = false;
    }
  }

  return {
    datasetId, choice, settings, seed, backend, name, starting, error, spec, report, dataset, errors, warnings, problems, defaults,
    estimate, estimateError, estimating, estimatedFor, estimateKey,
    choose, applyDefaults, applyQuick, refreshEstimate, prepareFromDesigner, prepareFrom, prepareFromModel, dropInitialModel, pickDefaultDataset, start,
  };
});

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The settings a run can take from a model's recorded ones (its run's hyper-parameters), type-checked. */
function pickSettings(recorded: Record<string, unknown> | null): Partial<RunSettings> {
  const r = recorded ?? {};
  const out: Partial<RunSettings> = {};
  for (const key of ['epochs', 'batchSize', 'lr', 'initGain'] as const) if (typeof r[key] === 'number') out[key] = r[key];
  for (const key of ['optimizer', 'loss', 'grad', 'init'] as const) if (typeof r[key] === 'string') out[key] = r[key];
  if (r.network === 'spiking' || r.network === 'twin') out.network = r.network;
  return out;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
