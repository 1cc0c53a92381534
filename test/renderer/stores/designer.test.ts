import { beforeEach, describe, expect, it } from 'vitest';
import { useDesignerStore } from '../../../renderer/src/stores/designer';
import { MLP_SPEC, createTestHost, storesWith } from '../helpers/test-host';

const classes = (store: ReturnType<typeof useDesignerStore>) => store.layers.map((l) => l.className);

describe('designer store', () => {
  beforeEach(() => {
    storesWith(createTestHost(), { storage: null, engineClasses: ['input', 'flatten', 'dense', 'output'] });
  });

  it('starts from a valid 784-800-10 network with shapes from the engine', () => {
    const store = useDesignerStore();
    expect(classes(store)).toEqual(['input', 'dense', 'output']);
    expect(store.report.valid).toBe(true);
    expect(store.report.layers.map((l) => l.outputShape)).toEqual([[784], [800], [10]]);
  });

  it('inserts at an index, moves, removes, and undoes/redoes each step', () => {
    const store = useDesignerStore();
    store.insert('dense', 1);
    expect(classes(store)).toEqual(['input', 'dense', 'dense', 'output']);
    expect(store.selected).toBe(1);
    store.move(1, 3);
    expect(store.layers.map((l) => l.config.units)).toEqual([undefined, 800, 100, 10]);
    expect(store.selected).toBe(2);
    store.remove(0);
    expect(classes(store)).toEqual(['dense', 'dense', 'output']);
    expect(store.report.valid).toBe(false);
    expect(store.report.errorLayer).toBe(0);
    store.undo();
    expect(classes(store)).toEqual(['input', 'dense', 'dense', 'output']);
    store.undo();
    store.undo();
    expect(classes(store)).toEqual(['input', 'dense', 'output']);
    expect(store.canUndo).toBe(false);
    store.redo();
    expect(classes(store)).toEqual(['input', 'dense', 'dense', 'output']);
    store.insert('flatten', 1); // a new edit clears the redo stack
    expect(store.canRedo).toBe(false);
  });

  it('starts a new MLP or CNN; undoing a replacement brings back the edited network as unsaved, from where it came', () => {
    const store = useDesignerStore();
    store.updateLayer(1, { units: 64 });
    expect(store.dirty).toBe(true);
    store.reset('cnn');
    expect(classes(store)).toEqual(['input', 'conv2d', 'avgpool', 'flatten', 'dense', 'output']);
    expect(store.layers[0]!.config.shape).toEqual([1, 28, 28]);
    expect([store.dirty, store.origin]).toEqual([false, { kind: 'new' }]);
    store.undo();
    expect(store.layers[1]!.config.units).toBe(64);
    expect(store.dirty).toBe(true); // still unsaved: a later "New" asks again
    store.load(MLP_SPEC, { kind: 'preset', name: 'mlp-800' });
    store.undo();
    expect(store.origin).toEqual({ kind: 'new' });
    store.redo();
    expect([store.dirty, store.origin]).toEqual([false, { kind: 'preset', name: 'mlp-800' }]);
  });

  it('edits of one field coalesce into one undo step; the error follows the edited layer', () => {
    const store = useDesignerStore();
    store.updateLayer(1, { units: 4 });
    store.updateLayer(1, { units: 40 });
    store.updateLayer(1, { units: 400 });
    expect(store.layers[1]!.config.units).toBe(400);
    expect(store.report.layers[1]!.params).toBe(784 * 400 + 400);
    store.updateLayer(2, { units: 1 });
    expect(store.report.layers[2]).toMatchObject({ errorField: 'units', outputShape: null });
    store.undo();
    expect(store.layers[2]!.config.units).toBe(10);
    store.undo();
    expect(store.layers[1]!.config.units).toBe(800);
  });

  it('layer neuron overrides and spec-wide defaults reach the JSON spec', () => {
    const store = useDesignerStore();
    store.updateLayer(1, { vth: 2, surrogate: { name: 'sigmoid' } });
    store.setNeuron({ tau: 0.3 });
    store.setName('mine');
    const spec = store.modelSpec;
    expect(spec.name).toBe('mine');
    expect(spec.neuron).toEqual({ vth: 1.5, tau: 0.3, surrogate: { name: 'rectangular', width: 1 } });
    expect(spec.layers[1]).toEqual({ className: 'dense', config: { units: 800, vth: 2, surrogate: { name: 'sigmoid' } } });
    store.updateLayer(1, { vth: undefined });
    expect(store.modelSpec.layers[1]).toEqual({ className: 'dense', config: { units: 800, surrogate: { name: 'sigmoid' } } });
  });

  it('loads a preset (undoably) and remembers where the spec came from', () => {
    const store = useDesignerStore();
    store.load({ ...MLP_SPEC, layers: [MLP_SPEC.layers[0]!, { className: 'dense', config: { units: 400 } }, MLP_SPEC.layers[2]!] }, { kind: 'preset', name: 'mlp-400' });
    expect(store.origin).toEqual({ kind: 'preset', name: 'mlp-400' });
    expect(store.dirty).toBe(false);
    expect(store.layers[1]!.config.units).toBe(400);
    store.undo();
    expect(store.layers[1]!.config.units).toBe(800);
  });

  it('conv2d/avgpool are flagged unsupported when the engine lacks them, and still edited', () => {
    const store = useDesignerStore();
    store.updateLayer(0, { shape: [1, 28, 28] });
    store.insert('conv2d', 1);
    store.insert('avgpool', 2);
    store.insert('flatten', 3);
    expect(store.report.unsupportedClasses.sort()).toEqual(['avgpool', 'conv2d']);
    expect(store.report.layers[1]).toMatchObject({ unsupported: true, outputShape: [15, 24, 24] });
    store.updateLayer(1, { filters: 8 });
    expect(store.report.layers[2]!.outputShape).toEqual([8, 12, 12]);
    expect(store.report.layers[4]!.outputShape).toEqual([800]);
  });

  it('keeps a draft in storage and restores it', () => {
    const saved = new Map<string, string>();
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    storesWith(createTestHost(), { storage });
    useDesignerStore().updateLayer(1, { units: 123 });
    storesWith(createTestHost(), { storage });
    expect(useDesignerStore().layers[1]!.config.units).toBe(123);
  });
});
