import { newLayer, type DesignLayer, type LayerClass, type LayerConfig } from './layers';

/**
 * Pure edits of the layer list: each returns a new array and leaves its argument alone, so the
 * store can keep old arrays for undo.
 */

/** Insert a new layer of `className` before position `index` (clamped to 0…length). */
export function insertLayer(layers: readonly DesignLayer[], className: LayerClass, index: number): { layers: DesignLayer[]; index: number } {
  const at = clampIndex(index, layers.length);
  const next = layers.slice();
  next.splice(at, 0, newLayer(className));
  return { layers: next, index: at };
}

/**
 * Move the layer at `from` so that it lands before the layer that is at `to` now (`to` is an
 * insertion index in the current list, as a drop between cards gives it). Answers the new index.
 */
export function moveLayer(layers: readonly DesignLayer[], from: number, to: number): { layers: DesignLayer[]; index: number } {
  if (from < 0 || from >= layers.length) return { layers: layers.slice(), index: from };
  const target = clampIndex(to, layers.length);
  const next = layers.slice();
  const [moved] = next.splice(from, 1);
  const at = target > from ? target - 1 : target;
  next.splice(at, 0, moved!);
  return { layers: next, index: at };
}

export function removeLayer(layers: readonly DesignLayer[], index: number): DesignLayer[] {
  if (index < 0 || index >= layers.length) return layers.slice();
  return layers.filter((_, i) => i !== index);
}

/** Set config fields; a field set to `undefined` is removed (falls back to its default). */
export function updateLayerConfig(layers: readonly DesignLayer[], index: number, patch: LayerConfig): DesignLayer[] {
  return layers.map((layer, i) => {
    if (i !== index) return layer;
    const config: LayerConfig = { ...layer.config };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete config[key];
      else config[key] = value;
    }
    return { ...layer, config };
  });
}

/**
 * Where a click (not a drop) puts a new layer: input first, output last, anything else after the
 * selected layer, or before the output layer when nothing is selected.
 */
export function defaultInsertIndex(layers: readonly DesignLayer[], className: LayerClass, selected: number | null): number {
  if (className === 'input') return 0;
  if (className === 'output') return layers.length;
  if (selected !== null && selected >= 0 && selected < layers.length) {
    const after = selected + 1;
    const last = layers[layers.length - 1];
    return last?.className === 'output' && after >= layers.length ? layers.length - 1 : after;
  }
  const outputAt = layers.findIndex((l) => l.className === 'output');
  return outputAt === -1 ? layers.length : outputAt;
}

function clampIndex(index: number, length: number): number {
  if (!Number.isFinite(index)) return length;
  return Math.max(0, Math.min(length, Math.trunc(index)));
}
