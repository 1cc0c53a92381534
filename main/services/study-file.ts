/**
 * Study files and their expansion. A study is a base run (the options of `stbp train`) and axes
 * over its settings; expanding it gives one cell per combination: the grid (every combination of
 * the `axes`) × the `lists` (equal-length lists that vary together) × `seeds` repeats. Every
 * function here is pure: reading, checking and expanding a file touch no store and no disk.
 */
import { EngineError } from '../../engine/errors';
import type { PaperReference, PaperResult, StudyCellPlan, StudyFile, StudyScale, StudyValue, TrainRequest } from '../contract';
import { RUN_NAME_MAX } from '../store/runs';
import { checkField, requestFromJson } from './train-request';

/** Above this many runs a study is refused unless the user confirmed the number (`--max-runs`, the app's dialog). */
export const CONFIRM_ABOVE = 32;
/** No study is larger, confirmed or not. */
export const MAX_STUDY_RUNS = 10_000;
export const MAX_SEEDS = 1000;
export const MAX_PARALLEL = 64;
export const STUDY_SCALES: readonly StudyScale[] = ['quick', 'paper'];

/**
 * The settings an axis may vary: its path in a study file and the option of `stbp train` it sets.
 * Values are checked as that option's kind here, and their ranges by the same checks `stbp train`
 * runs (engine/train/options.ts checkOptions, engine/spec/infer.ts) when the cells are planned.
 */
export const AXES: readonly { path: string; key: keyof TrainRequest; what: string }[] = [
  { path: 'surrogate.name', key: 'surrogate', what: 'surrogate shape h1–h4 (rectangular, polynomial, sigmoid, gaussian)' },
  { path: 'surrogate.width', key: 'surrogateWidth', what: 'surrogate width a (paper eq. 24–27)' },
  { path: 'tau', key: 'tau', what: 'decay factor, in [0, 1)' },
  { path: 'vth', key: 'vth', what: 'firing threshold' },
  { path: 'T', key: 'T', what: 'time steps' },
  { path: 'grad', key: 'grad', what: 'gradient: stbp, sdbp or detach-reset' },
  { path: 'lr', key: 'lr', what: 'learning rate' },
  { path: 'batch', key: 'batch', what: 'mini-batch size' },
  { path: 'hidden', key: 'hidden', what: 'units of every hidden dense layer' },
  { path: 'epochs', key: 'epochs', what: 'epochs' },
  { path: 'optimizer', key: 'optimizer', what: 'adam or sgd' },
  { path: 'loss', key: 'loss', what: 'mse or ce' },
  { path: 'initGain', key: 'initGain', what: 'initial weight scale' },
  { path: 'seed', key: 'seed', what: 'random seed' },
];

const AXIS_BY_PATH = new Map(AXES.map((a) => [a.path, a]));
const FILE_FIELDS = ['name', 'description', 'base', 'axes', 'lists', 'seeds', 'lastEpochs', 'paper', 'recipe'];

const bad = (message: string): EngineError => new EngineError('bad-study', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * A study file's JSON checked field by field; `where` starts every message (the file's path, or
 * the API argument). Unknown fields and unknown axes are refused, listing what is allowed.
 */
export function parseStudyFile(value: unknown, where: string): StudyFile {
  if (!isObject(value)) throw bad(`${where} is ${shown(value)}; allowed: a study object {"name", "base", "axes", …}`);
  const unknown = Object.keys(value).filter((k) => !FILE_FIELDS.includes(k));
  if (unknown.length) throw bad(`${where} has unknown field(s) ${unknown.map(shown).join(', ')}; allowed: ${FILE_FIELDS.join(', ')}`);
  const { name, description } = value;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw bad(`${where}.name is ${shown(name)}; allowed: a non-empty string of at most 100 characters`);
  if (description !== undefined && typeof description !== 'string') throw bad(`${where}.description is ${shown(description)}; allowed: a string`);
  if (value.base === undefined) throw bad(`${where}.base is missing; allowed: the options of stbp train, e.g. {"preset": "mlp-400", "epochs": 1}`);
  const base = requestFromJson(value.base, `${where}.base`);
  const file: StudyFile = { name: name.trim(), ...(description !== undefined && { description }), base };
  const axes = axisValues(value.axes, `${where}.axes`);
  const lists = axisValues(value.lists, `${where}.lists`);
  if (axes) file.axes = axes;
  if (lists) file.lists = lists;
  if (value.seeds !== undefined) file.seeds = count(value.seeds, `${where}.seeds`, MAX_SEEDS);
  if (value.lastEpochs !== undefined) file.lastEpochs = count(value.lastEpochs, `${where}.lastEpochs`, 100_000);
  if (value.paper !== undefined) file.paper = paperReference(value.paper, `${where}.paper`);
  if (value.recipe !== undefined) {
    const r = value.recipe;
    if (!isObject(r) || typeof r.name !== 'string' || !STUDY_SCALES.includes(r.scale as StudyScale)) {
      throw bad(`${where}.recipe is ${shown(r)}; allowed: {"name": <recipe>, "scale": ${STUDY_SCALES.map(shown).join(' or ')}}`);
    }
    file.recipe = { name: r.name, scale: r.scale as StudyScale };
  }
  checkShape(file, where);
  return file;
}

