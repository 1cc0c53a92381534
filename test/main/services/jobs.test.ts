import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIdxImages, parseIdxLabels } from '../../../engine/data/idx';
import { encodeNmnist, type EventStream } from '../../../engine/data/nmnist';
import { Rng } from '../../../engine/rng';
import type { ModelSpec } from '../../../engine/spec/types';
import { EventSource } from '../../../engine/train/sources';
import { paramsFromTensors } from '../../../engine/export/model';
import { fromNirGraph } from '../../../engine/export/nir';
import { decodeNir } from '../../../engine/export/nir-hdf5';
import { inferModel } from '../../../engine/spec/infer';
import { decodeCheckpoint } from '../../../engine/train/checkpoint';
import { exportJob, importJob } from '../../../main/services/jobs';
import { listCheckpoints, readCheckpoint } from '../../../main/store/checkpoints';
import { loadEventDataset, loadImageDataset } from '../../../main/services/datasets';
import { insertEventDataset } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { listRuns, requireRun } from '../../../main/store/runs';
import { listMetrics } from '../../../main/store/metrics';
import { listExports, listProbes } from '../../../main/store/probes';
import { expectEngineError } from '../../helpers/errors';
import { MLP, QUICK, exportDesign, python, runTrain, storeMnistSlice } from './jobs-fixtures';
import { useFileTemps } from './temp';

