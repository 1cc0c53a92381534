import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSettings, WireToClient } from '../../../main/contract';
import { openStore } from '../../../main/store/db';
import { getRun } from '../../../main/store/runs';
import { useFileTemps } from '../services/temp';
import { client, connect, fakeRenderer, http } from './fixtures';

// Web mode as a user starts it: `stbp web` (the bundle `npm test` builds) and `scripts/start.mjs`,
// real processes on a temp store, stopped with a signal like Ctrl-C.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const { tempDir } = useFileTemps();
const URL_LINE = /^STBP Workbench \(web mode\): (http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]{32}))$/;

let home: string;
let rendererDir: string;
const started: ChildProcess[] = [];
beforeAll(() => {
  home = tempDir('stbp-web-home-');
  rendererDir = fakeRenderer(tempDir('stbp-web-renderer-'));
});
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Launched {
  child: ChildProcess;
  stdout: string[];
  stderr(): string;
  /** The first stdout line (the URL line), or the exit code if it ended first. */
  firstLine: Promise<string | number>;
  exited: Promise<number | null>;
}

function launch(args: string[], env: Record<string, string | undefined> = {}): Launched {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, STBP_HOME: home, STBP_RENDERER_DIR: rendererDir, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  const child = spawn(process.execPath, args, { cwd: root, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const stdout: string[] = [];
  let err = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise<string | number>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      partial += String(d);
      const lines = partial.split('\n');
      partial = lines.pop()!;
      stdout.push(...lines);
      if (stdout.length) resolve(stdout[0]!);
    });
    void exited.then((code) => resolve(code ?? -1));
  });
  return { child, stdout, stderr: () => err, firstLine, exited };
}

async function urlOf(launched: Launched): Promise<{ port: number; token: string }> {
  const line = await launched.firstLine;
  const match = typeof line === 'string' ? URL_LINE.exec(line) : null;
  if (!match) throw new Error(`no URL line (got ${JSON.stringify(line)}); stderr: ${launched.stderr()}`);
  return { port: Number(match[2]), token: match[3]! };
}

async function wsClient(port: number, token: string) {
  const opened = await connect(`ws://127.0.0.1:${port}/api/ws?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  if (!('ws' in opened)) throw new Error(`refused: ${opened.refused}`);
  return { ws: opened.ws, ...client(opened.ws) };
}

const settings: RunSettings = { epochs: 2, steps: 4, batchSize: 10, optimizer: 'adam', lr: 0.001, loss: 'mse', grad: 'stbp', init: 'paper', initGain: 3, limit: 1000, testLimit: 100 };
const spec = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 32 } }, { className: 'output', config: { units: 10 } }] };

describe('stbp web', () => {
  it('prints the URL as one line, serves the app and the API, and on SIGINT pauses live runs and exits', async () => {
    const web = launch([join(root, 'bin', 'stbp.mjs'), 'web']);
    const { port, token } = await urlOf(web);
    const page = await http(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>STBP Workbench</title>');

    const c = await wsClient(port, token);
    expect(await c.call(1, 'getInfo')).toMatchObject({ result: { ok: true, value: { mode: 'web', storePath: join(home, 'workbench.sqlite') } } });
    const datasets = (await c.call(2, 'listDatasets')) as { result: { ok: true; value: { id: number; name: string }[] } };
    const mnist = datasets.result.value.find((d) => d.name === 'mnist'); // imported at start
    expect(mnist).toBeDefined();
    const run = (await c.call(3, 'startRun', { datasetId: mnist!.id, spec, settings, seed: 2, backend: 'wasm' })) as { result: { ok: true; value: { id: number } } };
    expect(run.result.ok).toBe(true);
    await c.next((m: WireToClient) => 'event' in m && m.event.type === 'run-batch');

    web.child.kill('SIGINT');
    expect(await web.exited).toBe(0);
    expect(web.stdout).toHaveLength(1); // the URL line is all stdout says
    expect(web.stderr()).toContain('SIGINT: stopping; pausing live runs');
    const store = openStore({ home });
    try {
      expect(getRun(store, run.result.value.id)?.status).toBe('paused');
    } finally {
      store.close();
    }
    await expect(http(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says to build first when the renderer is not built', async () => {
    const empty = tempDir('stbp-no-renderer-');
    const web = launch([join(root, 'bin', 'stbp.mjs'), 'web'], { STBP_RENDERER_DIR: empty });
    expect(await web.exited).toBe(2);
    expect(web.stderr()).toContain(`${join(empty, 'index.html')} is missing: run \`npm run build\` first`);
    expect(web.stdout).toEqual([]);
  });

  it('refuses a port out of range', async () => {
    const web = launch([join(root, 'bin', 'stbp.mjs'), 'web', '--port', '70000']);
    expect(await web.exited).toBe(2);
    expect(web.stderr()).toContain('--port is 70000; allowed: 0 (any free port) to 65535');
  });
});

describe('npm start (scripts/start.mjs)', () => {
  const start = join(root, 'scripts', 'start.mjs');

  it.each<[string, string[], Record<string, string | undefined>, string]>([
    ['without a display', [], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined }, 'Electron cannot start here: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set); serving web mode instead'],
    ['with --web', ['--web'], { DISPLAY: ':0' }, 'web mode: --web was given; serving web mode instead'],
  ])('falls back to web mode %s, says why in one line, and ends with its server on SIGTERM', async (_, args, env, why) => {
    const launched = launch([start, ...args], env);
    const { port } = await urlOf(launched);
    expect(launched.stderr().split('\n').filter((l) => l.startsWith('start: '))).toEqual([`start: ${why} (open the address below in a browser)`]);
    expect((await http(port, '/')).status).toBe(200);
    launched.child.kill('SIGTERM');
    expect(await launched.exited).toBe(0);
    await expect(http(port, '/')).rejects.toThrow(/ECONNREFUSED/); // the server went with it
  });

  it('falls back to web mode when the Electron binary is missing', async () => {
    const noElectron = tempDir('stbp-no-electron-');
    mkdirSync(join(noElectron, 'dist'), { recursive: true });
    const launched = launch([start, '--port', '0'], { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: noElectron });
    const { port } = await urlOf(launched);
    expect(launched.stderr()).toMatch(/^start: Electron cannot start here: the Electron binary .* does not exist \(not downloaded\); serving web mode instead/m);
    launched.child.kill('SIGTERM');
    expect(await launched.exited).toBe(0);
    await expect(http(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
