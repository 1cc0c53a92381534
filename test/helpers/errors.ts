import { EngineError } from '../../engine/errors';

/** The EngineError `f` throws (anything else is rethrown; nothing thrown fails the test). */
export function engineError(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected an EngineError, nothing was thrown');
}