function count(v: unknown, where: string, max: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) throw bad(`${where} is ${shown(v)}; allowed: an integer from 1 to ${max}`);
  return v as number;
}

/** Axis path → its values, each of the option's kind, none twice. */
function axisValues(v: unknown, where: string): Record<string, StudyValue[]> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw bad(`${where} is ${shown(v)}; allowed: an object of setting paths and their values, e.g. {"surrogate.width": [0.5, 2.5]}`);
  const out: Record<string, StudyValue[]> = {};
  for (const [path, values] of Object.entries(v)) {
    const axis = AXIS_BY_PATH.get(path);
    if (!axis) throw bad(`${where} names the unknown setting ${shown(path)}; allowed: ${AXES.map((a) => a.path).join(', ')}`);
    if (!Array.isArray(values) || values.length === 0) throw bad(`${where}.${path} is ${shown(values)}; allowed: a non-empty list of values (${axis.what})`);
    values.forEach((x, i) => checkField(axis.key, x, `${where}.${path}[${i}]`));
    const twice = values.find((x, i) => values.indexOf(x) !== i);
    if (twice !== undefined) throw bad(`${where}.${path} has ${shown(twice)} twice; allowed: each value once (use "seeds" for repeats)`);
    out[path] = values as StudyValue[];
  }
  return out;
}

function paperReference(v: unknown, where: string): PaperReference {
  if (!isObject(v)) throw bad(`${where} is ${shown(v)}; allowed: {"note": text, "results": [...]}`);
  const out: PaperReference = {};
  if (v.note !== undefined) {
    if (typeof v.note !== 'string') throw bad(`${where}.note is ${shown(v.note)}; allowed: a string`);
    out.note = v.note;
  }
  if (v.results !== undefined) {
    if (!Array.isArray(v.results)) throw bad(`${where}.results is ${shown(v.results)}; allowed: a list of {"where", "mean", "interval", "source"}`);
    out.results = v.results.map((r, i) => paperResult(r, `${where}.results[${i}]`));
  }
  return out;
}

const isFraction = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x <= 1;

function paperResult(r: unknown, where: string): PaperResult {
  if (!isObject(r) || !isObject(r.where) || typeof r.source !== 'string' || !isFraction(r.mean)) {
    throw bad(`${where} is ${shown(r)}; allowed: {"where": {axis: value}, "mean": accuracy in [0, 1], "interval": [low, high], "source": text}`);
  }
  const interval = r.interval;
  if (interval !== undefined && !(Array.isArray(interval) && interval.length === 2 && interval.every(isFraction) && interval[0] <= interval[1])) {
    throw bad(`${where}.interval is ${shown(interval)}; allowed: [low, high], two accuracies in [0, 1], low <= high`);
  }
  for (const [path, x] of Object.entries(r.where)) {
    if (typeof x !== 'number' && typeof x !== 'string') throw bad(`${where}.where.${path} is ${shown(x)}; allowed: a number or a string`);
  }
  return { where: r.where as Record<string, StudyValue>, mean: r.mean, ...(interval !== undefined && { interval: interval as [number, number] }), source: r.source };
}

