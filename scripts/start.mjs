#!/usr/bin/env node
// `npm start` (after `npm run build`): the Electron app when it can run here, else the same app in
// the browser (web mode, `stbp web`), saying why in one line. `--web` asks for web mode; other
// arguments go to `stbp web` (e.g. --port 8080). Signals are passed on to whichever process runs.
//
// Electron cannot start when its binary was never downloaded (offline install: require('electron')
// throws), on Linux without a display, or when better-sqlite3 has no build for Electron's ABI and
// none can be made (scripts/build-electron-sqlite.mjs needs the network once).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronSqlitePath } from './build-electron-sqlite.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const webArgs = args.filter((a) => a !== '--web');
/** An app that dies this soon after launch did not start (missing libraries, no store). */
const EARLY_EXIT_MS = 5000;

/** The Electron binary, or why there is none. require('electron') downloads a missing one: in a child, so a failure is one line here. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'path.txt')) && !process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    console.error('start: the Electron binary is not downloaded yet; trying to fetch it…');
  }
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write('\\n' + require('electron'))"], { cwd: root, encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status !== 0) {
    const said = `${r.stderr ?? ''}`.split('\n').find((line) => /^(Error|TypeError)\b|failed/.test(line.trim()))?.trim() ?? r.error?.message ?? `exit code ${r.status}`;
    return { why: `require('electron') failed, its binary is not downloaded (${said})` };
  }
  const binary = r.stdout.split('\n').at(-1);
  if (!binary || !existsSync(binary)) return { why: `the Electron binary ${binary} does not exist (not downloaded)` };
  return { binary };
}

function electronVersion() {
  const r = spawnSync(process.execPath, ['-p', "require('electron/package.json').version"], { cwd: root, encoding: 'utf8' });
  return r.stdout.trim();
}

/** Why Electron cannot run here, or the binary to run. */
function checkElectron() {
  if (args.includes('--web')) return { why: '--web was given' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { why: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  const electron = electronBinary();
  if (electron.why) return electron;
  const version = electronVersion();
  if (!existsSync(electronSqlitePath(version))) {
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron-sqlite.mjs')], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) {
      const said = `${built.stderr}`.trim().split('\n').at(-1)?.replace(/^electron-sqlite: /, '') ?? `exit code ${built.status}`;
      return { why: `better-sqlite3 has no build for Electron ${version}: ${said}` };
    }
  }
  return electron;
}

/** Runs a child with our stdio, passes our signals on, and resolves with how it ended. */
function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, error }));
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve({ code, signal });
    });
  });
}

async function web() {
  const cli = join(root, 'out', 'cli', 'stbp.mjs');
  if (!existsSync(cli)) {
    console.error('start: out/cli/stbp.mjs is missing; run `npm run build` first (`npm start` does)');
    return 1;
  }
  const { code, signal } = await run(process.execPath, [cli, 'web', ...webArgs]);
  return code ?? (signal ? 0 : 1);
}

async function main() {
  const electron = checkElectron();
  if (electron.why) {
    console.error(`start: ${args.includes('--web') ? 'web mode' : 'Electron cannot start here'}: ${electron.why}; serving web mode instead (open the address below in a browser)`);
    return web();
  }
  const started = Date.now();
  const { code, signal, error } = await run(electron.binary, [root]);
  if ((error || (code !== 0 && !signal)) && Date.now() - started < EARLY_EXIT_MS) {
    console.error(`start: Electron exited at start (${error?.message ?? `code ${code}`}); serving web mode instead`);
    return web();
  }
  return code ?? 0;
}

process.exitCode = await main();
