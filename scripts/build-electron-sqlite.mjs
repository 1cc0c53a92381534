#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into out/native/electron-<version>/better_sqlite3.node,
// apart from node_modules/better-sqlite3 (Node's ABI, which the CLI and the tests load): the app
// passes this file to better-sqlite3 as `nativeBinding`, so both builds live side by side.
//
// Works in a temp copy of the package: first a prebuilt binary (prebuild-install, from GitHub),
// else a compile (node-gyp, with Electron's headers from electronjs.org). Both need the network
// the first time (node-gyp caches the headers). Usage: node scripts/build-electron-sqlite.mjs [--force]
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron version the app runs on: the installed `electron` package's. */
export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

/** Where the app (main/index.ts) looks for the addon. */
export function electronSqlitePath(version = electronVersion()) {
  return join(root, 'out', 'native', `electron-${version}`, 'better_sqlite3.node');
}

function resolveTool(candidates) {
  return candidates.find((file) => file && existsSync(file));
}

/** The line of a tool's output that says what went wrong (node-gyp ends with generic lines). */
function reason(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const stack = lines.findIndex((line) => line.startsWith('gyp ERR! stack Error:'));
  if (stack >= 0) {
    // node-gyp spreads its message over several `stack` lines before the trace (`at …`).
    const message = [];
    for (const line of lines.slice(stack)) {
      const text = line.replace(/^gyp ERR! stack /, '');
      if (!line.startsWith('gyp ERR! stack') || text.startsWith('at ')) break;
      message.push(text);
    }
    return message.join(' ');
  }
  return [/warn install/, /error/i].map((pattern) => lines.find((line) => pattern.test(line))).find(Boolean) ?? lines.at(-1) ?? '';
}

function run(label, args, cwd) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 15 * 60_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status === 0) return { ok: true };
  return { ok: false, why: `${label}: ${reason(output) || result.error?.message || `exit code ${result.status}`}` };
}

function build(version, target) {
  const work = mkdtempSync(join(tmpdir(), 'stbp-electron-sqlite-'));
  try {
    const pkg = join(work, 'better-sqlite3');
    const source = dirname(require.resolve('better-sqlite3/package.json'));
    cpSync(source, pkg, { recursive: true, filter: (path) => !path.startsWith(join(source, 'build')) });
    const built = join(pkg, 'build', 'Release', 'better_sqlite3.node');
    const failures = [];

    const prebuild = resolveTool([join(root, 'node_modules', 'prebuild-install', 'bin.js')]);
    if (prebuild) {
      const r = run('prebuild-install', [prebuild, '--runtime', 'electron', '--target', version, '--arch', process.arch], pkg);
      if (!r.ok) failures.push(r.why);
    }
    if (!existsSync(built)) {
      const nodeGyp = resolveTool([
        process.env.npm_config_node_gyp,
        join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
        join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      ]);
      if (!nodeGyp) failures.push('node-gyp: not found (it comes with npm)');
      else {
        const r = run('node-gyp', [nodeGyp, 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers', `--arch=${process.arch}`], pkg);
        if (!r.ok) failures.push(r.why);
      }
    }
    if (!existsSync(built)) return { ok: false, why: failures.join('; ') || 'no binary was produced' };
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(built, target);
    return { ok: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const version = electronVersion();
  const target = electronSqlitePath(version);
  if (existsSync(target) && !process.argv.includes('--force')) {
    console.log(`electron-sqlite: ${target} is there (Electron ${version})`);
    process.exit(0);
  }
  console.log(`electron-sqlite: building better-sqlite3 for Electron ${version}…`);
  const result = build(version, target);
  if (!result.ok) {
    console.error(`electron-sqlite: could not build better-sqlite3 for Electron ${version} (needs the network once, or cached headers): ${result.why}`);
    process.exit(1);
  }
  console.log(`electron-sqlite: ${target}`);
}
