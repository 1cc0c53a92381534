import { describe, expect, it } from 'vitest';
import { CALL_NAMES, errorMessage, forUser, HostError } from '../../../renderer/src/host/types';
import { METHODS } from '../../../renderer/src/host/methods';

describe('messages a user reads', () => {
  it('name neither the contract call nor its argument path', () => {
    expect(forUser('getEncoding: request.steps is 0; allowed: an integer from 1 to 1000')).toBe('steps is 0; allowed: an integer from 1 to 1000');
    expect(forUser('startRun: request.settings.lr is -1; allowed: a finite number > 0')).toBe('settings.lr is -1; allowed: a finite number > 0');
    expect(errorMessage(new HostError('bad-request', 'evaluateRun: run 3 ("a") is \'running\''))).toBe('run 3 ("a") is \'running\'');
  });

  it('keep what is not a call: a layer, a dataset, a file', () => {
    expect(forUser('layer 1 (dense): units is 0; allowed: an integer from 1 to 1048576')).toBe('layer 1 (dense): units is 0; allowed: an integer from 1 to 1048576');
    expect(forUser('mnist: no such split')).toBe('mnist: no such split');
  });

  it('know every call', () => {
    expect([...CALL_NAMES].sort()).toEqual([...METHODS].sort());
  });
});
