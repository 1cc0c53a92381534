import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Debian's interpreter, which has numpy, h5py and torch; the `python3` on PATH may be another one
 * without them. STBP_PYTHON overrides it.
 */
export const DEBIAN_PYTHON = process.env.STBP_PYTHON ?? '/usr/bin/python3';

export interface PythonFinding {
  /** The interpreter to run. */
  path: string;
  /** It exists and imports every module asked for. */
  ok: boolean;
  /** Why it is not usable ('' when it is), for skip messages and failures. */
  reason: string;
  /**
   * Skip the tests that need it: only when it is unusable and CI is not set. In CI (CI=true) the
   * modules are installed and the tests must run, so there a missing module fails them instead.
   */
  skip: boolean;
}

const found = new Map<string, PythonFinding>();

/** Whether `interpreter` can import `modules`, e.g. pythonWith(['torch', 'h5py']). */
export function pythonWith(modules: readonly string[], interpreter = DEBIAN_PYTHON): PythonFinding {
  const key = `${interpreter}\0${modules.join()}`;
  let finding = found.get(key);
  if (!finding) {
    finding = probe(modules, interpreter);
    found.set(key, finding);
  }
  return finding;
}

function probe(modules: readonly string[], path: string): PythonFinding {
  const verdict = (reason: string): PythonFinding => ({ path, ok: !reason, reason, skip: !!reason && !process.env.CI });
  if (!existsSync(path)) return verdict(`no ${path} (Debian's python3 with ${modules.join(', ')}; STBP_PYTHON names another)`);
  const script = 'import importlib, sys\nfor m in sys.argv[1:]:\n    try:\n        importlib.import_module(m)\n    except Exception as e:\n        print(f"{m}: {e}")';
  const r = spawnSync(path, ['-c', script, ...modules], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return verdict(`${path} does not run: ${r.error.message}`);
  const missing = r.stdout.trim();
  return verdict(missing ? `${path} cannot import ${missing.split('\n').join('; ')}` : '');
}

export interface RunPythonOptions {
  /** Standard input: text or bytes. */
  input?: string | Uint8Array;
  /** The interpreter (default: Debian's). */
  python?: string;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Runs `script` (python -c) with `args` and returns its standard output. A non-zero exit throws
 * an Error carrying the script's standard error, so a failed check in Python reads as a failed test.
 */
export function runPython(script: string, args: readonly string[] = [], opts: RunPythonOptions = {}): string {
  const python = opts.python ?? DEBIAN_PYTHON;
  const r = spawnSync(python, ['-c', script, ...args], {
    input: opts.input, cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${python} did not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} exited with ${r.status ?? r.signal}:\n${r.stderr.trim()}`);
  return r.stdout;
}
