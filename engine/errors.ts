/**
 * Errors of the engine carry a stable code and a message that names the thing at fault, its bad
 * value and what is allowed. Across a process boundary they travel as `{ code, message }`.
 */
export class EngineError extends Error {
  /**
   * @param at where the fault is, for tools that point at it (the designer marks `layer`); the
   * message already says it in words.
   */
  constructor(readonly code: string, message: string, readonly at: { layer?: number; field?: string } = {}) {
    super(message);
    this.name = 'EngineError';
  }
}

/** "'x' (allowed: a, b, c)": the standard tail of an unknown-name error. */
export function unknownName(kind: string, name: unknown, known: readonly string[]): EngineError {
  return new EngineError(
    `unknown-${kind}`,
    `unknown ${kind} ${JSON.stringify(name)} (known: ${known.join(', ')})`,
  );
}
