import { describe, it, expect } from 'vitest';
import { Augmenter } from '../../../engine/augment/augmenter';
import { AUGMENTATIONS, AUGMENTATION_NAMES, checkAugmentation, checkAugmentations, createAugmentation } from '../../../engine/augment/registry';
import { augmentationSeed } from '../../../engine/augment/seed';
import type { AugmentationConfig } from '../../../engine/augment/types';
import { Rng } from '../../../engine/rng';
import { expectEngineError } from '../../helpers/errors';

/** A valid config of each registered kind, so the contract test covers every entry. */
const EXAMPLES: Record<string, AugmentationConfig> = {
  elastic: { name: 'elastic', alpha: 34, sigma: 4 },
  shift: { name: 'shift', max: 2 },
};

describe('the augmentation registry', () => {
  it('lists elastic and shift', () => {
    expect(AUGMENTATION_NAMES).toEqual(['elastic', 'shift']);
  });

  it.each(AUGMENTATIONS.map((k) => [k.name]))('%s: round-trips its config as JSON and is deterministic given the RNG', (name) => {
    const config = EXAMPLES[name]!;
    expect(config).toBeDefined();
    const aug = createAugmentation(JSON.parse(JSON.stringify(config)));
    expect(aug.name).toBe(name);
    expect(JSON.parse(JSON.stringify(aug.config))).toEqual(config);
    const shape = { rows: 12, cols: 10, channels: 2 };
    const rng = new Rng(4);
    const src = Uint8Array.from({ length: 240 }, () => rng.nextU32() & 255);
    const a = new Uint8Array(240);
    const b = new Uint8Array(240);
    aug.apply(src, a, shape, new Rng(8));
    createAugmentation(config).apply(src, b, shape, new Rng(8));
    expect(b).toEqual(a);
  });
});

describe('bad augmentation configs', () => {
  const cases: [string, unknown, string, string][] = [
    ['negative sigma', { name: 'elastic', alpha: 34, sigma: -1 }, 'bad-option', 'augmentation elastic: sigma is -1; allowed: a number > 0 and ≤ 100'],
    ['zero sigma', { name: 'elastic', alpha: 34, sigma: 0 }, 'bad-option', 'augmentation elastic: sigma is 0; allowed'],
    ['huge sigma', { name: 'elastic', alpha: 34, sigma: 101 }, 'bad-option', 'augmentation elastic: sigma is 101; allowed'],
    ['NaN alpha', { name: 'elastic', alpha: Number.NaN, sigma: 4 }, 'bad-option', 'augmentation elastic: alpha is NaN; allowed: a finite number ≥ 0'],
    ['negative alpha', { name: 'elastic', alpha: -3, sigma: 4 }, 'bad-option', 'augmentation elastic: alpha is -3; allowed'],
    ['alpha as text', { name: 'elastic', alpha: '34', sigma: 4 }, 'bad-option', 'augmentation elastic: alpha is "34"; allowed'],
    ['missing alpha', { name: 'elastic', sigma: 4 }, 'bad-option', 'augmentation elastic: alpha is undefined; allowed'],
    ['fractional shift', { name: 'shift', max: 1.5 }, 'bad-option', 'augmentation shift: max is 1.5; allowed: an integer from 0 to 64'],
    ['negative shift', { name: 'shift', max: -1 }, 'bad-option', 'augmentation shift: max is -1; allowed'],
    ['a field of another kind', { name: 'shift', max: 2, sigma: 3 }, 'bad-option', 'augmentation shift: field "sigma" is not one of its fields; allowed: name, max'],
    ['unknown name', { name: 'rotate', degrees: 10 }, 'unknown-augmentation', 'unknown augmentation "rotate" (known: elastic, shift)'],
    ['no name', { alpha: 34, sigma: 4 }, 'unknown-augmentation', '(known: elastic, shift)'],
    ['not an object', 'elastic', 'bad-option', 'augmentation is "elastic"; allowed: an object { name, …fields } with name one of elastic, shift'],
    ['null', null, 'bad-option', 'augmentation is null; allowed: an object'],
  ];

  it.each(cases)('%s', async (_, config, code, message) => {
    await expectEngineError(() => checkAugmentation(config), code, message);
    await expectEngineError(() => createAugmentation(config as AugmentationConfig), code, message);
  });

  it('names the field for the designer', () => {
    try {
      checkAugmentation({ name: 'elastic', alpha: 34, sigma: -1 });
      expect.unreachable();
    } catch (e) {
      expect((e as { at: unknown }).at).toEqual({ field: 'sigma' });
    }
  });

  it('a list says which entry is at fault', async () => {
    await expectEngineError(
      () => checkAugmentations([{ name: 'shift', max: 2 }, { name: 'elastic', alpha: 34, sigma: -1 }]), 'bad-option',
      'augmentations[1]: augmentation elastic: sigma is -1',
    );
    await expectEngineError(() => checkAugmentations({ name: 'shift', max: 2 }), 'bad-option', 'augmentations is {"name":"shift","max":2}; allowed: an array');
    await expectEngineError(() => new Augmenter([{ name: 'spin' } as unknown as AugmentationConfig], 1), 'unknown-augmentation', 'augmentations[0]: unknown augmentation "spin"');
  });
});

describe('augmentationSeed', () => {
  it('gives distinct seeds to the samples of an epoch, and differs across epochs and runs', () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 60000; i++) seeds.add(augmentationSeed(1, 1, i));
    expect(seeds.size).toBe(60000);
    expect(augmentationSeed(1, 2, 0)).not.toBe(augmentationSeed(1, 1, 0));
    expect(augmentationSeed(2, 1, 0)).not.toBe(augmentationSeed(1, 1, 0));
    expect(augmentationSeed(1 + 2 ** 32, 1, 0)).not.toBe(augmentationSeed(1, 1, 0));
    expect(augmentationSeed(-1, 1, 0)).not.toBe(augmentationSeed(2 ** 32 - 1, 1, 0));
    expect(augmentationSeed(1, 1, 0)).toBe(augmentationSeed(1, 1, 0));
    expect(Number.isInteger(augmentationSeed(1, 1, 0)) && augmentationSeed(1, 1, 0) >= 0).toBe(true);
  });

  it.each([
    [1.5, 1, 0, 'runSeed is 1.5; allowed: a safe integer'],
    [1, -1, 0, 'epoch is -1; allowed: an integer from 0 to 4294967295'],
    [1, 1, Number.NaN, 'sampleIndex is NaN; allowed'],
  ])('rejects (%s, %s, %s)', (run, epoch, index, message) => {
    expect(() => augmentationSeed(run, epoch, index)).toThrow(`augmentationSeed: ${message}`);
  });
});
