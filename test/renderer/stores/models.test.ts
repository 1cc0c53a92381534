import { beforeEach, describe, expect, it } from 'vitest';
import type { ModelEvaluation } from '../../../main/contract';
import { HostError } from '../../../renderer/src/host/types';
import { useModelsStore } from '../../../renderer/src/stores/models';
import { createTestHost, model, run, settle, storesWith, weights, type TestHost } from '../helpers/test-host';

const evaluation: ModelEvaluation = {
  modelId: 0, datasetId: 1, split: 'test', samples: 4, accuracy: 0, classes: 2, confusion: [2, 0, 1, 1], perClass: [1, 0.5], seed: 1, backend: 'wasm', seconds: 0.1,
};

describe('models store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    host.runs = [run(1)];
    host.models = [model(3), model(5, { name: 'newest' }), model(4)];
    storesWith(host);
  });

  it('lists models newest first', async () => {
    const store = useModelsStore();
    await store.load();
    expect(store.list.map((m) => m.id)).toEqual([5, 4, 3]);
    expect(store.get(5)?.name).toBe('newest');
    expect(store.loaded).toBe(true);
  });

  it('keeps a failed load as an error, not an exception, until one succeeds', async () => {
    const store = useModelsStore();
    host.failNext('listModels', new HostError('disconnected', 'no connection'));
    await store.load();
    expect(store.error).toBe('no connection');
    expect(store.loaded).toBe(false);
    await store.load();
    expect(store.error).toBeNull();
  });

  it('save, rename, import and delete update the list from the answers', async () => {
    const store = useModelsStore();
    await store.load();
    const saved = await store.save({ runId: 1, epoch: 'best', name: 'digits' });
    expect(host.calls.find((c) => c.method === 'saveModel')!.args[0]).toEqual({ runId: 1, epoch: 'best', name: 'digits' });
    expect(store.list[0]).toMatchObject({ id: saved.id, name: 'digits' });
    await store.rename(saved.id, 'digits-v2');
    expect(store.get(saved.id)?.name).toBe('digits-v2');
    await expect(store.rename(saved.id, 'newest')).rejects.toMatchObject({ code: 'model-exists' });
    expect(store.get(saved.id)?.name).toBe('digits-v2');
    const imported = await store.importModel({ source: { kind: 'upload', uploadId: 'u1' } });
    expect(store.get(imported.id)?.provenance.origin).toBe('bundle');
    await store.remove(3);
    expect(store.get(3)).toBeUndefined();
    host.failNext('deleteModel', new HostError('busy', 'model 4 is being read'));
    await expect(store.remove(4)).rejects.toMatchObject({ code: 'busy' });
    expect(store.get(4)).toBeDefined();
  });

  it('passes export and run-weights requests through without keeping bytes', async () => {
    const store = useModelsStore();
    host.weights.set(1, [weights(2, { latest: true }), weights(1, { best: true })]);
    expect((await store.runWeights(1)).map((w) => w.epoch)).toEqual([2, 1]);
    const file = await store.exportModel({ source: { kind: 'run', runId: 1, epoch: 'latest' }, format: 'nir', dt: 1e-3 });
    expect(file).toMatchObject({ fileName: 'model.nir', format: 'nir' });
    expect(host.calls.find((c) => c.method === 'exportModel')!.args[0]).toEqual({ source: { kind: 'run', runId: 1, epoch: 'latest' }, format: 'nir', dt: 1e-3 });
    await expect(store.runWeights(9)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('evaluates, keeps the answer to the latest request even when an older one arrives last, and reports failures in place', async () => {
    const store = useModelsStore();
    await store.load();
    const answers: ((value: ModelEvaluation) => void)[] = [];
    const real = host.evaluateModel.bind(host);
    host.evaluateModel = () => new Promise((resolve) => answers.push(resolve));
    const first = store.evaluate({ modelId: 5, datasetId: 1 });
    const second = store.evaluate({ modelId: 4, datasetId: 1, split: 'train', limit: 100 });
    expect(store.evaluating).toBe(true);
    const result = (modelId: number, accuracy: number) => ({ ...evaluation, modelId, accuracy });
    answers[1]!(result(4, 0.5));
    await second;
    answers[0]!(result(5, 0.9)); // the older request answers last
    await first;
    expect(store.evaluation).toMatchObject({ modelId: 4, accuracy: 0.5 });
    expect(store.evaluating).toBe(false);
    host.evaluateModel = real;
    host.failNext('evaluateModel', new HostError('bad-request', 'dataset 1 has samples of 2×34×34'));
    await store.evaluate({ modelId: 5, datasetId: 1 });
    expect(store.evaluationError).toMatch(/2×34×34/);
    store.clearEvaluation();
    expect(store.evaluation).toBeNull();
    expect(store.evaluationError).toBeNull();
  });

  it('drops an evaluation answer that arrives after the evaluation was cleared', async () => {
    const store = useModelsStore();
    const pending = store.evaluate({ modelId: 5, datasetId: 1 });
    store.clearEvaluation();
    await pending;
    expect(store.evaluation).toBeNull();
    expect(store.evaluating).toBe(false);
  });

  it('forgets the evaluation of a deleted model', async () => {
    const store = useModelsStore();
    await store.load();
    await store.evaluate({ modelId: 5, datasetId: 1 });
    await store.remove(5);
    expect(store.evaluation).toBeNull();
  });

  it('reloads on models-changed and after a reconnection', async () => {
    const store = useModelsStore();
    await store.load();
    host.models.push(model(9));
    host.emit({ type: 'models-changed' });
    await settle();
    expect(store.list[0]!.id).toBe(9);
    host.models = host.models.filter((m) => m.id !== 9);
    host.setStatus({ resumedAt: 1 });
    await settle();
    expect(store.get(9)).toBeUndefined();
  });
});
