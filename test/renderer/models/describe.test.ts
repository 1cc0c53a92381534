import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../engine/spec/types';
import {
  codingText, datasetMismatch, layerRows, layersLine, modelNameTaken, parseDt, predictionNote, provenanceRows, settingsRows, stepsText, weightChoices,
} from '../../../renderer/src/models/describe';
import { dataset, model, weights } from '../helpers/test-host';

const CNN: ModelSpec = {
  neuron: { vth: 1, tau: 0.2, surrogate: { name: 'sigmoid', width: 2 } },
  layers: [
    { className: 'input', config: { shape: [1, 28, 28] } },
    { className: 'conv2d', config: { filters: 15, kernel: 5 } },
    { className: 'avgpool', config: { kernel: 2 } },
    { className: 'flatten' },
    { className: 'dense', config: { units: 300, vth: 2 } },
    { className: 'output', config: { units: 10, bias: false } },
  ],
};

describe('model details', () => {
  it('lists every layer with its shape, parameters and the neuron of LIF layers', () => {
    const rows = layerRows(CNN, 'spiking');
    expect(rows.map((r) => [r.className, r.shape, r.params])).toEqual([
      ['input', [1, 28, 28], 0],
      ['conv2d', [15, 24, 24], 15 * 25 + 15],
      ['avgpool', [15, 12, 12], 0],
      ['flatten', [2160], 0],
      ['dense', [300], 2160 * 300 + 300],
      ['output', [10], 3000],
    ]);
    expect(rows[1]!.summary).toBe('15 filters 5×5, stride 1, pad 0');
    expect(rows[1]!.neuron).toBe('LIF Vth 1, decay τ 0.2, sigmoid a=2');
    expect(rows[4]!.neuron).toBe('LIF Vth 2, decay τ 0.2, sigmoid a=2'); // the layer's own Vth over the spec's
    expect(rows[2]!.neuron).toBeNull();
    expect(layerRows(CNN, 'twin')[4]!.neuron).toBe('ReLU (non-spiking twin)');
  });

  it('still lists the layers of a spec that no longer infers, without shapes', () => {
    const broken: ModelSpec = { layers: [{ className: 'input', config: { shape: [4] } }, { className: 'dense', config: { units: 0 } }] };
    expect(layerRows(broken, 'spiking').map((r) => [r.className, r.shape])).toEqual([['input', null], ['dense', null]]);
  });

  it('writes the network as one line', () => {
    expect(layersLine(CNN)).toBe('1x28x28-15C5-P2-300-10');
    expect(layersLine(model(1).spec)).toBe('784-800-10');
  });

  it('says how samples are coded and over how many steps', () => {
    expect(codingText({ kind: 'bernoulli', steps: 30 })).toMatch(/^Bernoulli rate coding over T = 30 steps/);
    expect(codingText({ kind: 'events', steps: 10, binning: { mode: 'time' } })).toBe('event stream binned into T = 10 frames by equal durations');
    expect(stepsText(model(1))).toBe('30');
    expect(stepsText(model(1, { network: 'twin' }))).toBe('1 (twin)');
  });

  it('shows provenance, with a deleted run, a source file and a NIR dt when there are', () => {
    const rows = (m: ReturnType<typeof model>) => Object.fromEntries(provenanceRows(m).map((r) => [r.label, r.value]));
    expect(rows(model(1))).toMatchObject({ origin: 'trained here', run: '#1 run 1', epoch: '2', 'test accuracy': '97.00%', seed: '1', backend: 'wasm', 'app version': '0.1.0' });
    expect(rows(model(1, { runName: null }))).toMatchObject({ run: '#1 (deleted)' });
    const nir = model(2, { runName: null });
    nir.provenance = { ...nir.provenance, origin: 'nir', runId: null, epoch: null, testAccuracy: null, backend: null, sourceFile: 'net.nir', nirDt: 0.001, notes: ['surrogate: default', 'r read as a threshold scale'] };
    expect(rows(nir)).toMatchObject({ origin: 'imported NIR', run: '—', epoch: '—', 'test accuracy': '—', backend: '—', file: 'net.nir', 'NIR dt': '0.001 s', 'import notes': 'surrogate: default; r read as a threshold scale' });
    expect(settingsRows({ lr: 0.001, binning: { mode: 'count' } })).toEqual([{ label: 'lr', value: '0.001' }, { label: 'binning', value: '{"mode":"count"}' }]);
    expect(settingsRows(null)).toEqual([]);
  });
});

describe('datasets a model can take', () => {
  it('needs the same kind, the same sample shape and no more classes than outputs', () => {
    const m = model(1);
    expect(datasetMismatch(m, dataset(1))).toBeNull();
    expect(datasetMismatch(m, dataset(2, 'fashion'))).toBeNull(); // same shape and classes: allowed, if meaningless
    expect(datasetMismatch(m, dataset(3, 'nmnist', { kind: 'events', inputShape: [2, 34, 34] }))).toBe('events samples; the model takes image');
    expect(datasetMismatch(m, dataset(4, 'cifar', { inputShape: [3, 32, 32] }))).toBe('samples of 3×32×32; the model takes 1×28×28');
    expect(datasetMismatch(m, dataset(5, 'emnist', { classes: 26 }))).toBe('26 classes; the model has 10 outputs');
    expect(datasetMismatch(m, dataset(6, 'binary', { classes: 2 }))).toBeNull();
  });
});

describe('export and save choices', () => {
  it('takes a NIR dt in seconds above 0 and at most 1', () => {
    expect(parseDt('1e-4')).toEqual({ dt: 1e-4 });
    expect(parseDt(' 0.001 ')).toEqual({ dt: 0.001 });
    for (const bad of ['', '0', '-1e-3', '2', 'abc', 'NaN']) expect(parseDt(bad), bad).toEqual({ error: expect.stringContaining('allowed: a number of seconds above 0 and at most 1') });
  });

  it("offers a run's best and latest weights first, then every epoch end, newest first", () => {
    const list = [
      weights(3, { reason: 'pause', batch: 120, latest: true, testAccuracy: null }),
      weights(2, { best: true }),
      weights(1),
    ];
    expect(weightChoices(list)).toEqual([
      { key: 'best', epoch: 'best', label: 'best: epoch 2 · test 92.00%' },
      { key: 'latest', epoch: 'latest', label: 'latest: epoch 3, batch 120 (paused)' },
      { key: 'epoch-2', epoch: 2, label: 'epoch 2 · test 92.00%' },
      { key: 'epoch-1', epoch: 1, label: 'epoch 1 · test 91.00%' },
    ]);
    expect(weightChoices([])).toEqual([]);
  });

  it('knows a taken model name, ignoring the model being renamed and surrounding spaces', () => {
    const list = [model(1, { name: 'a' }), model(2, { name: 'b' })];
    expect(modelNameTaken(list, ' a ')).toBe(true);
    expect(modelNameTaken(list, 'a', 1)).toBe(false);
    expect(modelNameTaken(list, 'c')).toBe(false);
  });
});

describe('prediction notes', () => {
  it('flags a tie, silence, and nothing for a clear winner', () => {
    expect(predictionNote([0, 5, 2], 1)).toBeNull();
    expect(predictionNote([3, 5, 5], 1)).toBe('A tie between 2 classes at 5: the first of them wins, as in training.');
    expect(predictionNote([0, 0, 0], 0)).toBe('No output neuron spiked: the first class wins by default.');
    expect(predictionNote([0, 0, 0], 0, true)).toBe('A tie between 3 classes at 0.000: the first of them wins, as in training.');
    expect(predictionNote([0.5, 1.25], 1, true)).toBeNull();
  });
});