/** What the file's fields cannot say alone: no setting twice, lists of one length, a study of at least two runs. */
function checkShape(file: StudyFile, where: string): void {
  const grid = Object.keys(file.axes ?? {});
  const lists = Object.entries(file.lists ?? {});
  const both = grid.find((p) => p in (file.lists ?? {}));
  if (both) throw bad(`${where}: ${shown(both)} is both in axes and in lists; allowed: each setting in one of them`);
  const lengths = new Set(lists.map(([, v]) => v.length));
  if (lengths.size > 1) {
    throw bad(`${where}.lists have different lengths (${lists.map(([p, v]) => `${p}: ${v.length}`).join(', ')}); allowed: lists of one length, whose values go together`);
  }
  if ((file.seeds ?? 1) > 1 && [...grid, ...lists.map(([p]) => p)].includes('seed')) {
    throw bad(`${where}: "seeds" is ${file.seeds} and "seed" is an axis; allowed: one of them (seeds repeat every cell with base.seed, base.seed + 1, …)`);
  }
  if (grid.length === 0 && lists.length === 0 && (file.seeds ?? 1) < 2) {
    throw bad(`${where} has an empty grid: no axes, no lists and one seed make a single run; allowed: at least one axis with values (e.g. "axes": {"grad": ["stbp", "sdbp"]}), or "seeds" >= 2`);
  }
}

/** A cell: its axis values, its seed, and the train options that make its run. */
export interface ExpandedCell extends StudyCellPlan {
  request: TrainRequest;
}

/** Axis paths in cell order: the grid's, then the lists'. */
export function studyAxes(file: StudyFile): string[] {
  return [...Object.keys(file.axes ?? {}), ...Object.keys(file.lists ?? {})];
}

/** How many runs a file expands to, without expanding it. */
export function studySize(file: StudyFile): number {
  const grid = Object.values(file.axes ?? {}).reduce((n, v) => n * v.length, 1);
  const lists = Object.values(file.lists ?? {})[0]?.length ?? 1;
  return grid * lists * (file.seeds ?? 1);
}

/**
 * Every cell of the study, in queue order: seed repeats outermost (so a partly run study already
 * covers every setting once), then the grid with its first axis varying slowest, then the lists.
 * Refused when larger than `maxRuns` (what the user confirmed; default `CONFIRM_ABOVE`).
 */
export function expandStudy(file: StudyFile, maxRuns = CONFIRM_ABOVE): ExpandedCell[] {
  const size = studySize(file);
  const limit = Math.min(maxRuns, MAX_STUDY_RUNS);
  if (size > limit) {
    const factors = [...Object.entries(file.axes ?? {}).map(([p, v]) => `${v.length} ${p}`), ...(file.lists ? [`${Object.values(file.lists)[0]!.length} list entries`] : []), ...((file.seeds ?? 1) > 1 ? [`${file.seeds} seeds`] : [])];
    const allowed = maxRuns >= MAX_STUDY_RUNS ? `at most ${MAX_STUDY_RUNS} runs` : `at most ${limit} runs unless confirmed: pass --max-runs ${size} (or confirm in the app)`;
    throw bad(`study ${shown(file.name)} has ${size} runs (${factors.join(' × ')}); allowed: ${allowed}`);
  }
  const grid = Object.entries(file.axes ?? {}).reduce<Record<string, StudyValue>[]>(
    (combos, [path, values]) => combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v }))),
    [{}],
  );
  const lists = Object.entries(file.lists ?? {});
  const points = lists.length === 0 ? [{}] : lists[0]![1].map((_, i) => Object.fromEntries(lists.map(([p, v]) => [p, v[i]!])));
  const firstSeed = file.base.seed ?? 1;
  const cells: ExpandedCell[] = [];
  for (let repeat = 0; repeat < (file.seeds ?? 1); repeat++) {
    for (const g of grid) {
      for (const p of points) {
        const values: Record<string, StudyValue> = { ...g, ...p };
        const request: TrainRequest = { ...file.base };
        for (const [path, v] of Object.entries(values)) (request as Record<string, unknown>)[AXIS_BY_PATH.get(path)!.key] = v;
        const seed = 'seed' in values ? (values.seed as number) : firstSeed + repeat;
        request.seed = seed;
        const label = cellLabel(values, seed);
        cells.push({ index: cells.length, values, seed, label, request: { ...request, name: `${file.name}: ${label}`.slice(0, RUN_NAME_MAX) } });
      }
    }
  }
  return cells;
}

/** "surrogate.width=0.5, grad=sdbp, seed 5". */
export function cellLabel(values: Record<string, StudyValue>, seed?: number): string {
  const parts = Object.entries(values).filter(([p]) => p !== 'seed').map(([p, v]) => `${p}=${v}`);
  return [...parts, ...(seed !== undefined ? [`seed ${seed}`] : [])].join(', ') || 'base';
}
