import { EngineError } from '../../engine/errors';

/** A numeric flag's value, or undefined when absent; a bad number names the flag. */
export function num(flag: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new EngineError('bad-option', `--${flag} is ${JSON.stringify(v)}; allowed: ${integer ? 'an integer' : 'a number'}`);
  }
  return n;
}

/** The one positional a sub-command needs, or an error naming it. */
export function need(value: string | undefined, what: string, usage: string): string {
  if (!value) throw new EngineError('bad-command', `missing ${what}; usage: ${usage}`);
  return value;
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
