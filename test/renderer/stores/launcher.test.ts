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

  it('explains what stops a start: no dataset, a bad spec, shapes that do not fit, bad numbers', () => {
    const launcher = useLauncherStore();
    expect(launcher.problems).toContain('Choose a dataset.');
    launcher.datasetId = 2;
    expect(launcher.problems.join(' ')).toMatch(/takes 784 inputs but nmnist samples are 2×34×34/);
    launcher.datasetId = 1;
    useDesignerStore().updateLayer(2, { units: 1 });
    expect(launcher.problems.join(' ')).toMatch(/network has an error/);
    useDesignerStore().updateLayer(2, { units: 10 });
    launcher.settings = { ...launcher.settings, epochs: 0, limit: 2.5 };
    expect(launcher.problems).toEqual(['epochs must be a whole number ≥ 1.', 'Train limit must be empty or a whole number ≥ 1.']);
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
