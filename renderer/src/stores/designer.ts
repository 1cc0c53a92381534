import { defineStore } from 'pinia';
import { computed, inject, ref, shallowRef, type InjectionKey } from 'vue';
import { LAYER_CLASSES } from '../../../engine/spec/infer';
import type { ModelSpec, NeuronConfig } from '../../../engine/spec/types';
import { inspectSpec } from '../designer/inspect';
import { fromModelSpec, toModelSpec, type DesignSpec, type LayerClass, type LayerConfig } from '../designer/layers';
import { TEMPLATES, type TemplateName } from '../designer/templates';
import { defaultInsertIndex, insertLayer, moveLayer, removeLayer, updateLayerConfig } from '../designer/ops';

/** Where the spec in the designer came from, for the title and the launcher's defaults. */
export type DesignOrigin = { kind: 'new' } | { kind: 'preset'; name: string } | { kind: 'saved'; name: string };

interface Snapshot {
  design: DesignSpec;
  origin: DesignOrigin;
  dirty: boolean;
}

const HISTORY_LIMIT = 100;
/** Edits of one field within this window are one undo step (typing "800" is not three). */
const COALESCE_MS = 1200;
const DRAFT_KEY = 'stbp-workbench.designer-draft';

export function starterSpec(template: TemplateName = 'mlp'): DesignSpec {
  return fromModelSpec(TEMPLATES[template].spec());
}

