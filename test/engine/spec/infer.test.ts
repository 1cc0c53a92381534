import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import { inferModel } from '../../../engine/spec/infer';
import type { LayerSpec, ModelSpec } from '../../../engine/spec/types';

// Builders take loose configs on purpose: the bad-spec table feeds values the types forbid.
const input = (shape: unknown): LayerSpec => ({ className: 'input', config: { shape } }) as unknown as LayerSpec;
const flatten: LayerSpec = { className: 'flatten' };
const dense = (config: Record<string, unknown>): LayerSpec => ({ className: 'dense', config }) as unknown as LayerSpec;
const output = (config: Record<string, unknown> = { units: 10 }): LayerSpec => ({ className: 'output', config }) as unknown as LayerSpec;
const spec = (...layers: LayerSpec[]): ModelSpec => ({ layers });

describe('inferModel: shapes and parameter counts', () => {
  it('784-800-10 (paper Table II): 784·800 + 800 + 800·10 + 10 = 636010 parameters', () => {
    const plan = inferModel(spec(input([784]), dense({ units: 800 }), output()));
    expect(plan.shapes).toEqual([
      { index: 0, className: 'input', outputShape: [784], params: 0 },
      { index: 1, className: 'dense', outputShape: [800], params: 784 * 800 + 800 },
      { index: 2, className: 'output', outputShape: [10], params: 800 * 10 + 10 },
    ]);
    expect(plan.params).toBe(636010);
    expect(plan.inputShape).toEqual([784]);
    expect(plan.inputSize).toBe(784);
    expect(plan.classes).toBe(10);
    expect(plan.layers.map((l) => [l.index, l.kind, l.inUnits, l.units])).toEqual([
      [1, 'dense', 784, 800],
      [2, 'output', 800, 10],
    ]);
  });

  it('fills neuron defaults (Table I: Vth 1.5, tau 0.1, rectangular a1 = 1, bias on)', () => {
    const [layer] = inferModel(spec(input([4]), output({ units: 2 }))).layers;
    expect(layer).toMatchObject({ vth: 1.5, decay: 0.1, surrogate: 'rectangular', surrogateId: 0, width: 1, bias: true });
  });

  it('a layer config overrides the spec-wide neuron defaults, field by field', () => {
    const plan = inferModel({
      neuron: { vth: 2, surrogate: { name: 'sigmoid', width: 0.5 } },
      layers: [input([4]), dense({ units: 3, tau: 0.2, surrogate: { width: 2 } }), output({ units: 2 })],
    });
    expect(plan.layers[0]).toMatchObject({ vth: 2, decay: 0.2, surrogate: 'sigmoid', surrogateId: 2, width: 2 });
    expect(plan.layers[1]).toMatchObject({ vth: 2, decay: 0.1, surrogate: 'sigmoid', width: 0.5 });
  });

  it('28×28×1 input with a flatten: same 636010 parameters, input shape kept', () => {
    const plan = inferModel(spec(input([28, 28, 1]), flatten, dense({ units: 800 }), output()));
    expect(plan.inputShape).toEqual([28, 28, 1]);
    expect(plan.inputSize).toBe(784);
    expect(plan.shapes.map((s) => [s.className, s.outputShape, s.params])).toEqual([
      ['input', [28, 28, 1], 0],
      ['flatten', [784], 0],
      ['dense', [800], 784 * 800 + 800],
      ['output', [10], 8010],
    ]);
    expect(plan.params).toBe(636010);
    expect(plan.layers[0]).toMatchObject({ index: 2, inUnits: 784 });
  });

  it('bias: false drops the bias from the count', () => {
    const plan = inferModel(spec(input([784]), dense({ units: 800, bias: false }), output()));
    expect(plan.shapes[1].params).toBe(784 * 800);
    expect(plan.params).toBe(636010 - 800);
  });
});

