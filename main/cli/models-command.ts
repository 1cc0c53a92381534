import { writeFile } from 'node:fs/promises';
import { createNodeKernels } from '../../engine/backend/backends-node';
import { EngineError } from '../../engine/errors';
import { InferenceModel } from '../../engine/infer/inference';
import { evaluationRng } from '../../engine/infer/evaluate';
import { inferModel } from '../../engine/spec/infer';
import { defaultEvaluationSeed, evaluateModel } from '../services/evaluation';
import { loadSource } from '../services/datasets';
import { DEFAULT_NIR_DT } from '../../engine/export/nir';
import { importModelFile, MODEL_FORMATS, modelFileBytes, runModel, storedModel, type EpochChoice, type ModelFormat } from '../services/models';
import { imageFileIntensities } from '../services/model-inputs';
import { requireDataset, SPLITS, type Split } from '../store/datasets';
import type { Store } from '../store/db';
import { deleteModel, listModels, requireModel, type ModelRow } from '../store/models';
import { requireRun } from '../store/runs';
import { need, num, pct } from './args';
import type { CliValues } from './options';
import { exportJobCommand } from './jobs-command';

const USAGE = 'stbp models list | show <model> | delete <model> | import <file.stbp|file.nir> [--name <name>] | export <model> --format bundle|nir --out <file> [--dt <s>]';

/** `stbp models …`: a model is addressed by its id or its name. */
export async function modelsCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const [sub, target] = args;
  switch (sub) {
    case 'list':
      return list(store);
    case 'show':
      return show(requireModel(store, need(target, 'a model id or name', USAGE)));
    case 'delete': {
      const row = requireModel(store, need(target, 'a model id or name', USAGE));
      deleteModel(store, row.id);
      console.log(`deleted model ${row.id} (${row.name})`);
      return 0;
    }
    case 'import': {
      const row = await importModelFile(store, need(target, 'a .stbp or .nir file', USAGE), { name: values.name });
      console.log(`model ${row.id}: ${row.name}, imported from ${row.description.provenance.sourceFile} (${originText(row)})`);
      return 0;
    }
    case 'export': {
      const model = storedModel(store, need(target, 'a model id or name', USAGE));
      return writeModel(model, values);
    }
    default:
      throw new EngineError('bad-command', `unknown models command ${JSON.stringify(sub ?? '')} (known: list, show, delete, import, export); usage: ${USAGE}`);
  }
}

/** `stbp export <run> [--epoch best|latest|N] --format bundle|nir --out <file> [--dt s]`. */
export async function exportRunCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  if (values.format === 'pytorch') return exportJobCommand(store, args, values);
  const usage = 'stbp export <run> [--epoch best|latest|N] --format bundle|nir|pytorch --out <file> [--dt <s>]';
  const id = Number(need(args[0], 'a run id', usage));
  if (!Number.isInteger(id)) throw new EngineError('bad-option', `run id is ${JSON.stringify(args[0])}; allowed: an integer (see stbp runs list)`);
  const run = requireRun(store, id);
  return writeModel(runModel(store, run.id, epochChoice(values.epoch)), values);
}

function epochChoice(text: string | undefined): EpochChoice {
  if (text === undefined || text === 'best' || text === 'latest') return text ?? 'best';
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1)) throw new EngineError('bad-option', `--epoch is ${JSON.stringify(text)}; allowed: best, latest or an epoch number >= 1`);
  return n;
}

async function writeModel(model: Parameters<typeof modelFileBytes>[0], values: CliValues): Promise<number> {
  const format = values.format as ModelFormat | undefined;
  if (!format || !Object.hasOwn(MODEL_FORMATS, format)) {
    const formats = [...Object.entries(MODEL_FORMATS).map(([n, f]) => `${n} (${f.description})`), 'pytorch (stbp export <run> only: a PyTorch DDP training job folder)'];
    throw new EngineError('bad-option', `--format is ${JSON.stringify(values.format ?? '')}; allowed: ${formats.join('; ')}`);
  }
  if (!values.out) throw new EngineError('bad-option', `export needs --out <file>, e.g. --out ${model.name}${MODEL_FORMATS[format].extension}`);
  const dt = num('dt', values.dt, false) ?? DEFAULT_NIR_DT;
  const bytes = await modelFileBytes(model, format, dt);
  await writeFile(values.out, bytes);
  const what = format === 'nir' ? `NIR, dt = ${dt} s` : 'bundle';
  console.log(`wrote ${values.out} (${what}, ${bytes.length} bytes): ${model.name}, ${weightsText(model.provenance)}`);
  return 0;
}

