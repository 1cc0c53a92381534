/**
 * Recipes: the paper's studies as files in resources/studies/, each at two scales: `quick` (a
 * subset and a few epochs: minutes on a laptop) and `paper` (the paper's settings). A recipe file
 * holds what the scales share (axes, the paper's numbers) and what each changes (base, seeds); a
 * scale read out of it is an ordinary study file.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../engine/errors';
import type { StudyFile, StudyRecipe, StudyScale } from '../contract';
import { parseStudyFile, STUDY_SCALES } from './study-file';

/** resources/studies, two levels up from main/services/*.ts and from the bundles in out/cli/ and out/main/. */
export const RECIPE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources', 'studies');

const SCALE_FIELDS = ['description', 'base', 'axes', 'lists', 'seeds', 'lastEpochs'];

async function recipeNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export async function listRecipes(dir = RECIPE_DIR): Promise<StudyRecipe[]> {
  return Promise.all((await recipeNames(dir)).map((n) => loadRecipe(n, dir)));
}

/** A recipe with both scales checked as study files (a broken recipe fails here, naming the field). */
export async function loadRecipe(name: string, dir = RECIPE_DIR): Promise<StudyRecipe> {
  const known = await recipeNames(dir);
  if (!known.includes(name)) throw new EngineError('unknown-recipe', `unknown study recipe ${JSON.stringify(name)} (known: ${known.join(', ')}; or give a study file ending in .json)`);
  const file = join(dir, `${name}.json`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EngineError('bad-recipe', `recipe file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const scales = (raw.scales ?? {}) as Record<string, Record<string, unknown>>;
  const files = Object.fromEntries(STUDY_SCALES.map((scale) => {
    const own = scales[scale];
    if (!own) throw new EngineError('bad-recipe', `recipe file ${file} has no scales.${scale}; allowed: both ${STUDY_SCALES.join(' and ')}`);
    const unknown = Object.keys(own).filter((k) => !SCALE_FIELDS.includes(k));
    if (unknown.length) throw new EngineError('bad-recipe', `recipe file ${file}: scales.${scale} has unknown field(s) ${unknown.join(', ')}; allowed: ${SCALE_FIELDS.join(', ')}`);
    const study = {
      name: `${name}-${scale}`,
      ...(raw.axes !== undefined && { axes: raw.axes }),
      ...(raw.lists !== undefined && { lists: raw.lists }),
      ...own,
      description: [raw.description, own.description].filter(Boolean).join(' '),
      ...(raw.paper !== undefined && { paper: raw.paper }),
      recipe: { name, scale },
    };
    return [scale, parseStudyFile(study, `recipe ${name} (${scale} scale)`)];
  })) as Record<StudyScale, StudyFile>;
  return { name, title: String(raw.title ?? name), description: String(raw.description ?? ''), scales: files };
}

/**
 * What `stbp study run <arg>` names: a study file (a path ending in .json, or one that exists),
 * else a recipe at `scale` (default quick).
 */
export async function studyFromArgument(arg: string, scale: string | undefined): Promise<StudyFile> {
  if (scale !== undefined && !STUDY_SCALES.includes(scale as StudyScale)) {
    throw new EngineError('bad-option', `--scale is ${JSON.stringify(scale)}; allowed: ${STUDY_SCALES.join(', ')}`);
  }
  if (arg.endsWith('.json') || existsSync(arg)) {
    let text: string;
    try {
      text = await readFile(arg, 'utf8');
    } catch (e) {
      throw new EngineError('bad-study', `study file ${arg} cannot be read: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new EngineError('bad-study', `study file ${arg} is not valid JSON: ${(e as Error).message}`);
    }
    return parseStudyFile(json, `study file ${arg}`);
  }
  return (await loadRecipe(arg)).scales[(scale ?? 'quick') as StudyScale];
}
