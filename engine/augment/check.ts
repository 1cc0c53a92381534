import { EngineError } from '../errors';

/** "augmentation elastic: sigma is -1; allowed: a finite number > 0", pointing at the field. */
export function augmentationError(kind: string, field: string, value: unknown, allowed: string): EngineError {
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value); // JSON says null for NaN
  return new EngineError('bad-option', `augmentation ${kind}: ${field} is ${shown}; allowed: ${allowed}`, { field });
}