function weightsText(p: { epoch: number | null; testAccuracy: number | null; runId: number | null }): string {
  const from = p.runId === null ? 'imported' : `run ${p.runId}${p.epoch === null ? '' : `, epoch ${p.epoch}`}`;
  return `${from}, test accuracy ${p.testAccuracy === null ? 'not evaluated' : pct(p.testAccuracy)}`;
}

function originText(row: ModelRow): string {
  const p = row.description.provenance;
  if (p.origin === 'trained') return `trained here: ${weightsText(p)}`;
  return p.origin === 'nir' ? `imported NIR${p.nirDt !== undefined ? `, dt ${p.nirDt} s` : ''}` : 'imported bundle';
}

function list(store: Store): number {
  const rows = listModels(store);
  if (!rows.length) {
    console.log('no models yet: `stbp export <run> …` writes one to a file, `stbp models import <file>` stores one, and the app saves them from a run');
    return 0;
  }
  console.log(`${'id'.padStart(4)}  ${'name'.padEnd(24)} ${'origin'.padEnd(8)} ${'run'.padStart(4)} ${'epoch'.padStart(5)}  ${'test'.padEnd(8)} ${'T'.padStart(4)}  dataset`);
  for (const r of rows) {
    const d = r.description;
    console.log(
      `${String(r.id).padStart(4)}  ${r.name.padEnd(24)} ${r.origin.padEnd(8)} ${String(r.runId ?? '—').padStart(4)} ${String(r.epoch ?? '—').padStart(5)}  ` +
        `${(r.testAccuracy === null ? '—' : pct(r.testAccuracy)).padEnd(8)} ${String(d.coding.steps).padStart(4)}  ${d.dataset.name}`,
    );
  }
  return 0;
}

function show(row: ModelRow): number {
  const d = row.description;
  const plan = inferModel(d.spec);
  const p = d.provenance;
  console.log(`model ${row.id}: ${row.name}`);
  console.log(`  origin     ${originText(row)}${p.sourceFile ? ` (from ${p.sourceFile})` : ''}`);
  console.log(`  network    ${d.network === 'twin' ? 'non-spiking twin (ReLU)' : 'spiking (LIF)'}, ${plan.params} parameters`);
  for (const s of plan.shapes) console.log(`    ${String(s.index).padStart(2)} ${s.className.padEnd(8)} → [${s.outputShape.join(', ')}]${s.params ? `, ${s.params} params` : ''}`);
  console.log(`  coding     ${d.coding.kind === 'bernoulli' ? 'Bernoulli rate coding' : `events binned by ${d.coding.binning.mode}`}, T = ${d.coding.steps}`);
  console.log(`  dataset    ${d.dataset.name}: samples [${d.dataset.sampleShape.join(', ')}], classes ${d.dataset.classNames.join(', ')}`);
  console.log(`  seed       ${p.seed}; backend ${p.backend ?? '—'}; app ${p.appVersion}; created ${p.createdAt}`);
  if (p.settings) console.log(`  settings   ${JSON.stringify(p.settings)}`);
  console.log(`  spec       ${JSON.stringify(d.spec)}`);
  return 0;
}