const { tempDir, tempStore } = useFileTemps();
const count = (store: Store, table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('exportJob', () => {
  it('writes the generated code, job.json and the dataset as gzip IDX that reads back byte for byte', async () => {
    const store = tempStore();
    const id = await storeMnistSlice(store, 120, 40);
    const folder = join(tempDir('stbp-jobs-'), 'job');
    const job = await exportDesign(store, id, folder);
    expect(job.files.sort()).toEqual([
      'README.md', 'data.py', 'data/dataset.json', 'data/t10k-images-idx3-ubyte.gz', 'data/t10k-labels-idx1-ubyte.gz',
      'data/train-images-idx3-ubyte.gz', 'data/train-labels-idx1-ubyte.gz', 'job.json', 'model.py', 'nir_io.py', 'train.py',
    ]);
    expect(job.manifest).toMatchObject({ format: 'stbp-pytorch-job', name: 'mlp-quick', spec: MLP, source: { runId: null, datasetId: id }, initWeights: null, out: 'out' });
    for (const split of ['train', 't10k'] as const) {
      const images = parseIdxImages(gunzipSync(readFileSync(join(folder, 'data', `${split}-images-idx3-ubyte.gz`))));
      const labels = parseIdxLabels(gunzipSync(readFileSync(join(folder, 'data', `${split}-labels-idx1-ubyte.gz`))));
      const stored = loadImageDataset(store, id, split === 'train' ? 'train' : 'test');
      expect([images.count, images.rows, images.cols]).toEqual([stored.count, 28, 28]);
      expect(Buffer.from(images.pixels).equals(Buffer.from(stored.pixels))).toBe(true);
      expect(Buffer.from(labels.labels).equals(Buffer.from(stored.labels))).toBe(true);
    }
  });

  it('refuses a folder that is not empty, and a twin run, writing nothing', async () => {
    const store = tempStore();
    const id = await storeMnistSlice(store, 20, 10);
    const folder = tempDir('stbp-jobs-');
    writeFileSync(join(folder, 'results.txt'), 'keep me');
    await expectEngineError(exportDesign(store, id, folder), 'bad-option', `--out ${folder} is not empty`);
    expect(readdirSync(folder)).toEqual(['results.txt']);
    const twin = join(tempDir('stbp-jobs-'), 'twin');
    await expectEngineError(
      exportJob(store, { kind: 'design', name: 'twin', spec: MLP, settings: { network: 'twin' }, datasetId: id, seed: 1 }, twin),
      'bad-option', 'trains the non-spiking twin',
    );
    expect(existsSync(twin)).toBe(false);
  });
});

describe.skipIf(python.skip)('a job trained by PyTorch, imported as a run', () => {
  let store: Store;
  let datasetId: number;
  let done: string;

  beforeAll(async () => {
    if (!python.ok) throw new Error(python.reason);
    store = tempStore();
    datasetId = await storeMnistSlice(store, 300, 100);
    done = join(tempDir('stbp-jobs-'), 'job');
    await exportDesign(store, datasetId, done);
    runTrain(done);
  });

  /** A copy of the finished job folder to damage. */
  const copy = (): string => {
    const to = join(tempDir('stbp-jobs-'), 'job');
    cpSync(done, to, { recursive: true });
    return to;
  };

  it('records metrics, confusion, weights as checkpoints and provenance in one run', async () => {
    const imported = await importJob(store, done);
    const run = requireRun(store, imported.runId);
    expect(run).toMatchObject({ name: 'mlp-quick', status: 'completed', datasetId, seed: 1, backendRequested: 'pytorch', error: null });
    expect(run.backendUsed).toMatch(/^pytorch \d+\.\d+.* 1 process \(cpu/);
    expect(run.notes).toMatch(/Trained by PyTorch, one process; device cpu.*torch .*Python 3/);
    expect(run.hyper).toEqual({ epochs: 2, steps: 4, batchSize: 50, optimizer: 'adam', lr: 2e-3, loss: 'mse', grad: 'stbp', network: 'spiking', init: 'paper', initGain: 3, seed: 1 });
    const batches = listMetrics(store, run.id, 'batch');
    expect(batches.map((b) => [b.epoch, b.batch, b.step])).toEqual([1, 2].flatMap((e) => [1, 2, 3, 4, 5, 6].map((b) => [e, b, (e - 1) * 6 + b])));
    expect(batches[0]!.values).toMatchObject({ batches: 6, samples: 50 });
    const epochs = listMetrics(store, run.id, 'epoch');
    expect(epochs.map((e) => [e.epoch, e.step, e.values.samples])).toEqual([[1, 6, 300], [2, 12, 300]]);
    for (const e of epochs) for (const k of ['trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds', 'samplesPerSecond']) expect(typeof e.values[k]).toBe('number');
    const confusion = listProbes(store, run.id, { kind: 'confusion' });
    expect(confusion.map((p) => p.epoch)).toEqual([1, 2]);
    expect(new Uint32Array(confusion[1]!.data.slice().buffer).reduce((a, b) => a + b, 0)).toBe(100);
    // final.nir is the latest checkpoint: epoch 2's end; its weights are the file's, bit for bit.
    const checkpoints = listCheckpoints(store, run.id);
    expect(checkpoints[0]).toMatchObject({ epoch: 3, batch: 0, reason: 'epoch', testAccuracy: epochs[1]!.values.testAccuracy });
    const state = decodeCheckpoint(readCheckpoint(store, checkpoints[0]!.id).state);
    const fromFile = paramsFromTensors(inferModel(MLP), fromNirGraph(await decodeNir(readFileSync(join(done, 'out', 'final.nir')))).tensors);
    expect(state.params.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex'))).toEqual(fromFile.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex')));
    expect(state).toMatchObject({ optimizerStep: 0, epoch: 3, batch: 0 });
  });

  it('exports the imported run again, fine-tuning from its weights (init.nir the job loads)', async () => {
    const { runId } = await importJob(store, done);
    const folder = join(tempDir('stbp-jobs-'), 'again');
    const job = await exportJob(store, { kind: 'run', runId, weights: 'latest' }, folder, { overrides: { epochs: 1, lr: 1e-4 } });
    expect(job.manifest).toMatchObject({ initWeights: 'init.nir', settings: { epochs: 1, lr: 1e-4, steps: 4 }, source: { runId } });
    expect(listExports(store, runId).map((e) => [e.format, e.path])).toEqual([['pytorch', folder]]);
    const same = spawnSync(python.path, ['-c', [
      'import json, sys, torch, model, nir_io',
      'a, b = model.Net(), model.Net()',
      'nir_io.load(a, "init.nir"); nir_io.load(b, sys.argv[1])',
      'print(json.dumps(all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))))',
    ].join('\n'), join(done, 'out', 'final.nir')], { cwd: folder, encoding: 'utf8' });
    expect(same.stderr).toBe('');
    expect(same.stdout.trim()).toBe('true');
    const out = runTrain(folder);
    expect(out).toMatch(/epoch 1: loss/);
    expect(readFileSync(join(folder, 'out', 'metrics.jsonl'), 'utf8')).toMatch(/"weights": "init.nir"/);
  });

  it('imports a job that has not ended with what it has, saying so', async () => {
    const job = copy();
    const metrics = join(job, 'out', 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8').split('\n');
    const cut = lines.findIndex((l) => l.includes('"type": "batch"') && l.includes('"epoch": 2, "batch": 3'));
    writeFileSync(metrics, lines.slice(0, cut + 1).join('\n') + '\n{"type": "batch", "step": 1'); // a line being written
    const imported = await importJob(store, job);
    expect(imported.run.status).toBe('stopped');
    expect(imported.run.error).toMatch(/recorded after epoch 2, batch 3 of 6; the job had not ended \(no end line in its metrics\)/);
    expect([imported.epochs, imported.batches]).toEqual([1, 9]);
  });

  it('imports a failed job as failed, with its error', async () => {
    const job = copy();
    const metrics = join(job, 'out', 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8').trimEnd().split('\n');
    writeFileSync(metrics, [...lines.slice(0, -1), '{"type": "error", "message": "FloatingPointError: training diverged: the loss is nan at epoch 2, batch 6"}', ''].join('\n'));
    const imported = await importJob(store, job);
    expect(imported.run).toMatchObject({ status: 'failed', error: 'the PyTorch job failed: FloatingPointError: training diverged: the loss is nan at epoch 2, batch 6' });
  });

  it.each([
    ['a missing metrics file', (j: string) => rmSync(join(j, 'out', 'metrics.jsonl')), /out\/metrics\.jsonl: no such file \(has the job run\?/],
    ['a corrupt metrics line', (j: string) => {
      const path = join(j, 'out', 'metrics.jsonl');
      const lines = readFileSync(path, 'utf8').split('\n');
      lines[4] = '{"type": "batch", "step": 4, "epoch": 1, "batch": "four"';
      writeFileSync(path, lines.join('\n'));
    }, /out\/metrics\.jsonl line 5: not JSON/],
    ['a metrics line with a bad field', (j: string) => {
      const path = join(j, 'out', 'metrics.jsonl');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"epoch": 1, "batch": 2,', '"epoch": 1, "batch": -2.5,'));
    }, /out\/metrics\.jsonl line 3: batch line's batch is -2.5; allowed: an integer/],
    ['a missing NIR file', (j: string) => rmSync(join(j, 'out', 'final.nir')), /out\/final\.nir: cannot read the job's weights \(no such file\)/],
    ['a corrupt NIR file', (j: string) => writeFileSync(join(j, 'out', 'best.nir'), 'not an HDF5 file at all'), /out\/best\.nir: /],
    ['a NIR file of another network', (j: string) => {
      const script = 'import model, nir_io\nnet = model.Net()\nnet.layers[1] = model.SpikingDense(784, 64, True, net.layers[1].neuron)\nnet.layers[2] = model.SpikingDense(64, 10, True, net.layers[2].neuron)\nnir_io.write("out/best.nir", net)';
      const r = spawnSync(python.path, ['-c', script], { cwd: j, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    }, /out\/best\.nir: .*layers\.1\.weight/],
    ['a missing job.json', (j: string) => rmSync(join(j, 'job.json')), /job\.json: no such file; allowed: a job folder written by `stbp export <run> --format pytorch`/],
  ])('refuses %s naming the file, recording nothing', async (_what, damage, message) => {
    const job = copy();
    damage(job);
    const before = { runs: count(store, 'runs'), metrics: count(store, 'metrics'), checkpoints: count(store, 'checkpoints'), probes: count(store, 'probes') };
    const error = await expectEngineError(importJob(store, job), 'bad-job');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(job);
    expect({ runs: count(store, 'runs'), metrics: count(store, 'metrics'), checkpoints: count(store, 'checkpoints'), probes: count(store, 'probes') }).toEqual(before);
    expect(listRuns(store).every((r) => r.status !== 'running')).toBe(true);
  });
});

describe.skipIf(python.skip)('a job on event streams', () => {
  it('writes the recordings so the job bins them as the engine does, and trains on them', async () => {
    if (!python.ok) throw new Error(python.reason);
    const store = tempStore();
    const rng = new Rng(9);
    const recording = (label: number): Uint8Array => {
      const n = 20 + (rng.nextU32() % 60);
      const s: EventStream = { count: n, x: new Uint8Array(n), y: new Uint8Array(n), p: new Uint8Array(n), t: new Uint32Array(n) };
      let t = 0;
      for (let i = 0; i < n; i++) {
        s.x[i] = label * 3 + (rng.nextU32() % 4);
        s.y[i] = rng.nextU32() % 34;
        s.p[i] = rng.nextU32() & 1;
        s.t[i] = t += rng.nextU32() % 3000;
      }
      return encodeNmnist(s);
    };
    const split = (count: number) => {
      const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
      return { samples: Array.from(labels, recording), labels };
    };
    const datasetId = insertEventDataset(store, { name: 'events', source: 'test', meta: { width: 34, height: 34, classCount: 10 }, train: split(40), test: split(10) });
    const spec: ModelSpec = { neuron: { vth: 0.5, tau: 0.2 }, layers: [{ className: 'input', config: { shape: [2, 34, 34] } }, { className: 'flatten' }, { className: 'dense', config: { units: 16 } }, { className: 'output', config: { units: 10 } }] };
    const binning = { mode: 'time' as const };
    const folder = join(tempDir('stbp-jobs-'), 'job');
    await exportJob(store, { kind: 'design', name: 'events', spec, settings: { ...QUICK, epochs: 1, steps: 6, batchSize: 10, initGain: 1, binning }, datasetId, seed: 1 }, folder);
    const source = new EventSource(loadEventDataset(store, datasetId, 'train'), binning);
    const engine = source.spikes([0, 7], 2, 6);
    const r = spawnSync(python.path, ['-c', 'import json, data\ns = data.load("data", "train", binning={"mode": "time"})\nprint(json.dumps(s.spikes([0, 7], 6, (2, 34, 34)).int().ravel().tolist()))'], { cwd: folder, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(Array.from(engine));
    expect(Array.from(engine).some((v) => v === 1)).toBe(true);
    runTrain(folder);
    const imported = await importJob(store, folder);
    expect(imported.run).toMatchObject({ status: 'completed', hyper: { binning } });
    expect(listMetrics(store, imported.runId, 'epoch').map((e) => e.values.samples)).toEqual([40]);
  });
});