export interface DesignerOptions {
  /** Layer classes the engine can train; `LAYER_CLASSES` of engine/spec/infer.ts unless a test says otherwise. */
  engineClasses?: readonly string[];
  /** Where the working draft survives a reload; none in tests. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/**
 * The spec being edited: layer list with undo/redo, the selected layer, and the live report of
 * shapes, parameter counts and errors from shape inference.
 */
export const useDesignerStore = defineStore('designer', () => {
  const options = inject(designerOptionsKey, {});
  const engineClasses = ref<readonly string[]>(options.engineClasses ?? LAYER_CLASSES);
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const draft = readDraft(storage);

  const design = shallowRef<DesignSpec>(draft?.design ?? starterSpec());
  const origin = ref<DesignOrigin>(draft?.origin ?? { kind: 'new' });
  const selected = ref<number | null>(null);
  /** Undo and redo steps: the design with where it came from and whether it was saved, so undoing a replacement brings back unsaved work as unsaved. */
  const past = shallowRef<Snapshot[]>([]);
  const future = shallowRef<Snapshot[]>([]);
  /** Changed since it was loaded or saved. */
  const dirty = ref(false);
  let lastEdit: { key: string; at: number } | null = null;

  const report = computed(() => inspectSpec(design.value, engineClasses.value));
  const modelSpec = computed<ModelSpec>(() => toModelSpec(design.value));
  const layers = computed(() => design.value.layers);
  const canUndo = computed(() => past.value.length > 0);
  const canRedo = computed(() => future.value.length > 0);

  /** Every edit goes through here: one undo step, unless it continues the same field's edit. */
  function commit(next: DesignSpec, coalesceKey?: string): void {
    const now = Date.now();
    const continues = coalesceKey !== undefined && lastEdit?.key === coalesceKey && now - lastEdit.at < COALESCE_MS;
    if (!continues) past.value = [...past.value, snapshot()].slice(-HISTORY_LIMIT);
    future.value = [];
    lastEdit = coalesceKey === undefined ? null : { key: coalesceKey, at: now };
    design.value = next;
    dirty.value = true;
    writeDraft();
  }

  function insert(className: LayerClass, index?: number): number {
    const at = index ?? defaultInsertIndex(design.value.layers, className, selected.value);
    const result = insertLayer(design.value.layers, className, at);
    commit({ ...design.value, layers: result.layers });
    selected.value = result.index;
    return result.index;
  }

  /** Move layer `from` to insertion index `to` (before the layer now at `to`). */
  function move(from: number, to: number): number {
    const result = moveLayer(design.value.layers, from, to);
    if (result.index !== from) commit({ ...design.value, layers: result.layers });
    selected.value = result.index;
    return result.index;
  }

  function remove(index: number): void {
    if (index < 0 || index >= design.value.layers.length) return;
    commit({ ...design.value, layers: removeLayer(design.value.layers, index) });
    const count = design.value.layers.length;
    selected.value = count === 0 ? null : Math.min(index, count - 1);
  }

  function updateLayer(index: number, patch: LayerConfig): void {
    const layer = design.value.layers[index];
    if (!layer) return;
    const key = `layer:${layer.id}:${Object.keys(patch).sort().join(',')}`;
    commit({ ...design.value, layers: updateLayerConfig(design.value.layers, index, patch) }, key);
  }

  function setNeuron(patch: Partial<NeuronConfig>): void {
    const neuron = { ...design.value.neuron, ...patch, surrogate: { ...design.value.neuron.surrogate, ...(patch.surrogate ?? {}) } };
    commit({ ...design.value, neuron }, `neuron:${Object.keys(patch).sort().join(',')}`);
  }

  function setName(name: string): void {
    commit({ ...design.value, name }, 'name');
  }

  /** Replace the whole spec (a preset, a saved spec); undoable. */
  function load(spec: ModelSpec, from: DesignOrigin): void {
    commit(fromModelSpec(spec));
    origin.value = from;
    selected.value = null;
    dirty.value = false;
    writeDraft();
  }

  /** A new network from a template; undoable (the replaced one is a Ctrl+Z away). */
  function reset(template: TemplateName = 'mlp'): void {
    commit(starterSpec(template));
    origin.value = { kind: 'new' };
    selected.value = null;
    dirty.value = false;
    writeDraft();
  }

  function markSaved(name: string): void {
    origin.value = { kind: 'saved', name };
    if (design.value.name !== name) design.value = { ...design.value, name };
    dirty.value = false;
    writeDraft();
  }

  function snapshot(): Snapshot {
    return { design: design.value, origin: origin.value, dirty: dirty.value };
  }

  function restore(s: Snapshot): void {
    design.value = s.design;
    origin.value = s.origin;
    dirty.value = s.dirty;
    lastEdit = null;
    clampSelection();
    writeDraft();
  }

  function undo(): void {
    const previous = past.value[past.value.length - 1];
    if (!previous) return;
    past.value = past.value.slice(0, -1);
    future.value = [...future.value, snapshot()];
    restore(previous);
  }

  function redo(): void {
    const next = future.value[future.value.length - 1];
    if (!next) return;
    future.value = future.value.slice(0, -1);
    past.value = [...past.value, snapshot()];
    restore(next);
  }

  function select(index: number | null): void {
    selected.value = index !== null && index >= 0 && index < design.value.layers.length ? index : null;
  }

  function clampSelection(): void {
    if (selected.value !== null && selected.value >= design.value.layers.length) {
      selected.value = design.value.layers.length > 0 ? design.value.layers.length - 1 : null;
    }
  }

  function writeDraft(): void {
    if (!storage) return;
    try {
      storage.setItem(DRAFT_KEY, JSON.stringify({ spec: toModelSpec(design.value), origin: origin.value }));
    } catch {
      // A full or disabled storage only loses the draft.
    }
  }

  return {
    engineClasses, design, origin, selected, dirty, report, modelSpec, layers, canUndo, canRedo,
    insert, move, remove, updateLayer, setNeuron, setName, load, reset, markSaved, undo, redo, select,
  };
});

/** Provide on the app to change the designer's defaults (tests: engine classes, no storage). */
export const designerOptionsKey: InjectionKey<DesignerOptions> = Symbol('designer-options');

function defaultStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function readDraft(storage: Pick<Storage, 'getItem'> | null): { design: DesignSpec; origin: DesignOrigin } | null {
  if (!storage) return null;
  try {
    const text = storage.getItem(DRAFT_KEY);
    if (!text) return null;
    const draft = JSON.parse(text) as { spec: ModelSpec; origin?: DesignOrigin };
    if (!draft?.spec || !Array.isArray(draft.spec.layers)) return null;
    return { design: fromModelSpec(draft.spec), origin: draft.origin ?? { kind: 'new' } };
  } catch {
    return null;
  }
}
