import { describe, expect, it } from 'vitest';
import { findPython, pythonCandidates } from '../../../main/services/jobs-python';
import { expectEngineError } from '../../helpers/errors';
import { python } from './jobs-fixtures';

describe('findPython', () => {
  it('tries $STBP_PYTHON, then Debian\'s python3, then python3 on PATH', () => {
    expect(pythonCandidates({ STBP_PYTHON: '/opt/py/bin/python3' })).toEqual(['/opt/py/bin/python3', '/usr/bin/python3', 'python3']);
    expect(pythonCandidates({})).toEqual(['/usr/bin/python3', 'python3']);
  });

  it('says what each candidate lacked when none can run a job', async () => {
    const error = await expectEngineError(findPython(['/nonexistent/python3', 'node']), 'no-python', 'no Python with torch, numpy and h5py found');
    expect(error.message).toMatch(/\/nonexistent\/python3: ENOENT; node: .*; install them \(Debian: apt-get install python3-torch python3-numpy python3-h5py\) or set STBP_PYTHON/);
  });

  it.skipIf(python.skip)('finds one that imports torch, numpy and h5py, with its versions', async () => {
    if (!python.ok) throw new Error(python.reason);
    const found = await findPython(['/nonexistent/python3', python.path]);
    expect(found).toMatchObject({ python: python.path, version: expect.stringMatching(/^3\.\d+/), torch: expect.stringMatching(/^\d+\.\d+/), cuda: expect.any(Boolean), gpus: expect.any(Number) });
  });
});