/** [what is wrong, spec, expected message]: each message names the layer, the field and the bad value. */
const BAD_SPECS: [string, unknown, RegExp][] = [
  ['no layers', { layers: [] }, /^spec: layers is 0 layer\(s\); allowed: an input layer, then at least an output layer$/],
  ['layers not an array', { layers: 'x' }, /^spec: layers is "x"; allowed: an array of layers$/],
  ['first layer not input', spec(dense({ units: 3 }), output()), /^layer 0 \(dense\): className is "dense"; allowed: the first layer must be input$/],
  ['input not first', spec(input([4]), input([4]), output()), /^layer 1 \(input\): className is "input"; allowed: input only as the first layer$/],
  ['output not last', spec(input([4]), output(), dense({ units: 3 }), output()), /^layer 1 \(output\): className is "output"; allowed: output only as the last layer$/],
  ['last layer not output', spec(input([4]), dense({ units: 3 })), /^layer 1 \(dense\): className is "dense"; allowed: the last layer must be output$/],
  ['unknown className', spec(input([4]), { className: 'conv2d', config: {} } as unknown as LayerSpec, output()),
    /^layer 1\b.*className is "conv2d"; allowed: one of input, flatten, dense, output$/],
  ['units 0', spec(input([4]), dense({ units: 0 }), output()), /^layer 1 \(dense\): units is 0; allowed: an integer from 1 to \d+$/],
  ['units 1.5', spec(input([4]), dense({ units: 1.5 }), output()), /^layer 1 \(dense\): units is 1\.5; allowed: an integer/],
  ['units -3', spec(input([4]), dense({ units: -3 }), output()), /^layer 1 \(dense\): units is -3; allowed: an integer/],
  ['units missing', spec(input([4]), dense({}), output()), /^layer 1 \(dense\): units is undefined; allowed: an integer/],
  ['output with 1 class', spec(input([4]), output({ units: 1 })), /^layer 1 \(output\): units is 1; allowed: at least 2 classes$/],
  ['vth 0', spec(input([4]), dense({ units: 3, vth: 0 }), output()), /^layer 1 \(dense\): vth is 0; allowed: a finite threshold > 0$/],
  ['vth NaN', spec(input([4]), dense({ units: 3, vth: NaN }), output()), /^layer 1 \(dense\): vth is NaN; allowed: a finite threshold > 0$/],
  ['vth 0 in the spec-wide defaults', { neuron: { vth: 0 }, layers: [input([4]), output()] }, /^layer 1 \(output\): vth is 0;/],
  ['tau 1', spec(input([4]), dense({ units: 3, tau: 1 }), output()), /^layer 1 \(dense\): tau is 1; allowed: a decay factor in \[0, 1\)$/],
  ['tau -0.1', spec(input([4]), dense({ units: 3, tau: -0.1 }), output()), /^layer 1 \(dense\): tau is -0\.1; allowed: a decay factor in \[0, 1\)$/],
  ['unknown surrogate', spec(input([4]), dense({ units: 3, surrogate: { name: 'triangle', width: 1 } }), output()),
    /^layer 1 \(dense\): surrogate\.name is "triangle"; allowed: one of rectangular, polynomial, sigmoid, gaussian$/],
  ['surrogate width 0', spec(input([4]), output({ units: 3, surrogate: { width: 0 } })), /^layer 1 \(output\): surrogate\.width is 0; allowed: a finite width > 0$/],
  ['dense after a 2-D input without flatten', spec(input([28, 28]), dense({ units: 3 }), output()),
    /^layer 1 \(dense\): input shape is \[28, 28\]; allowed: a flat vector: add a flatten layer/],
  ['input shape []', spec(input([]), output()), /^layer 0 \(input\): shape is \[\]; allowed: an array of 1 to 3 positive integers/],
  ['input shape [0]', spec(input([0]), output()), /^layer 0 \(input\): shape is \[0\]; allowed: an array of 1 to 3 positive integers/],
  ['input shape with 4 dims', spec(input([2, 2, 2, 2]), flatten, output()), /^layer 0 \(input\): shape is \[2,2,2,2\]; allowed: an array of 1 to 3/],
  ['input shape missing', spec({ className: 'input' } as unknown as LayerSpec, output()), /^layer 0 \(input\): shape is undefined;/],
  ['bias not boolean', spec(input([4]), dense({ units: 3, bias: 'yes' }), output()), /^layer 1 \(dense\): bias is "yes"; allowed: true or false$/],
];

describe('inferModel: bad specs', () => {
  it.each(BAD_SPECS)('%s', (_what, bad, message) => {
    let error: unknown;
    try {
      inferModel(bad as ModelSpec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('bad-spec');
    expect((error as Error).message).toMatch(message);
    // The designer marks the layer the message names.
    const named = /^layer (\d+)/.exec((error as Error).message)?.[1];
    expect((error as EngineError).at.layer).toBe(named === undefined ? undefined : Number(named));
  });
});
