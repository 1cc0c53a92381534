import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The `stbp` command as a user runs it: the bundled bin (built by `npm test` / `npm install`). */
export const STBP_BIN = fileURLToPath(new URL('../../bin/stbp.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `stbp` on the store in `home` (STBP_HOME, never the user's ~/.stbp-workbench) and answers
 * its exit code and output; a failing command answers rather than throws.
 */
export async function stbpIn(home: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [STBP_BIN, ...args], { maxBuffer: 1 << 26, env: { ...process.env, STBP_HOME: home } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
