import type { SamplePreview } from '../services/datasets';

const SHADES = ' .:-=+*#%@';

/**
 * A sample preview for a terminal: the image (or the events summed over all frames) as ASCII
 * shades, two characters a pixel so it keeps its aspect, then how many spikes each step carries.
 */
export function previewText(p: SamplePreview): string {
  const lines: string[] = [];
  const name = p.className !== undefined && p.className !== String(p.label) ? `${p.label} (${p.className})` : String(p.label);
  const { width: w, height: h, steps } = p;
  const level = new Float32Array(w * h);
  let perStep: number[];
  if (p.kind === 'image') {
    for (let i = 0; i < w * h; i++) level[i] = (p.rgba[4 * i]! + p.rgba[4 * i + 1]! + p.rgba[4 * i + 2]!) / (3 * 255);
    const n = p.raster.length / steps;
    perStep = Array.from({ length: steps }, (_, t) => p.raster.subarray(t * n, (t + 1) * n).reduce((a, b) => a + b, 0));
    lines.push(`label ${name}, ${w}x${h}x${p.channels}; Bernoulli spike trains over T = ${steps}:`);
  } else {
    const plane = w * h;
    perStep = [];
    for (let t = 0; t < steps; t++) {
      let count = 0;
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < plane; i++) {
          const v = p.frames[(t * 2 + c) * plane + i]!;
          level[i] = level[i]! + v;
          count += v;
        }
      }
      perStep.push(count);
    }
    const max = Math.max(1, ...level);
    for (let i = 0; i < plane; i++) level[i] = level[i]! / max;
    lines.push(`label ${name}, ${w}x${h} sensor, 2 polarities; events binned into T = ${steps} frames:`);
  }
  for (let y = 0; y < h; y++) {
    let row = '';
    for (let x = 0; x < w; x++) row += SHADES[Math.min(SHADES.length - 1, Math.floor(level[y * w + x]! * SHADES.length))]!.repeat(2);
    lines.push(`  ${row.trimEnd()}`);
  }
  const total = perStep.reduce((a, b) => a + b, 0);
  lines.push(`input spikes per step: ${perStep.join(' ')} (total ${total}, mean rate ${(total / (steps * level.length * (p.kind === 'image' ? p.channels : 2))).toFixed(3)})`);
  return lines.join('\n');
}
