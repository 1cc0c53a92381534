import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { binEvents, encodeNmnist, type EventStream } from '../../../../engine/data/nmnist';
import { encodeIdx } from '../../../../engine/data/idx-encode';
import { generatePytorchJob } from '../../../../engine/export/pytorch/generate';
import { trainArgs } from '../../../../engine/export/pytorch/train-py';
import type { JobDataset, JobFile, JobInput, JobSettings } from '../../../../engine/export/pytorch/types';
import { Rng } from '../../../../engine/rng';
import type { ModelSpec } from '../../../../engine/spec/types';
import { engineError } from '../../../helpers/errors';
import { pythonWith } from '../../../helpers/python';

const preset = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../resources/presets/${name}.json`, import.meta.url)), 'utf8')) as { spec: ModelSpec; train: JobSettings };
const mnist: JobDataset = { name: 'mnist', kind: 'image', sampleShape: [1, 28, 28], classes: 10, classNames: [], train: 60000, test: 10000 };
const source = { runId: 3, datasetId: 1, appVersion: '0.1.0' };

/** The jobs the snapshots keep: the two presets (the CNN with elastic distortion), and an event-data MLP fine-tuned from a run. */
const JOBS: Record<string, JobInput> = {
  'mlp-800': { name: 'mlp-800', spec: preset('mlp-800').spec, settings: { ...preset('mlp-800').train, seed: 1 }, dataset: { ...mnist, sampleShape: [1, 28, 28] }, source },
  'cnn-table5': {
    name: 'cnn-table5', spec: preset('cnn-table5').spec, settings: { ...preset('cnn-table5').train, seed: 4, limit: 5000, testLimit: 1000 },
    dataset: { ...mnist, sampleShape: [1, 28, 28] }, source,
  },
  'nmnist-800': {
    name: 'nmnist-800 "fine-tune"', spec: preset('nmnist-800').spec, settings: { ...preset('nmnist-800').train, seed: 2, binning: { mode: 'time', dtUs: 10000 } },
    dataset: { name: 'nmnist', kind: 'events', sampleShape: [2, 34, 34], classes: 10, classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'], train: 60000, test: 10000 },
    source: { runId: 9, datasetId: 2, appVersion: '0.1.0' }, initWeights: 'init.nir', dt: 1e-3,
  },
};

const python = pythonWith(['torch', 'numpy', 'h5py']);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeJob(files: JobFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'stbp-job-gen-'));
  dirs.push(dir);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  return dir;
}

function py(script: string, cwd: string, args: string[] = []): string {
  if (!python.ok) throw new Error(python.reason);
  const r = spawnSync(python.path, ['-c', script, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  return r.stdout;
}

describe('generatePytorchJob', () => {
  it.each(Object.keys(JOBS))('writes the same files for %s as the reviewed snapshots', async (name) => {
    const files = generatePytorchJob(JOBS[name]!);
    expect(files.map((f) => f.path)).toEqual(['model.py', 'train.py', 'data.py', 'nir_io.py', 'README.md', 'job.json', 'data/dataset.json']);
    for (const f of files) await expect(f.text).toMatchFileSnapshot(`__snapshots__/${name}/${f.path}`);
  });

  it('is a pure function of its input', () => {
    const input = JOBS['cnn-table5']!;
    expect(generatePytorchJob(structuredClone(input))).toEqual(generatePytorchJob(input));
  });

  it('refuses what a job cannot train, naming it', () => {
    const base = JOBS['mlp-800']!;
    const cases: [Partial<JobInput>, RegExp][] = [
      [{ settings: { ...base.settings, network: 'twin' as unknown as 'spiking' } }, /network is "twin"; allowed: 'spiking' \(the non-spiking twin has no PyTorch job\)/],
      [{ settings: { ...base.settings, lr: 0 } }, /lr is 0; allowed: a finite number > 0/],
      [{ settings: { ...base.settings, grad: 'bptt' as 'stbp' } }, /unknown gradient mode "bptt" \(known: stbp, sdbp, detach-reset\)/],
      [{ settings: { ...base.settings, limit: 0 } }, /limit is 0; allowed: an integer ≥ 1/],
      [{ dataset: { ...base.dataset, sampleShape: [1, 32, 32] } }, /dataset mnist has samples of shape \[1, 32, 32\] \(1024 inputs\); the network's input layer takes 784/],
      [{ dataset: { ...base.dataset, classes: 20 } }, /dataset mnist has 20 classes; the network's output layer has 10 units/],
      [{ initWeights: '../weights.nir' }, /initWeights is "..\/weights.nir"; allowed: a file name in the job folder ending in .nir/],
      [{ dt: 0 }, /dt is 0; allowed: a time step in seconds > 0/],
    ];
    for (const [change, message] of cases) expect(engineError(() => generatePytorchJob({ ...base, ...change })).message).toMatch(message);
    const cnn = JOBS['cnn-table5']!;
    expect(engineError(() => generatePytorchJob({ ...cnn, dataset: { ...cnn.dataset, sampleShape: [1, 1, 784] } })).message)
      .toMatch(/dataset mnist has samples of shape \[1, 1, 784\] \(channels, height, width\); the network's input layer takes \[1, 28, 28\]/);
    const events = JOBS['nmnist-800']!;
    expect(engineError(() => generatePytorchJob({ ...events, settings: { ...events.settings, augment: [{ name: 'shift', max: 2 }] } })).message)
      .toMatch(/augment is .*allowed: none for nmnist, whose samples are event streams/);
  });
});

describe.skipIf(python.skip)('generated jobs run in Python', () => {
  it('compile (python3 -m py_compile) for every job', () => {
    for (const input of Object.values(JOBS)) {
      const dir = writeJob(generatePytorchJob(input));
      py('import py_compile, sys\nfor f in sys.argv[1:]:\n    py_compile.compile(f, doraise=True)', dir, ['model.py', 'train.py', 'data.py', 'nir_io.py']);
    }
  });

  it("take every setting as a train.py flag, the defaults being the run's", () => {
    const dir = writeJob(generatePytorchJob(JOBS['cnn-table5']!));
    const read = (args: string[]) => JSON.parse(py('import json, sys, train\nprint(json.dumps(train.workbench_settings(train.parse_args(sys.argv[1:]))))', dir, args)) as Record<string, unknown>;
    const defaults = JOBS['cnn-table5']!.settings;
    expect(read([])).toEqual({ ...defaults, network: 'spiking', binning: null });
    const changed: Partial<JobSettings> = {
      epochs: 200, steps: 8, batchSize: 64, optimizer: 'sgd', lr: 0.5, loss: 'ce', grad: 'detach-reset', init: 'glorot', initGain: 1.5,
      seed: 11, augment: [{ name: 'shift', max: 2 }], limit: 100, testLimit: 50, binning: { mode: 'count' },
    };
    expect(read(trainArgs(changed))).toEqual({ ...changed, network: 'spiking' });
  });

  it('build a network whose layers and parameter names are the spec\'s', () => {
    const dir = writeJob(generatePytorchJob(JOBS['cnn-table5']!));
    const out = py('import json, model\nnet = model.Net()\nprint(json.dumps({k: list(v.shape) for k, v in net.state_dict().items()}))', dir);
    expect(JSON.parse(out)).toEqual({
      'layers.1.weight': [15, 1, 5, 5], 'layers.1.bias': [15], 'layers.3.weight': [40, 15, 5, 5], 'layers.3.bias': [40],
      'layers.6.weight': [300, 640], 'layers.6.bias': [300], 'layers.7.weight': [10, 300], 'layers.7.bias': [10],
    });
  });

  it("read the workbench's gzip IDX files (data.py read_idx)", () => {
    const dir = writeJob(generatePytorchJob(JOBS['mlp-800']!));
    const rng = new Rng(3);
    const u8 = Uint8Array.from({ length: 2 * 3 * 4 }, () => rng.nextU32() & 0xff);
    const i32 = Int32Array.from({ length: 5 }, () => rng.nextU32() | 0);
    writeFileSync(join(dir, 'a.gz'), gzipSync(encodeIdx({ type: 'u8', dims: [2, 3, 4], data: u8 })));
    writeFileSync(join(dir, 'b.gz'), gzipSync(encodeIdx({ type: 'i32', dims: [5], data: i32 })));
    const out = JSON.parse(py('import json, data\na, b = data.read_idx("a.gz"), data.read_idx("b.gz")\nprint(json.dumps([list(a.shape), a.ravel().tolist(), b.tolist()]))', dir));
    expect(out).toEqual([[2, 3, 4], Array.from(u8), Array.from(i32)]);
    writeFileSync(join(dir, 'bad.gz'), gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1, 2])));
    expect(() => py('import data\ndata.read_idx("bad.gz")', dir)).toThrow(/bad.gz: 2 bytes of data; its header \[9\] promises 9/);
  });

  it("bins event streams into the engine's frames (data.py bin_events = engine binEvents), both modes", () => {
    const dir = writeJob(generatePytorchJob(JOBS['nmnist-800']!));
    const rng = new Rng(5);
    const streams: EventStream[] = [0, 1, 7, 300].map((n) => {
      let t = rng.nextU32() % 1000;
      const s: EventStream = { count: n, x: new Uint8Array(n), y: new Uint8Array(n), p: new Uint8Array(n), t: new Uint32Array(n) };
      for (let i = 0; i < n; i++) {
        s.x[i] = rng.nextU32() % 34;
        s.y[i] = rng.nextU32() % 34;
        s.p[i] = rng.nextU32() & 1;
        t += rng.nextU32() % 500;
        s.t[i] = t;
      }
      return s;
    });
    const options = [{ mode: 'count' as const }, { mode: 'time' as const }, { mode: 'time' as const, dtUs: 2500 }];
    const script = [
      'import json, sys, numpy as np, data',
      'cases = json.load(sys.stdin)',
      'out = []',
      'for c in cases:',
      '    records = np.array(c["records"], dtype=np.uint8).reshape(-1, 5)',
      '    out.append(data.bin_events(records, c["T"], 34, 34, **c["binning"]).ravel().tolist())',
      'print(json.dumps(out))',
    ].join('\n');
    const cases = streams.flatMap((s) => options.map((binning) => ({ s, binning, T: 10 })));
    const payload = JSON.stringify(cases.map((c) => ({ records: Array.from(encodeNmnist(c.s)), binning: c.binning, T: c.T })));
    if (!python.ok) throw new Error(python.reason);
    const r = spawnSync(python.path, ['-c', script], { cwd: dir, input: payload, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(r.stderr);
    const frames = JSON.parse(r.stdout) as number[][];
    cases.forEach((c, i) => {
      const engine = binEvents(c.s, { steps: c.T, width: 34, height: 34, ...c.binning });
      expect(frames[i], `${c.s.count} events, ${JSON.stringify(c.binning)}`).toEqual(Array.from(engine));
    });
  });

  it('distort images as the engine does where the outcome is fixed: no-op settings copy, a shift translates and zero-fills', () => {
    const dir = writeJob(generatePytorchJob(JOBS['cnn-table5']!));
    const out = py([
      'import json, torch, data',
      'g = torch.Generator().manual_seed(1)',
      'x = torch.randint(0, 256, (40, 1, 6, 5), generator=g, dtype=torch.uint8)',
      'same = data.elastic(x, {"alpha": 0, "sigma": 2}, g).equal(x) and data.shift(x, {"max": 0}, g).equal(x)',
      'def translated(img, dx, dy):  # the engine\'s shiftImage: dst(x, y) = src(x - dx, y - dy), 0 outside',
      '    out = torch.zeros_like(img)',
      '    H, W = img.shape[-2:]',
      '    for y in range(H):',
      '        for x_ in range(W):',
      '            if 0 <= y - dy < H and 0 <= x_ - dx < W:',
      '                out[..., y, x_] = img[..., y - dy, x_ - dx]',
      '    return out',
      'y = data.shift(x, {"max": 1}, g)',
      'found = [[(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if torch.equal(y[i], translated(x[i], dx, dy))] for i in range(len(x))]',
      'print(json.dumps({"same": bool(same), "translated": all(found), "moves": len({f[0] for f in found if f})}))',
    ].join('\n'), dir);
    expect(JSON.parse(out)).toEqual({ same: true, translated: true, moves: 9 });
  });
});
