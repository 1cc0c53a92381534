import { beforeEach, describe, expect, it } from 'vitest';
import { TABLE_I } from '../../../renderer/src/run/settings';
import { useDatasetsStore } from '../../../renderer/src/stores/datasets';
import { useDesignerStore } from '../../../renderer/src/stores/designer';
import { useLauncherStore } from '../../../renderer/src/stores/launcher';
import { useRunsStore } from '../../../renderer/src/stores/runs';
import { useSpecsStore } from '../../../renderer/src/stores/specs';
import { HostError } from '../../../renderer/src/host/types';
import { MLP_SPEC, createTestHost, dataset, model, run, storesWith, type TestHost } from '../helpers/test-host';

describe('launcher store', () => {
  let host: TestHost;
  beforeEach(async () => {
    host = createTestHost();
    host.datasets = [dataset(1), dataset(2, 'nmnist', { kind: 'events', inputShape: [2, 34, 34] })];
    host.presets = [{ name: 'quick', description: '', spec: MLP_SPEC, train: { epochs: 1, steps: 8, lr: 0.005 } }];
    storesWith(host, { storage: null });
    await Promise.all([useDatasetsStore().load(), useSpecsStore().load()]);
  });

  it('defaults to Table I and picks MNIST', () => {
    const launcher = useLauncherStore();
    launcher.pickDefaultDataset();
    expect(launcher.settings).toEqual(TABLE_I);
    expect(launcher.datasetId).toBe(1);
    expect(launcher.problems).toEqual([]);
  });

  it("fine-tunes a model: its spec, its run's settings and T, its dataset and seed, and its weights as the start", () => {
    const launcher = useLauncherStore();
    const m = model(4, {
      name: 'digits', spec: MLP_SPEC, coding: { kind: 'bernoulli', steps: 12 },
      dataset: { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classNames: [] },
      provenance: { ...model(4).provenance, seed: 9, settings: { epochs: 3, lr: 0.002, optimizer: 'sgd', steps: 30, threads: 2, limit: 500 } },
    });
    launcher.prepareFromModel(m);
    expect(launcher.settings).toEqual({ ...TABLE_I, epochs: 3, lr: 0.002, optimizer: 'sgd', steps: 12, initialModelId: 4 });
    expect(launcher.seed).toBe(9);
    expect(launcher.datasetId).toBe(1);
    expect(launcher.name).toBe('digits-tuned');
    expect(launcher.spec).toEqual(MLP_SPEC);
    launcher.dropInitialModel();
    expect(launcher.settings.initialModelId).toBeUndefined();
  });

  it("takes a preset's train settings, keeping the user's limits", () => {
    const launcher = useLauncherStore();
    launcher.settings = { ...launcher.settings, limit: 1000 };
    launcher.choose({ kind: 'preset', name: 'quick' });
    expect(launcher.settings).toMatchObject({ epochs: 1, steps: 8, lr: 0.005, batchSize: 100, initGain: 3, limit: 1000 });
    expect(launcher.report?.valid).toBe(true); // the preset's spec comes out of reactive store state
    // The designer loaded from a preset also brings its settings.
    useDesignerStore().load(MLP_SPEC, { kind: 'preset', name: 'quick' });
    launcher.choose({ kind: 'designer' });
    expect(launcher.settings.steps).toBe(8);
  });

  it('explains what stops a start beside the field at fault, named by its label', () => {
    const launcher = useLauncherStore();
    expect(launcher.errors.dataset).toBe('Choose a dataset.');
    launcher.datasetId = 2;
    expect(launcher.errors.dataset).toMatch(/takes 784 inputs but nmnist samples are 2×34×34/);
    launcher.datasetId = 1;
    useDesignerStore().updateLayer(2, { units: 1 });
    expect(launcher.errors.network).toMatch(/network has an error/);
    useDesignerStore().updateLayer(2, { units: 10 });
    launcher.settings = { ...launcher.settings, epochs: 0, steps: 0, limit: 2.5 };
    expect(launcher.errors).toEqual({
      epochs: 'Epochs must be a whole number from 1 to 100,000 (it is 0).',
      steps: 'Time steps T must be a whole number from 1 to 10,000 (it is 0).',
      limit: 'Train limit must be empty (all samples) or a whole number of at least 1.',
    });
    expect(launcher.problems).toHaveLength(3);
    launcher.settings = { ...launcher.settings, network: 'twin' };
    expect(launcher.errors.steps).toBeUndefined(); // a twin has no time steps
  });

  it('warns of settings that will run but not learn: lr far out of range, T = 1, a threshold no input reaches', () => {
    const launcher = useLauncherStore();
    launcher.datasetId = 1;
    expect(launcher.warnings).toEqual({});
    launcher.settings = { ...launcher.settings, lr: 50, steps: 1 };
    expect(launcher.warnings.lr).toBe("Learning rate 50 is far above Adam's usual range (0.0001 to 0.01): the weights are likely to blow up and the run not to learn.");
    expect(launcher.warnings.steps).toMatch(/^T = 1 is a single time step/);
    launcher.settings = { ...launcher.settings, lr: 0.5, optimizer: 'sgd', steps: 30, initGain: 0.01 };
    expect(launcher.warnings.lr).toBeUndefined(); // the paper's SGD rate
    // 784 inputs at gain 0.01: at most 0.01 · √784 = 0.28 per step, 0.31 with τ = 0.1, under Vth 1.5.
    expect(launcher.warnings.initGain).toBe('Vth 1.5 of layer 1 (dense) is above the most any input can give it at the start (0.311, with init paper × 0.01): it can never fire and no gradient reaches it. Raise the init gain or lower Vth.');
    expect(launcher.problems).toEqual([]); // warnings do not stop a start
  });

  it('offers a quick setting beside the paper\'s, and asks the main side for an estimate of what Start would run', async () => {
    const launcher = useLauncherStore();
    launcher.datasetId = 1;
    launcher.applyQuick();
    expect(launcher.settings).toMatchObject({ steps: 8, epochs: 3, limit: 10000, testLimit: 2000 });
    await launcher.refreshEstimate();
    expect(launcher.estimate).toMatchObject({ seconds: 180, trainSamplesPerSecond: 1200 });
    expect(launcher.estimatedFor).toBe(launcher.estimateKey);
    const call = host.calls.find((c) => c.method === 'estimateRun')!;
    expect(call.args[0]).toMatchObject({ datasetId: 1, settings: { steps: 8, epochs: 3, limit: 10000 } });
    launcher.settings = { ...launcher.settings, epochs: 5 };
    expect(launcher.estimatedFor).not.toBe(launcher.estimateKey); // stale until asked again
    launcher.applyDefaults();
    expect(launcher.settings).toMatchObject({ steps: 30, epochs: 20, limit: 10000, testLimit: 2000 }); // the paper's, the subset kept
    host.failNext('estimateRun', new HostError('timeout', 'timing the run took longer than 120 s'));
    await launcher.refreshEstimate();
    expect(launcher.estimateError).toBe('timing the run took longer than 120 s');
  });

  it('starts a run with the chosen spec, settings, seed and backend', async () => {
    const launcher = useLauncherStore();
    launcher.datasetId = 1;
    launcher.seed = 42;
    launcher.backend = 'wasm';
    launcher.settings = { ...launcher.settings, epochs: 2, limit: 500 };
    const started = await launcher.start();
    expect(started).not.toBeNull();
    const request = host.calls.find((c) => c.method === 'startRun')!.args[0] as Record<string, unknown>;
    expect(request).toMatchObject({ datasetId: 1, seed: 42, backend: 'wasm', settings: { ...TABLE_I, epochs: 2, limit: 500 } });
    expect(request.settings).not.toHaveProperty('testLimit');
    expect((request.spec as { layers: unknown[] }).layers).toHaveLength(3);
    expect(useRunsStore().get(started!.id)).toBeDefined();
  });

  it('shows the server refusal', async () => {
    const launcher = useLauncherStore();
    launcher.datasetId = 1;
    host.failNext('startRun', new HostError('bad-request', 'settings.batchSize is 0'));
    expect(await launcher.start()).toBeNull();
    expect(launcher.error).toBe('settings.batchSize is 0');
  });

  it('prepares a rerun from an earlier run', () => {
    const launcher = useLauncherStore();
    launcher.prepareFrom(run(4, { seed: 9, backendRequested: 'tfjs', datasetId: 2 }));
    expect(launcher).toMatchObject({ seed: 9, backend: 'tfjs', datasetId: 2 });
    expect(launcher.choice).toEqual({ kind: 'designer' });
    expect(useDesignerStore().modelSpec.layers).toHaveLength(3);
  });
});
