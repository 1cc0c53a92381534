/**
 * The API's own error codes (main/contract.ts `WireError.code`), on top of the engine's and the
 * store's. Every error is an EngineError so `dispatch` turns it into `{ok: false, error}`.
 */
import { EngineError } from '../../engine/errors';

/** A method's arguments are malformed: wrong type, out of range, missing or unknown field. */
export const badRequest = (message: string): EngineError => new EngineError('bad-request', message);
/** The thing asked for does not exist (a run, a dataset, a spec, an epoch, an upload). */
export const notFound = (message: string): EngineError => new EngineError('not-found', message);
/** The thing exists but is not in a state that allows the call (pause a run that is not training). */
export const badState = (message: string): EngineError => new EngineError('bad-state', message);
/** The call cannot be served in this mode (a native dialog in a browser) or any more (after dispose). */
export const unavailable = (message: string): EngineError => new EngineError('unavailable', message);

/**
 * Store and service codes shown to the renderer under the contract's name: a lookup that finds
 * nothing is `not-found`, whatever it looked for.
 */
const CODE_ALIASES: Readonly<Record<string, string>> = {
  'unknown-run': 'not-found',
  'unknown-dataset': 'not-found',
  'unknown-spec': 'not-found',
  'unknown-preset': 'not-found',
  'unknown-model': 'not-found',
};

export function wireCode(code: string): string {
  return CODE_ALIASES[code] ?? code;
}
