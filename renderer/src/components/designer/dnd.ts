/** Drag-and-drop payload types between the palette, the canvas and the trash. */
export const LAYER_TYPE = 'application/x-stbp-layer';
export const CARD_TYPE = 'application/x-stbp-card';

export function hasType(event: DragEvent, type: string): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes(type);
}

/**
 * Insertion index for a drop at `clientY`: the number of cards whose vertical middle lies above
 * the pointer.
 */
export function insertionIndex(cards: readonly Element[], clientY: number): number {
  let index = 0;
  for (const card of cards) {
    const box = card.getBoundingClientRect();
    if (clientY > box.top + box.height / 2) index += 1;
    else break;
  }
  return index;
}
