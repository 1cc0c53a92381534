/**
 * `stbp web`: the workbench in a browser. Serves the built renderer and the contract over a
 * WebSocket on 127.0.0.1 (main/web/server.ts) until SIGINT or SIGTERM, then pauses live runs
 * (each checkpoints, resumable) and exits.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../engine/errors';
import { createWorkbench } from '../api/workbench';
import { getDataset } from '../store/datasets';
import { openStore } from '../store/db';
import { startWebServer } from '../web/server';
import { UploadArea } from '../web/uploads';
import { num } from './args';
import type { CliValues } from './options';

/**
 * The built renderer (`electron-vite build` → out/renderer), two levels up from main/cli/*.ts and
 * from the bundle out/cli/stbp.mjs, like the presets; STBP_RENDERER_DIR overrides it.
 */
export function rendererDir(): string {
  return process.env.STBP_RENDERER_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'renderer');
}

export async function webCommand(values: CliValues): Promise<number> {
  const dir = rendererDir();
  if (!existsSync(join(dir, 'index.html'))) {
    throw new EngineError('not-built', `web mode serves the built app, but ${join(dir, 'index.html')} is missing: run \`npm run build\` first (\`npm run web\` does both)`);
  }
  const port = num('port', values.port, true) ?? 0;
  if (port < 0 || port > 65535) throw new EngineError('bad-option', `--port is ${port}; allowed: 0 (any free port) to 65535`);

  const store = openStore({ home: values.home });
  const uploads = new UploadArea();
  const workbench = createWorkbench({ store, mode: 'web', uploads });
  try {
    if (!getDataset(store, 'mnist')) console.error('importing the bundled MNIST into the store (once)…');
    await workbench.api.ensureMnist();
    const server = await startWebServer({ workbench, rendererDir: dir, port, uploads });
    console.log(`STBP Workbench (web mode): ${server.url}`);
    console.error(`store: ${store.path}\nopen the address above in a browser on this machine; Ctrl-C stops (training runs pause with a checkpoint)`);
    const signal = await untilSignal(['SIGINT', 'SIGTERM', 'SIGHUP']);
    console.error(`${signal}: stopping; pausing live runs…`);
    await server.close();
  } finally {
    await workbench.dispose();
    store.close();
  }
  return 0;
}

/** Resolves with the first of `signals`; later ones are ignored while the caller shuts down. */
function untilSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => resolve(signal);
    for (const s of signals) process.on(s, on);
  });
}