/** `stbp predict <model> <image files…>` or `--dataset <name> [--split test] [--limit n]`. */
export async function predictCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const usage = 'stbp predict <model> <image files…> | stbp predict <model> --dataset <name> [--split test|train] [--limit n]';
  const model = storedModel(store, need(args[0], 'a model id or name', usage));
  const files = args.slice(1);
  if (!files.length && !values.dataset) throw new EngineError('bad-command', `predict needs image files or --dataset <name>; usage: ${usage}`);
  if (files.length && values.dataset) throw new EngineError('bad-command', `predict takes image files or --dataset, not both; usage: ${usage}`);
  const seed = num('seed', values.seed, true) ?? defaultEvaluationSeed(model);
  const kernels = await createNodeKernels(values.backend ?? 'auto');
  try {
    const names = model.dataset.classNames;
    const named = (k: number) => (names[k] !== undefined && names[k] !== String(k) ? `${k} (${names[k]})` : String(k));
    if (files.length) {
      const inference = new InferenceModel(model, kernels, Math.min(100, files.length));
      const inputs = new Float32Array(files.length * inference.inputSize);
      for (const [i, file] of files.entries()) inputs.set(await imageFileIntensities(file, model.dataset.sampleShape, { invert: values.invert === true }), i * inference.inputSize);
      inference.predictIntensities(inputs, files.length, evaluationRng(seed)).forEach((p, i) => {
        console.log(`${files[i]}: ${named(p.predicted)}  counts ${p.counts.join(' ')}`);
      });
      return 0;
    }
    const split = splitFlag(values.split);
    const dataset = requireDataset(store, values.dataset!);
    const binning = model.coding.kind === 'events' ? model.coding.binning : undefined;
    const src = loadSource(store, dataset.id, split, { limit: num('limit', values.limit, true), binning });
    const batch = Number(model.provenance.settings?.batchSize ?? 100);
    const inference = new InferenceModel(model, kernels, Math.max(1, Math.min(batch, src.count)));
    const predictions = inference.predictSource(src, Uint32Array.from({ length: src.count }, (_, i) => i), src.count, evaluationRng(seed));
    let correct = 0;
    predictions.forEach((p, i) => {
      const label = src.label(i);
      if (p.predicted === label) correct++;
      console.log(`${dataset.name} ${split} ${i}: ${named(p.predicted)}, label ${named(label)}${p.predicted === label ? '' : '  ✗'}`);
    });
    console.log(`accuracy: ${pct(src.count ? correct / src.count : 0)} (${correct} of ${src.count}, seed ${seed})`);
    return 0;
  } finally {
    kernels.dispose();
  }
}

/** `stbp evaluate <model> --dataset <name> [--split test] [--test-limit n]`: accuracy and the confusion matrix. */
export async function evaluateCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const usage = 'stbp evaluate <model> --dataset <name> [--split test|train] [--test-limit n] [--seed n]';
  const row = requireModel(store, need(args[0], 'a model id or name', usage));
  if (!values.dataset) throw new EngineError('bad-command', `evaluate needs --dataset <name> (stbp datasets list); usage: ${usage}`);
  const r = await evaluateModel(store, row.id, {
    datasetId: requireDataset(store, values.dataset).id, split: splitFlag(values.split),
    limit: num('test-limit', values['test-limit'], true), seed: num('seed', values.seed, true),
  });
  console.log(`model ${row.id} (${row.name}) on ${values.dataset} ${r.split}: ${r.samples} samples, seed ${r.seed}, ${r.backend}, ${r.seconds.toFixed(1)} s`);
  console.log(`accuracy: ${pct(r.accuracy)}`);
  console.log(confusionText(r.confusion, r.classes, r.perClass));
  return 0;
}

/** The confusion matrix as text: rows are true classes, columns predictions, with each class's accuracy. */
export function confusionText(counts: readonly number[], classes: number, perClass: readonly (number | null)[]): string {
  const width = Math.max(5, ...counts.map((c) => String(c).length + 1));
  const head = `${'true\\pred'.padEnd(10)}${Array.from({ length: classes }, (_, k) => String(k).padStart(width)).join('')}  accuracy`;
  const rows = Array.from({ length: classes }, (_, t) => {
    const cells = Array.from({ length: classes }, (_, p) => String(counts[t * classes + p]).padStart(width)).join('');
    const acc = perClass[t];
    return `${String(t).padEnd(10)}${cells}  ${acc === null || acc === undefined ? '—' : pct(acc)}`;
  });
  return [head, ...rows].join('\n');
}

function splitFlag(text: string | undefined): Split {
  if (text === undefined) return 'test';
  if (!(SPLITS as readonly string[]).includes(text)) throw new EngineError('bad-option', `--split is ${JSON.stringify(text)}; allowed: ${SPLITS.join(', ')}`);
  return text as Split;
}
