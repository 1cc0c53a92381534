/**
 * Finding a Python that can run a PyTorch job here: python3 with torch, numpy and h5py (the job
 * needs nothing else). Tried in order: $STBP_PYTHON, Debian's /usr/bin/python3 (its python3-torch;
 * a pyenv python3 earlier on PATH often lacks torch), then python3 on PATH.
 */
import { execFile } from 'node:child_process';
import { EngineError } from '../../engine/errors';

export interface PythonFound {
  python: string;
  version: string;
  torch: string;
  cuda: boolean;
  /** GPUs torch sees (0 on a CPU-only machine). */
  gpus: number;
}

const PROBE = [
  'import json, sys, numpy, h5py, torch',
  'print(json.dumps({"version": sys.version.split()[0], "torch": torch.__version__, "cuda": torch.cuda.is_available(), "gpus": torch.cuda.device_count()}))',
].join('; ');

export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([env.STBP_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p))];
}

/** The first candidate that imports torch, numpy and h5py; else an error saying what each lacked. */
export async function findPython(candidates = pythonCandidates()): Promise<PythonFound> {
  const tried: string[] = [];
  for (const python of candidates) {
    const found = await probe(python);
    if ('error' in found) tried.push(`${python}: ${found.error}`);
    else return found;
  }
  throw new EngineError(
    'no-python',
    `no Python with torch, numpy and h5py found (tried ${tried.join('; ')}); install them (Debian: apt-get install python3-torch python3-numpy python3-h5py) or set STBP_PYTHON to such a python3`,
  );
}

function probe(python: string): Promise<PythonFound | { error: string }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PROBE], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const last = String(stderr).trim().split('\n').pop() || (err as NodeJS.ErrnoException).code || err.message;
        resolve({ error: last });
        return;
      }
      try {
        resolve({ python, ...(JSON.parse(String(stdout).trim().split('\n').pop()!) as Omit<PythonFound, 'python'>) });
      } catch {
        resolve({ error: `unexpected output ${JSON.stringify(String(stdout).slice(0, 80))}` });
      }
    });
  });
}
