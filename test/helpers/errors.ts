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

/** Awaits `promise` (or calls it) and checks it rejects with an EngineError of `code` containing every part. */
export async function expectEngineError(promise: Promise<unknown> | (() => unknown), code: string, ...parts: string[]): Promise<EngineError> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof EngineError)) throw new Error(`expected an EngineError '${code}', got ${String(error)}`);
  if (error.code !== code) throw new Error(`expected EngineError code '${code}', got '${error.code}': ${error.message}`);
  for (const part of parts) {
    if (!error.message.includes(part)) throw new Error(`expected the message to contain ${JSON.stringify(part)}: ${error.message}`);
  }
  return error;
}
