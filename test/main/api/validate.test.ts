import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import { dispatch, WORKBENCH_METHODS } from '../../../main/api/validate';
import type { RunSettings, WorkbenchApi, WorkbenchMethod } from '../../../main/contract';

/** An API whose every method records its call and answers its name; `throws` makes one fail. */
function fakeApi(throws?: unknown): { api: WorkbenchApi; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const api = Object.fromEntries(
    WORKBENCH_METHODS.map((m) => [
      m,
      async (...args: unknown[]) => {
        calls.push([m, args]);
        if (throws !== undefined) throw throws;
        return m;
      },
    ]),
  ) as unknown as WorkbenchApi;
  return { api, calls };
}

const settings: RunSettings = { epochs: 1, steps: 4, batchSize: 10, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3 };
const spec = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'output', config: { units: 10 } }] };
const start = { datasetId: 1, spec, settings, seed: 1, backend: 'auto' };

describe('dispatch', () => {
  it('knows every contract method', () => {
    const all: Record<WorkbenchMethod, true> = {
      getInfo: true, listDatasets: true, ensureMnist: true, importDataset: true, deleteDataset: true, getSamples: true, getEncoding: true,
      emulateEvents: true, cancelEmulation: true, getEvents: true,
      listPresets: true, listSpecs: true, saveSpec: true, deleteSpec: true, listRuns: true, getRun: true, startRun: true, pauseRun: true,
      resumeRun: true, stopRun: true, evaluateRun: true, estimateRun: true, deleteRun: true, renameRun: true, getRunMetrics: true, getRunProbes: true, pickPaths: true,
      listRunWeights: true, listModels: true, getModel: true, saveModel: true, renameModel: true, deleteModel: true, importModel: true,
      exportModel: true, evaluateModel: true, pythonInfo: true, exportPytorchJob: true, importJobResults: true, startPytorchJob: true, followJob: true,
      listStudyRecipes: true, previewStudy: true, createStudy: true, updateStudy: true, listStudies: true, getStudy: true, deleteStudy: true, resumeStudy: true, cancelStudy: true, getQueue: true, setQueue: true, moveInQueue: true, removeFromQueue: true,
    };
    expect([...WORKBENCH_METHODS].sort()).toEqual(Object.keys(all).sort());
  });

  it.each<[WorkbenchMethod, unknown[]]>([
    ['getInfo', []],
    ['getRunProbes', [3]],
    ['getRunProbes', [3, 0]],
    ['startRun', [start]],
    ['estimateRun', [start]],
    ['evaluateRun', [3]],
    ['startRun', [{ ...start, name: 'x', settings: { ...settings, limit: 100, testLimit: 50 } }]],
    ['startRun', [{ ...start, settings: { ...settings, binning: { mode: 'time', dtUs: 10000 } } }]],
    ['startRun', [{ ...start, settings: { ...settings, network: 'twin' } }]],
    ['importDataset', [{ format: 'idx', name: 'fashion', source: { kind: 'upload', uploadId: 'abc' }, options: { classNames: ['a', 'b'] } }]],
    ['importDataset', [{ format: 'mnist', name: 'digits' }]],
    ['getEncoding', [{ datasetId: 1, split: 'test', index: 0, steps: 1000, seed: 4294967295 }]],
    ['saveSpec', ['mlp', { name: 'mlp', neuron: { vth: 1, tau: 0.2, surrogate: { name: 'sigmoid', width: 0.5 } }, layers: spec.layers }]],
    ['pickPaths', [{ kind: 'folder', title: 'Pick' }]],
    ['saveModel', [{ runId: 3, epoch: 'best' }]],
    ['saveModel', [{ runId: 3, epoch: 7, name: 'digits' }]],
    ['importModel', [{ source: { kind: 'upload', uploadId: 'abc' }, name: 'from snntorch' }]],
    ['exportModel', [{ source: { kind: 'model', modelId: 2 }, format: 'nir', dt: 0.001 }]],
    ['exportModel', [{ source: { kind: 'run', runId: 2, epoch: 'latest' }, format: 'bundle' }]],
    ['evaluateModel', [{ modelId: 1, datasetId: 2, split: 'train', limit: 100 }]],
    ['emulateEvents', [{ datasetId: 1, name: 'emnist' }]],
    ['emulateEvents', [{ datasetId: 1, name: 'emnist', limit: 100, params: { threshold: 0.4, refractoryUs: 0, seed: 4294967295 } }]],
    ['cancelEmulation', ['emnist']],
    ['getEvents', [{ datasetId: 2, split: 'test', index: 0 }]],
  ])('passes a good %s call through and answers its value', async (method, args) => {
    const { api, calls } = fakeApi();
    expect(await dispatch(api, method, args)).toEqual({ ok: true, value: method });
    expect(calls).toEqual([[method, args]]);
  });

  it('drops a trailing null or undefined optional argument (JSON turns undefined into null)', async () => {
    const { api, calls } = fakeApi();
    await dispatch(api, 'getRunProbes', [3, null]);
    await dispatch(api, 'getRunProbes', [3, undefined]);
    expect(calls).toEqual([['getRunProbes', [3]], ['getRunProbes', [3]]]);
  });

  it.each<[string, unknown, unknown, string, string]>([
    ['an unknown method', 'formatDisk', [], 'unknown-method', 'unknown method "formatDisk" (known: getInfo, listDatasets, ensureMnist, importDataset,'],
    ['a method that is not a string', 42, [], 'unknown-method', 'unknown method 42 (known: getInfo'],
    ['an inherited property', 'toString', [], 'unknown-method', 'unknown method "toString"'],
    ['arguments that are not a list', 'getRun', { runId: 1 }, 'bad-request', 'getRun: the argument list is an object; allowed: an array: getRun(runId)'],
    ['too many arguments', 'getInfo', [1], 'bad-request', 'getInfo: got 1 argument(s); allowed: 0 (getInfo())'],
    ['a missing argument', 'getRun', [], 'bad-request', 'getRun: runId is missing; allowed: an integer >= 1'],
    ['a string id', 'getRun', ['7'], 'bad-request', 'getRun: runId is "7"; allowed: an integer >= 1'],
    ['a fractional id', 'deleteRun', [1.5], 'bad-request', 'deleteRun: runId is 1.5; allowed: an integer >= 1'],
    ['a zero id', 'deleteDataset', [0], 'bad-request', 'deleteDataset: datasetId is 0; allowed: an integer >= 1'],
    ['a negative epoch', 'getRunProbes', [1, -1], 'bad-request', 'getRunProbes: epoch is -1; allowed: an integer >= 0'],
    ['too many samples', 'getSamples', [{ datasetId: 1, split: 'train', offset: 0, count: 500 }], 'bad-request', 'getSamples: request.count is 500; allowed: an integer from 1 to 200'],
    ['an unknown split', 'getSamples', [{ datasetId: 1, split: 'validation', offset: 0, count: 5 }], 'bad-request', 'getSamples: request.split is "validation"; allowed: one of "train", "test"'],
    ['an unknown field', 'getSamples', [{ datasetId: 1, split: 'train', offset: 0, count: 5, limit: 3 }], 'bad-request', 'getSamples: request has unknown field(s) "limit"; allowed: datasetId, split, offset, count'],
    ['a request that is an array', 'getSamples', [[1, 'train']], 'bad-request', 'getSamples: request is an array of 2; allowed: an object with datasetId, split, offset, count'],
    ['too many steps', 'getEncoding', [{ datasetId: 1, split: 'test', index: 0, steps: 1001 }], 'bad-request', 'getEncoding: request.steps is 1001; allowed: an integer from 1 to 1000'],
    ['a negative seed', 'getEncoding', [{ datasetId: 1, split: 'test', index: 0, seed: -1 }], 'bad-request', 'getEncoding: request.seed is -1; allowed: an integer from 0 to 4294967295'],
    ['an import source of an unknown kind', 'importDataset', [{ format: 'idx', name: 'x', source: { kind: 'url', url: 'http://x' } }], 'bad-request', 'importDataset: request.source.kind is "url"; allowed: one of "path", "upload"'],
    ['an upload without its id', 'importDataset', [{ format: 'idx', name: 'x', source: { kind: 'upload' } }], 'bad-request', 'importDataset: request.source.uploadId is missing; allowed: a non-empty string of at most 100 characters'],
    ['a padded dataset name', 'importDataset', [{ format: 'idx', name: ' x', source: { kind: 'path', path: '/d' } }], 'bad-request', 'importDataset: request.name is " x"; allowed: a string without leading or trailing spaces'],
    ['options that are a list', 'importDataset', [{ format: 'idx', name: 'x', options: [] }], 'bad-request', 'importDataset: request.options is an array of 0; allowed: an object'],
    ['a spec without layers', 'saveSpec', ['s', { name: 's' }], 'bad-request', 'saveSpec: spec.layers is missing; allowed: an array of 1 to 1000 items'],
    ['a layer with an unknown field', 'saveSpec', ['s', { layers: [{ className: 'input', config: {}, units: 3 }] }], 'bad-request', 'saveSpec: spec.layers[0] has unknown field(s) "units"; allowed: className, config'],
    ['a spec with an unknown field', 'saveSpec', ['s', { ...spec, optimizer: 'adam' }], 'bad-request', 'saveSpec: spec has unknown field(s) "optimizer"; allowed: name, neuron, layers'],
    ['a non-finite tau', 'saveSpec', ['s', { ...spec, neuron: { tau: null } }], 'bad-request', 'saveSpec: spec.neuron.tau is null; allowed: a finite number'],
    ['an empty spec name', 'saveSpec', ['', spec], 'bad-request', 'saveSpec: name is ""; allowed: a non-empty string of at most 200 characters'],
    ['settings missing a field', 'startRun', [{ ...start, settings: { ...settings, epochs: undefined } }], 'bad-request', 'startRun: request.settings.epochs is missing; allowed: an integer from 1 to 100000'],
    ['zero steps', 'startRun', [{ ...start, settings: { ...settings, steps: 0 } }], 'bad-request', 'startRun: request.settings.steps is 0; allowed: an integer from 1 to 10000'],
    ['a negative learning rate', 'startRun', [{ ...start, settings: { ...settings, lr: -1 } }], 'bad-request', 'startRun: request.settings.lr is -1; allowed: a finite number > 0'],
    ['an unknown optimizer', 'startRun', [{ ...start, settings: { ...settings, optimizer: 'rmsprop' } }], 'bad-request', 'startRun: request.settings.optimizer is "rmsprop"; allowed: one of "adam", "sgd"'],
    ['an unknown loss', 'startRun', [{ ...start, settings: { ...settings, loss: 'hinge' } }], 'bad-request', 'request.settings.loss is "hinge"; allowed: one of "mse", "ce"'],
    ['an unknown gradient mode', 'startRun', [{ ...start, settings: { ...settings, grad: 'bptt' } }], 'bad-request', 'request.settings.grad is "bptt"; allowed: one of "stbp", "sdbp", "detach-reset"'],
    ['an unknown network kind', 'startRun', [{ ...start, settings: { ...settings, network: 'ann' } }], 'bad-request', 'startRun: request.settings.network is "ann"; allowed: one of "spiking", "twin"'],
    ['an unknown initialiser', 'startRun', [{ ...start, settings: { ...settings, init: 'he' } }], 'bad-request', 'request.settings.init is "he"; allowed: one of "paper", "uniform", "glorot"'],
    ['an unknown setting', 'startRun', [{ ...start, settings: { ...settings, threads: 4 } }], 'bad-request', 'startRun: request.settings has unknown field(s) "threads"'],
    ['an unknown binning mode', 'startRun', [{ ...start, settings: { ...settings, binning: { mode: 'spread' } } }], 'bad-request', 'startRun: request.settings.binning.mode is "spread"; allowed: one of "time", "count"'],
    ['a zero bin length', 'startRun', [{ ...start, settings: { ...settings, binning: { mode: 'time', dtUs: 0 } } }], 'bad-request', 'startRun: request.settings.binning.dtUs is 0; allowed: a finite number > 0'],
    ['an unknown backend', 'startRun', [{ ...start, backend: 'cuda' }], 'bad-request', 'startRun: request.backend is "cuda"; allowed: one of "auto", "wasm", "tfjs"'],
    ['a fractional seed', 'startRun', [{ ...start, seed: 0.5 }], 'bad-request', 'startRun: request.seed is 0.5; allowed: an integer from 0 to 4294967295'],
    ['a blank run name', 'renameRun', [1, '   '], 'bad-request', 'renameRun: name is "   "; allowed: a non-empty string of at most 200 characters'],
    ['an epoch choice that is neither best, latest nor a number', 'saveModel', [{ runId: 1, epoch: 'last' }], 'bad-request', 'saveModel: request.epoch is "last"; allowed: "best", "latest" or an epoch number >= 1'],
    ['epoch 0 of a run', 'exportModel', [{ source: { kind: 'run', runId: 1, epoch: 0 }, format: 'nir' }], 'bad-request', 'exportModel: request.source.epoch is 0; allowed: "best", "latest" or an epoch number >= 1'],
    ['an unknown model format', 'exportModel', [{ source: { kind: 'model', modelId: 1 }, format: 'onnx' }], 'bad-request', 'exportModel: request.format is "onnx"; allowed: one of "bundle", "nir"'],
    ['a negative NIR time step', 'exportModel', [{ source: { kind: 'model', modelId: 1 }, format: 'nir', dt: -1 }], 'bad-request', 'exportModel: request.dt is -1; allowed: a finite number > 0'],
    ['a padded model name', 'renameModel', [1, 'x '], 'bad-request', 'renameModel: name is "x "; allowed: a string without leading or trailing spaces'],
    ['an evaluation of a dataset split that does not exist', 'evaluateModel', [{ modelId: 1, datasetId: 1, split: 'val' }], 'bad-request', 'evaluateModel: request.split is "val"; allowed: one of "train", "test"'],
    ['a dialog of an unknown kind', 'pickPaths', [{ kind: 'any', title: 't' }], 'bad-request', 'pickPaths: request.kind is "any"; allowed: one of "file", "folder"'],
    ['an emulator threshold out of range', 'emulateEvents', [{ datasetId: 1, name: 'e', params: { threshold: 9 } }], 'bad-request', 'emulateEvents: request.params.threshold is 9; allowed: a number from 0.05 to 5'],
    ['a fractional refractory time', 'emulateEvents', [{ datasetId: 1, name: 'e', params: { refractoryUs: 0.5 } }], 'bad-request', 'emulateEvents: request.params.refractoryUs is 0.5; allowed: an integer from 0 to 1000000'],
    ['an unknown emulator parameter', 'emulateEvents', [{ datasetId: 1, name: 'e', params: { contrast: 1 } }], 'bad-request', 'emulateEvents: request.params has unknown field(s) "contrast"; allowed: border, saccadeUs, stepPx, threshold, thresholdSigma, refractoryUs, epsilon, seed'],
    ['an emulation without a name', 'emulateEvents', [{ datasetId: 1 }], 'bad-request', 'emulateEvents: request.name is missing; allowed: a non-empty string of at most 200 characters'],
  ])('refuses %s before calling, naming it', async (_, method, args, code, message) => {
    const { api, calls } = fakeApi();
    const result = await dispatch(api, method, args);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toContain(message);
    expect(calls).toEqual([]);
  });

  it('answers engine errors as values, with lookups under the contract\'s not-found', async () => {
    expect(await dispatch(fakeApi(new EngineError('dataset-exists', 'taken')).api, 'listRuns', [])).toEqual({ ok: false, error: { code: 'dataset-exists', message: 'taken' } });
    expect(await dispatch(fakeApi(new EngineError('unknown-run', 'unknown run 9')).api, 'getRun', [9])).toEqual({ ok: false, error: { code: 'not-found', message: 'unknown run 9' } });
  });

  it('answers any other error as internal, naming the method, without throwing', async () => {
    const quiet = console.error;
    console.error = () => undefined;
    try {
      expect(await dispatch(fakeApi(new TypeError('x is undefined')).api, 'listRuns', [])).toEqual({ ok: false, error: { code: 'internal', message: 'listRuns: internal error: x is undefined' } });
      expect(await dispatch(fakeApi('a string').api, 'listRuns', [])).toEqual({ ok: false, error: { code: 'internal', message: 'listRuns: internal error: a string' } });
    } finally {
      console.error = quiet;
    }
  });
});
