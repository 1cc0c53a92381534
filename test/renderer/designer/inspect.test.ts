import { describe, expect, it } from 'vitest';
import { inspectSpec, localInference } from '../../../renderer/src/designer/inspect';
import { defaultNeuron, fromModelSpec, newLayer, toModelSpec, type DesignSpec, type LayerClass, type LayerConfig } from '../../../renderer/src/designer/layers';

function design(...layers: [LayerClass, LayerConfig?][]): DesignSpec {
  return {
    name: 't',
    neuron: defaultNeuron(),
    layers: layers.map(([className, config]) => ({ ...newLayer(className), ...(config ? { config } : {}) })),
  };
}

/** An engine without conv2d/avgpool (today's, and the fallback the designer must handle). */
const DENSE_ONLY = ['input', 'flatten', 'dense', 'output'];

describe('designer inspection (engine shape inference)', () => {
  it('gives every layer its output shape and parameter count from the engine', () => {
    const report = inspectSpec(design(['input', { shape: [784] }], ['dense', { units: 800 }], ['output', { units: 10 }]));
    expect(report.valid).toBe(true);
    expect(report.engineChecked).toBe(true);
    expect(report.layers.map((l) => l.outputShape)).toEqual([[784], [800], [10]]);
    expect(report.layers.map((l) => l.params)).toEqual([0, 784 * 800 + 800, 800 * 10 + 10]);
    expect(report.params).toBe(784 * 800 + 800 + 8010);
    expect(report.classes).toBe(10);
    expect(report.layers.every((l) => l.error === null)).toBe(true);
  });

  it('counts no bias when bias is false, and flattens [C, H, W]', () => {
    const report = inspectSpec(design(['input', { shape: [2, 34, 34] }], ['flatten'], ['dense', { units: 100, bias: false }], ['output', { units: 10 }]));
    expect(report.layers[1]!.outputShape).toEqual([2312]);
    expect(report.layers[2]!.params).toBe(2312 * 100);
  });

  it('pins the engine error on the layer at fault (index and field); layers before it keep their shapes', () => {
    const report = inspectSpec(design(['input', { shape: [784] }], ['dense', { units: 800 }], ['dense', { units: 0 }], ['output', { units: 10 }]));
    expect(report.valid).toBe(false);
    expect(report.errorLayer).toBe(2);
    expect(report.layers[2]).toMatchObject({ outputShape: null, params: null, errorField: 'units' });
    expect(report.layers[2]!.error).toMatch(/^units is 0; allowed: an integer from 1/);
    expect(report.layers[1]!.outputShape).toEqual([800]);
    expect(report.layers[3]).toMatchObject({ outputShape: null, error: null });
    expect(report.params).toBeNull();
  });

  it('names the field for neuron overrides and structure faults', () => {
    expect(inspectSpec(design(['input', { shape: [4] }], ['dense', { units: 3, tau: 1.5 }], ['output', { units: 2 }])).layers[1]!.errorField).toBe('tau');
    const dense = inspectSpec(design(['input', { shape: [1, 28, 28] }], ['dense', { units: 10 }], ['output', { units: 10 }]));
    expect(dense.errorLayer).toBe(1);
    expect(dense.layers[1]!.error).toMatch(/flatten/);
    const noOutput = inspectSpec(design(['input', { shape: [4] }], ['dense', { units: 3 }]));
    expect(noOutput.errorLayer).toBe(1);
    expect(noOutput.layers[1]!.error).toMatch(/last layer must be output/);
    const empty = inspectSpec(design());
    expect(empty.valid).toBe(false);
    expect(empty.errorLayer).toBeNull();
    expect(empty.error).toMatch(/layers/);
  });

  it('marks conv2d/avgpool unsupported when the engine lacks them and infers their shapes itself', () => {
    const spec = design(
      ['input', { shape: [1, 28, 28] }],
      ['conv2d', { filters: 15, kernel: 5 }],
      ['avgpool', { kernel: 2 }],
      ['conv2d', { filters: 40, kernel: 5, padding: 0 }],
      ['avgpool', { kernel: 2 }],
      ['flatten'],
      ['dense', { units: 300 }],
      ['output', { units: 10 }],
    );
    const report = inspectSpec(spec, DENSE_ONLY);
    expect(report.engineChecked).toBe(false);
    expect(report.valid).toBe(false);
    expect(report.unsupportedClasses.sort()).toEqual(['avgpool', 'conv2d']);
    expect(report.layers.map((l) => l.unsupported)).toEqual([false, true, true, true, true, false, false, false]);
    // The paper's CNN: 28x28-15C5-P2-40C5-P2-300-10.
    expect(report.layers.map((l) => l.outputShape)).toEqual([[1, 28, 28], [15, 24, 24], [15, 12, 12], [40, 8, 8], [40, 4, 4], [640], [300], [10]]);
    expect(report.layers[1]!.params).toBe(15 * 25 + 15);
    expect(report.layers[3]!.params).toBe(40 * 15 * 25 + 40);
    expect(report.layers[6]!.params).toBe(640 * 300 + 300);
  });

  it("the designer's own inference reports conv and pool faults on their own layers", () => {
    const local = (d: DesignSpec) => localInference(toModelSpec(d));
    const tooBig = local(design(['input', { shape: [1, 4, 4] }], ['conv2d', { filters: 2, kernel: 5 }], ['flatten'], ['output', { units: 2 }]));
    expect(tooBig.errorLayer).toBe(1);
    expect(tooBig.layers[1]).toMatchObject({ errorField: 'kernel', outputShape: null });
    const flat = local(design(['input', { shape: [16] }], ['avgpool', { kernel: 2 }], ['flatten'], ['output', { units: 2 }]));
    expect(flat.layers[1]!.error).toMatch(/\[channels, height, width\]/);
    const strided = local(design(['input', { shape: [3, 9, 9] }], ['conv2d', { filters: 4, kernel: 3, stride: 2, padding: 1 }], ['flatten'], ['output', { units: 2 }]));
    expect(strided.layers[1]!.outputShape).toEqual([4, 5, 5]);
    const pooled = local(design(['input', { shape: [2, 7, 7] }], ['avgpool', { kernel: 3, stride: 2 }], ['flatten'], ['output', { units: 2 }]));
    expect(pooled.layers[1]).toMatchObject({ outputShape: [2, 3, 3], params: 0 });
  });

  it("the designer's own inference agrees with the engine on the engine's layer classes", () => {
    const d = design(['input', { shape: [2, 8, 8] }], ['flatten'], ['dense', { units: 30, bias: false }], ['output', { units: 3 }]);
    const engine = inspectSpec(d);
    expect(localInference(toModelSpec(d)).layers.map((l) => [l.outputShape, l.params])).toEqual(engine.layers.map((l) => [l.outputShape, l.params]));
  });

  it('reads a preset spec JSON (fromModelSpec) and keeps unknown classes visible as errors', () => {
    const d = fromModelSpec({ layers: [{ className: 'input', config: { shape: [4] } }, { className: 'weird' as never, config: {} as never }, { className: 'output', config: { units: 2 } }] });
    const report = inspectSpec(d);
    expect(report.layers[1]!.error).toMatch(/className/);
  });
});
