import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferModel } from '../../../engine/spec/infer';
import { checkOptions, DEFAULT_TRAIN_OPTIONS } from '../../../engine/train/options';

const DIR = join(__dirname, '..', '..', '..', 'resources', 'presets');
const load = (name: string) => JSON.parse(readFileSync(join(DIR, name), 'utf8'));

describe('presets', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.json')))('%s: a valid spec and valid settings', (file) => {
    const preset = load(file);
    expect(preset.name).toBe(file.replace(/\.json$/, ''));
    expect(() => inferModel(preset.spec)).not.toThrow();
    const { binning: _binning, ...train } = preset.train;
    expect(() => checkOptions({ ...DEFAULT_TRAIN_OPTIONS, ...train })).not.toThrow();
  });

  it('cnn-table5 is 28x28x1-15C5-P2-40C5-P2-300-10 with Table I settings for MNIST', () => {
    const { spec, train } = load('cnn-table5.json');
    const plan = inferModel(spec);
    expect(plan.shapes.map((s) => s.outputShape)).toEqual([[1, 28, 28], [15, 24, 24], [15, 12, 12], [40, 8, 8], [40, 4, 4], [640], [300], [10]]);
    expect(plan.layers.map((l) => [l.vth, l.decay, l.surrogate, l.width])).toEqual(Array(4).fill([1.5, 0.1, 'rectangular', 1]));
    expect(train).toMatchObject({ steps: 30, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper' });
    expect(train.augment).toEqual([{ name: 'elastic', alpha: 34, sigma: 4 }]); // the paper's preprocessing for Table V
  });

  it('cnn-table6 is 28x28x1-6C3-300-10 with Table I settings for the object detection dataset', () => {
    const { spec, train } = load('cnn-table6.json');
    const plan = inferModel(spec);
    expect(plan.shapes.map((s) => s.outputShape)).toEqual([[1, 28, 28], [6, 26, 26], [4056], [300], [10]]);
    expect(plan.layers.map((l) => [l.vth, l.decay])).toEqual(Array(3).fill([2, 0.15]));
    expect(train).toMatchObject({ steps: 30, optimizer: 'adam', loss: 'mse', grad: 'stbp' });
  });
});
