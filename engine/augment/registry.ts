import { EngineError, unknownName } from '../errors';
import { elastic } from './elastic';
import { shift } from './shift';
import type { Augmentation, AugmentationConfig, AugmentationKind } from './types';

/** The registry: one line per augmentation. */
export const AUGMENTATIONS: readonly AugmentationKind[] = [elastic, shift];

export const AUGMENTATION_NAMES: readonly string[] = AUGMENTATIONS.map((k) => k.name);

export function augmentationKind(name: string): AugmentationKind {
  const found = AUGMENTATIONS.find((k) => k.name === name);
  if (!found) throw unknownName('augmentation', name, AUGMENTATION_NAMES);
  return found;
}

/**
 * Checks a config that came as data (JSON options, a checkpoint): an object with a known `name`,
 * only that kind's fields, each valid. Returns it typed; throws an EngineError naming what is wrong.
 */
export function checkAugmentation(config: unknown): AugmentationConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new EngineError('bad-option', `augmentation is ${JSON.stringify(config)}; allowed: an object { name, …fields } with name one of ${AUGMENTATION_NAMES.join(', ')}`);
  }
  const { name } = config as { name?: unknown };
  const kind = augmentationKind(name as string);
  for (const field of Object.keys(config)) {
    if (field !== 'name' && !kind.fields.includes(field)) {
      throw new EngineError('bad-option', `augmentation ${kind.name}: field ${JSON.stringify(field)} is not one of its fields; allowed: name, ${kind.fields.join(', ')}`, { field });
    }
  }
  kind.check(config as AugmentationConfig);
  return config as AugmentationConfig;
}

/** Checks a list of configs (applied in order); errors say which entry is at fault. */
export function checkAugmentations(configs: unknown): AugmentationConfig[] {
  if (!Array.isArray(configs)) throw new EngineError('bad-option', `augmentations is ${JSON.stringify(configs)}; allowed: an array of augmentation configs`);
  return configs.map((c, i) => {
    try {
      return checkAugmentation(c);
    } catch (e) {
      if (e instanceof EngineError) throw new EngineError(e.code, `augmentations[${i}]: ${e.message}`, e.at);
      throw e;
    }
  });
}

/** Validates `config` and builds its augmentation (which owns its own work buffers). */
export function createAugmentation(config: AugmentationConfig): Augmentation {
  return augmentationKind(checkAugmentation(config).name).create(config);
}
