import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../engine/spec/types';
import { flagName, planRun, requestFromFlags, requestFromJson, checkRequest, TRAIN_FIELDS, type StartingPoint } from '../../../main/services/train-request';
import { OPTIONS } from '../../../main/cli/options';
import { engineError } from '../../helpers/errors';

const spec: ModelSpec = {
  name: 'mlp',
  neuron: { vth: 1.5, tau: 0.1, surrogate: { name: 'rectangular', width: 1 } },
  layers: [
    { className: 'input', config: { shape: [784] } },
    { className: 'dense', config: { units: 400, vth: 2, surrogate: { name: 'sigmoid', width: 3 } } },
    { className: 'dense', config: { units: 100 } },
    { className: 'output', config: { units: 10 } },
  ],
};
const start: StartingPoint = { name: 'mlp', what: 'preset mlp', spec, train: { epochs: 20, steps: 30, batchSize: 100, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3 } };

describe('the options of stbp train', () => {
  it('has a flag of the CLI for every option, and a camelCase key for every flag', () => {
    for (const f of TRAIN_FIELDS) expect(Object.keys(OPTIONS), f.flag).toContain(f.flag);
    expect(TRAIN_FIELDS.find((f) => f.flag === 'test-limit')?.key).toBe('testLimit');
    expect(TRAIN_FIELDS.find((f) => f.flag === 'surrogate-width')?.key).toBe('surrogateWidth');
  });

  it('reads flags (strings) and JSON (typed values) into the same request', () => {
    const flags = requestFromFlags({ preset: 'mlp-400', T: '8', lr: '0.01', 'test-limit': '500', 'surrogate-width': '2.5', twin: true, other: 'x' });
    const json = requestFromJson({ preset: 'mlp-400', T: 8, lr: 0.01, testLimit: 500, surrogateWidth: 2.5, twin: true }, 'base');
    expect(flags).toEqual(json);
    expect(engineError(() => requestFromFlags({ T: 'abc' })).message).toBe('--T is "abc"; allowed: an integer');
    expect(engineError(() => requestFromFlags({ lr: '' })).message).toBe('--lr is ""; allowed: a number');
    expect(engineError(() => requestFromJson({ twin: 1 }, 'base')).message).toBe('base.twin is 1; allowed: true or false');
  });

  it('needs a starting point and a known backend and binning, named as the caller names them', () => {
    expect(engineError(() => checkRequest({}, flagName, 'train')).message).toBe('train needs --preset <name> (see `stbp presets`) or --from-model <model> (see `stbp models list`)');
    expect(engineError(() => checkRequest({}, (k) => `base.${k}`, 'study x: base')).message).toContain('study x: base needs base.preset <name>');
    expect(engineError(() => checkRequest({ preset: 'a', backend: 'gpu' }, flagName, 'train')).message).toBe('--backend is "gpu"; allowed: auto, wasm, tfjs');
    expect(engineError(() => checkRequest({ preset: 'a', bin: 'space' }, flagName, 'train')).message).toBe('--bin is "space"; allowed: time, count');
  });
});

describe('planRun', () => {
  it('keeps the starting point where the request says nothing', () => {
    const plan = planRun(start, {});
    expect(plan).toMatchObject({ name: 'mlp', spec, hyper: start.train, seed: 1, backend: 'auto' });
  });

  it('changes settings, the neuron of every layer and every hidden layer’s width', () => {
    const plan = planRun(start, { epochs: 2, T: 8, batch: 50, lr: 0.01, grad: 'sdbp', seed: 9, vth: 1, tau: 0.2, surrogate: 'gaussian', surrogateWidth: 2.5, hidden: 64, limit: 100, threads: 1, name: 'n' });
    expect(plan.hyper).toMatchObject({ epochs: 2, steps: 8, batchSize: 50, lr: 0.01, grad: 'sdbp', limit: 100, threads: 1 });
    expect(plan).toMatchObject({ name: 'n', seed: 9 });
    expect(plan.spec.neuron).toEqual({ vth: 1, tau: 0.2, surrogate: { name: 'gaussian', width: 2.5 } });
    // The first layer's own vth and surrogate would override the new defaults: they are taken out.
    expect(plan.spec.layers.map((l) => l.config)).toEqual([{ shape: [784] }, { units: 64 }, { units: 64 }, { units: 10 }]);
    expect(plan.model.layers[1]).toMatchObject({ vth: 1, decay: 0.2, surrogate: 'gaussian', width: 2.5 });
    expect(spec.layers[1]!.config).toMatchObject({ vth: 2 }); // the starting point is not changed
  });

  it('changes the surrogate width alone, keeping its shape', () => {
    expect(planRun(start, { surrogateWidth: 0.1 }).spec.neuron?.surrogate).toEqual({ name: 'rectangular', width: 0.1 });
  });

  it.each<[string, object, string]>([
    ['a batch of 0', { batch: 0 }, 'batchSize is 0; allowed: an integer from 1 to 100000'],
    ['an unknown grad mode', { grad: 'bptt' }, 'bptt'],
    ['a negative width', { surrogateWidth: -1 }, 'surrogate.width is -1; allowed: a finite width > 0'],
    ['a decay of 1', { tau: 1 }, 'tau is 1; allowed: a decay factor in [0, 1)'],
    ['an unknown surrogate', { surrogate: 'boxcar' }, 'surrogate.name is "boxcar"; allowed: one of rectangular, polynomial, sigmoid, gaussian'],
    ['a zero threshold', { vth: 0 }, 'vth is 0; allowed: a finite threshold > 0'],
    ['a hidden width of 0', { hidden: 0 }, 'units'],
    ['a shift too far', { shift: 100 }, 'augmentation shift: max is 100; allowed: an integer from 0 to 64'],
  ])('refuses %s', (_, request, message) => {
    expect(engineError(() => planRun(start, request)).message).toContain(message);
  });

  it('refuses a hidden width for a spec without hidden dense layers', () => {
    const bare: StartingPoint = { ...start, spec: { layers: [spec.layers[0]!, spec.layers[3]!] } };
    expect(engineError(() => planRun(bare, { hidden: 10 })).message).toContain('hidden is 10 but spec "" has no hidden dense layer');
  });
});
