import { describe, expect, it } from 'vitest';
import { newLayer, type DesignLayer, type LayerClass } from '../../../renderer/src/designer/layers';
import { defaultInsertIndex, insertLayer, moveLayer, removeLayer, updateLayerConfig } from '../../../renderer/src/designer/ops';
import { parseShapeText } from '../../../renderer/src/designer/shape-text';

const stack = (...classes: LayerClass[]): DesignLayer[] => classes.map(newLayer);
const names = (layers: DesignLayer[]) => layers.map((l) => l.className);

describe('designer operations', () => {
  it('inserts before the given index, clamped, without touching the original', () => {
    const layers = stack('input', 'dense', 'output');
    const { layers: next, index } = insertLayer(layers, 'flatten', 1);
    expect(names(next)).toEqual(['input', 'flatten', 'dense', 'output']);
    expect(index).toBe(1);
    expect(names(layers)).toEqual(['input', 'dense', 'output']);
    expect(insertLayer(layers, 'dense', 99).index).toBe(3);
    expect(insertLayer(layers, 'input', -5).index).toBe(0);
    expect(next[1]!.config).toEqual({});
    expect(insertLayer(layers, 'conv2d', 1).layers[1]!.config).toMatchObject({ filters: expect.any(Number), kernel: expect.any(Number) });
  });

  it('moves a layer to an insertion index (as a drop between cards gives it)', () => {
    const layers = stack('input', 'flatten', 'dense', 'output');
    const ids = layers.map((l) => l.id);
    // Drag "dense" (2) to before "flatten" (1).
    let moved = moveLayer(layers, 2, 1);
    expect(names(moved.layers)).toEqual(['input', 'dense', 'flatten', 'output']);
    expect(moved.index).toBe(1);
    // Drag "flatten" (1) to after "dense": insertion index 3 (before output).
    moved = moveLayer(layers, 1, 3);
    expect(names(moved.layers)).toEqual(['input', 'dense', 'flatten', 'output']);
    expect(moved.index).toBe(2);
    // Dropping a card right where it is changes nothing.
    expect(moveLayer(layers, 1, 1).layers.map((l) => l.id)).toEqual(ids);
    expect(moveLayer(layers, 1, 2).layers.map((l) => l.id)).toEqual(ids);
    // To the end.
    expect(names(moveLayer(layers, 0, 4).layers)).toEqual(['flatten', 'dense', 'output', 'input']);
    expect(layers.map((l) => l.id)).toEqual(ids);
  });

  it('removes a layer by index and ignores a bad index', () => {
    const layers = stack('input', 'dense', 'output');
    expect(names(removeLayer(layers, 1))).toEqual(['input', 'output']);
    expect(names(removeLayer(layers, 7))).toEqual(['input', 'dense', 'output']);
  });

  it('updates config fields; undefined removes a field (back to the default)', () => {
    const layers = stack('input', 'dense', 'output');
    const next = updateLayerConfig(layers, 1, { units: 400, vth: 2 });
    expect(next[1]!.config).toEqual({ units: 400, vth: 2 });
    expect(updateLayerConfig(next, 1, { vth: undefined })[1]!.config).toEqual({ units: 400 });
    expect(layers[1]!.config).toEqual({ units: 100 });
    expect(next[0]).toBe(layers[0]);
  });

  it('places clicked layers sensibly: input first, output last, others after the selection or before the output', () => {
    const layers = stack('input', 'dense', 'output');
    expect(defaultInsertIndex(layers, 'input', 2)).toBe(0);
    expect(defaultInsertIndex(layers, 'output', 0)).toBe(3);
    expect(defaultInsertIndex(layers, 'dense', null)).toBe(2);
    expect(defaultInsertIndex(layers, 'flatten', 0)).toBe(1);
    expect(defaultInsertIndex(layers, 'dense', 2)).toBe(2);
    expect(defaultInsertIndex(stack('input'), 'dense', null)).toBe(1);
  });
});

describe('input shape text', () => {
  it('reads the forms a researcher types', () => {
    expect(parseShapeText('1, 28, 28')).toEqual([1, 28, 28]);
    expect(parseShapeText('1x28x28')).toEqual([1, 28, 28]);
    expect(parseShapeText('[2 34 34]')).toEqual([2, 34, 34]);
    expect(parseShapeText('784')).toEqual([784]);
    expect(parseShapeText('')).toBeNull();
    expect(parseShapeText('28, a')).toBeNull();
  });
});
