/**
 * Exponential moving average with bias correction (TensorBoard's smoothing): weight 0 leaves the
 * series alone, weight 0.99 is very smooth. The first points are not pulled towards 0 because the
 * running average is divided by 1 − weightⁿ. Non-finite values pass through and do not poison it.
 */
export function smooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(values.length);
  let average = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    average = average * w + (1 - w) * v;
    n += 1;
    out[i] = w === 0 ? v : average / (1 - w ** n);
  }
  return out;
}
