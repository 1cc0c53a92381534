/** The input-shape field's text → dims: "1, 28, 28", "1x28x28", "[2 34 34]"; null if not all numbers. */
export function parseShapeText(text: string): number[] | null {
  const parts = text.replace(/[[\]()]/g, ' ').split(/[\s,x×]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const dims = parts.map(Number);
  return dims.every((d) => Number.isFinite(d)) ? dims : null;
}
