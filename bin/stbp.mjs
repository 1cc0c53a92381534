#!/usr/bin/env node
// `npx stbp …`: the headless CLI, bundled from main/cli/ by `npm run build:engine` (run at install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/stbp.mjs', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('stbp: the CLI is not built yet; run `npm run build:engine` (npm install does it).');
  process.exit(1);
}
await import(entry.href);
