import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors';
import { inferModel } from '../../../engine/spec/infer';
import type { LayerSpec, ModelSpec } from '../../../engine/spec/types';

// Builders take loose configs on purpose: the bad-spec table feeds values the types forbid.
const input = (shape: unknown): LayerSpec => ({ className: 'input', config: { shape } }) as unknown as LayerSpec;
const flatten: LayerSpec = { className: 'flatten' };
const dense = (config: Record<string, unknown>): LayerSpec => ({ className: 'dense', config }) as unknown as LayerSpec;
const output = (config: Record<string, unknown> = { units: 10 }): LayerSpec => ({ className: 'output', config }) as unknown as LayerSpec;
const conv2d = (config: Record<string, unknown>): LayerSpec => ({ className: 'conv2d', config }) as unknown as LayerSpec;
const avgpool = (config: Record<string, unknown>): LayerSpec => ({ className: 'avgpool', config }) as unknown as LayerSpec;
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

describe('inferModel: convolutional networks', () => {
  it('Table V, 28×28×1-15C5-P2-40C5-P2-300-10 (valid convolutions): shapes, parameters, analog inputs after pooling', () => {
    const plan = inferModel(spec(
      input([1, 28, 28]), conv2d({ filters: 15, kernel: 5 }), avgpool({ kernel: 2 }), conv2d({ filters: 40, kernel: 5 }),
      avgpool({ kernel: 2 }), flatten, dense({ units: 300 }), output(),
    ));
    expect(plan.shapes.map((s) => [s.className, s.outputShape, s.params])).toEqual([
      ['input', [1, 28, 28], 0],
      ['conv2d', [15, 24, 24], 15 * 25 + 15],
      ['avgpool', [15, 12, 12], 0],
      ['conv2d', [40, 8, 8], 40 * 15 * 25 + 40],
      ['avgpool', [40, 4, 4], 0],
      ['flatten', [640], 0],
      ['dense', [300], 640 * 300 + 300],
      ['output', [10], 3010],
    ]);
    expect(plan.params).toBe(390 + 15040 + 192300 + 3010);
    expect(plan.stages.map((s) => [s.index, s.kind, s.input, s.inUnits, s.units])).toEqual([
      [1, 'conv2d', 'spikes', 784, 15 * 24 * 24],
      [2, 'avgpool', 'spikes', 15 * 24 * 24, 15 * 12 * 12],
      [3, 'conv2d', 'analog', 15 * 12 * 12, 40 * 8 * 8],
      [4, 'avgpool', 'spikes', 40 * 8 * 8, 640],
      [6, 'dense', 'analog', 640, 300],
      [7, 'output', 'spikes', 300, 10],
    ]);
    expect(plan.layers.map((l) => l.index)).toEqual([1, 3, 6, 7]); // the LIF layers
    expect(plan.layers[1]).toMatchObject({
      weights: 15000, biases: 40,
      conv: { inC: 15, inH: 12, inW: 12, outC: 40, outH: 8, outW: 8, kernel: 5, stride: 1, pad: 0 },
    });
  });

  it('Table VI, 28×28×1-6C3-300-10: the convolution\'s spikes flattened into a dense layer', () => {
    const plan = inferModel(spec(input([1, 28, 28]), conv2d({ filters: 6, kernel: 3 }), flatten, dense({ units: 300 }), output()));
    expect(plan.shapes.map((s) => s.outputShape)).toEqual([[1, 28, 28], [6, 26, 26], [4056], [300], [10]]);
    expect(plan.stages.map((s) => s.input)).toEqual(['spikes', 'spikes', 'spikes']);
    expect(plan.params).toBe(60 + 4056 * 300 + 300 + 3010);
  });

  it('stride, padding, no bias, overlapping pooling, neuron overrides', () => {
    const plan = inferModel({
      neuron: { vth: 2 },
      layers: [
        input([3, 9, 7]), conv2d({ filters: 4, kernel: 3, stride: 2, padding: 1, bias: false, tau: 0.3 }),
        avgpool({ kernel: 2, stride: 1 }), flatten, output(),
      ],
    });
    expect(plan.shapes.map((s) => [s.outputShape, s.params])).toEqual([
      [[3, 9, 7], 0], [[4, 5, 4], 4 * 3 * 9], [[4, 4, 3], 0], [[48], 0], [[10], 490],
    ]);
    expect(plan.layers[0]).toMatchObject({ vth: 2, decay: 0.3, bias: false, conv: { stride: 2, pad: 1, outH: 5, outW: 4 } });
    expect(plan.stages[1]).toMatchObject({ kind: 'avgpool', pool: { channels: 4, inH: 5, inW: 4, outH: 4, outW: 3, kernel: 2, stride: 1 } });
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
  ['unknown className', spec(input([4]), { className: 'maxpool', config: {} } as unknown as LayerSpec, output()),
    /^layer 1\b.*className is "maxpool"; allowed: one of input, flatten, conv2d, avgpool, dense, output$/],
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
  ['conv2d on a flat input', spec(input([784]), conv2d({ filters: 3, kernel: 3 }), flatten, output()),
    /^layer 1 \(conv2d\): input shape is \[784\]; allowed: a \[channels, height, width\] map: give the input shape as \[C, H, W\]/],
  ['conv2d after a flatten', spec(input([1, 8, 8]), flatten, conv2d({ filters: 3, kernel: 3 }), flatten, output()),
    /^layer 2 \(conv2d\): input shape is \[64\]; allowed: a \[channels, height, width\] map/],
  ['conv2d filters 0', spec(input([1, 8, 8]), conv2d({ filters: 0, kernel: 3 }), flatten, output()), /^layer 1 \(conv2d\): filters is 0; allowed: an integer from 1 to 4096$/],
  ['conv2d filters 2.5', spec(input([1, 8, 8]), conv2d({ filters: 2.5, kernel: 3 }), flatten, output()), /^layer 1 \(conv2d\): filters is 2\.5; allowed: an integer/],
  ['conv2d filters missing', spec(input([1, 8, 8]), conv2d({ kernel: 3 }), flatten, output()), /^layer 1 \(conv2d\): filters is undefined; allowed: an integer/],
  ['conv2d kernel 0', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 0 }), flatten, output()), /^layer 1 \(conv2d\): kernel is 0; allowed: an integer from 1 to 64$/],
  ['conv2d kernel as a pair', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: [3, 3] }), flatten, output()), /^layer 1 \(conv2d\): kernel is \[3,3\]; allowed: an integer from 1 to 64$/],
  ['conv2d kernel larger than the map', spec(input([1, 4, 6]), conv2d({ filters: 3, kernel: 5 }), flatten, output()),
    /^layer 1 \(conv2d\): kernel is 5; allowed: at most 4: the input map is 4×6 with padding 0$/],
  ['conv2d stride 0', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3, stride: 0 }), flatten, output()), /^layer 1 \(conv2d\): stride is 0; allowed: an integer from 1 to 64$/],
  ['conv2d padding -1', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3, padding: -1 }), flatten, output()), /^layer 1 \(conv2d\): padding is -1; allowed: an integer from 0 to 2$/],
  ['conv2d padding as large as the kernel', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3, padding: 3 }), flatten, output()), /^layer 1 \(conv2d\): padding is 3; allowed: an integer from 0 to 2$/],
  ['conv2d too many neurons', spec(input([1, 1000, 1000]), conv2d({ filters: 2, kernel: 1 }), flatten, output()),
    /^layer 1 \(conv2d\): filters is 2; allowed: at most 1: 2×1000×1000 neurons exceed 1048576$/],
  ['conv2d vth 0', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3, vth: 0 }), flatten, output()), /^layer 1 \(conv2d\): vth is 0; allowed: a finite threshold > 0$/],
  ['conv2d bias not boolean', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3, bias: 1 }), flatten, output()), /^layer 1 \(conv2d\): bias is 1; allowed: true or false$/],
  ['dense after conv2d without flatten', spec(input([1, 8, 8]), conv2d({ filters: 3, kernel: 3 }), dense({ units: 5 }), output()),
    /^layer 2 \(dense\): input shape is \[3, 6, 6\]; allowed: a flat vector: add a flatten layer/],
  ['avgpool on a flat input', spec(input([64]), avgpool({ kernel: 2 }), flatten, output()), /^layer 1 \(avgpool\): input shape is \[64\]; allowed: a \[channels, height, width\] map/],
  ['avgpool kernel 0', spec(input([1, 8, 8]), avgpool({ kernel: 0 }), flatten, output()), /^layer 1 \(avgpool\): kernel is 0; allowed: an integer from 1 to 8$/],
  ['avgpool kernel missing', spec(input([1, 8, 8]), avgpool({}), flatten, output()), /^layer 1 \(avgpool\): kernel is undefined; allowed: an integer from 1 to 8$/],
  ['avgpool window larger than the map', spec(input([2, 3, 5]), avgpool({ kernel: 4 }), flatten, output()), /^layer 1 \(avgpool\): kernel is 4; allowed: an integer from 1 to 3$/],
  ['avgpool stride 0', spec(input([1, 8, 8]), avgpool({ kernel: 2, stride: 0 }), flatten, output()), /^layer 1 \(avgpool\): stride is 0; allowed: an integer from 1 to 64$/],
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
