import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../engine/errors';
import { inferModel } from '../../engine/spec/infer';
import type { ModelSpec } from '../../engine/spec/types';
import type { TrainOptions } from '../../engine/train/trainer';

export interface Preset {
  name: string;
  description: string;
  spec: ModelSpec;
  train: Partial<TrainOptions>;
}

/** resources/presets, two levels up from main/services/*.ts and from the bundles in out/cli/ and out/main/. */
export const PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources', 'presets');

export async function listPresets(dir = PRESET_DIR): Promise<Preset[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  return Promise.all(names.map((n) => loadPreset(n, dir)));
}

export async function loadPreset(name: string, dir = PRESET_DIR): Promise<Preset> {
  const known = (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  if (!known.includes(name)) {
    throw new EngineError('unknown-preset', `unknown preset ${JSON.stringify(name)} (known: ${known.join(', ')})`);
  }
  const file = join(dir, `${name}.json`);
  let preset: Preset;
  try {
    preset = JSON.parse(await readFile(file, 'utf8')) as Preset;
  } catch (e) {
    throw new EngineError('bad-preset', `preset file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  inferModel(preset.spec); // a broken preset fails here, naming the layer
  return preset;
}
