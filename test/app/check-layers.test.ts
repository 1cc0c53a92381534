import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../../scripts/check-layers.mjs');

interface Fixture {
  file: string;
  source: string;
}

interface BadFixture extends Fixture {
  line: number;
  rule: string;
}

/** Allowed imports, including look-alikes that must not be mistaken for imports. */
const clean: Fixture[] = [
  { file: 'engine/data/reader-node.ts', source: "import { readFile } from 'node:fs/promises';" },
  {
    file: 'engine/wasm/runtime.ts',
    source: "// import { app } from 'electron';\nexport const WORKER = `const w = require('node:worker_threads');`;",
  },
  { file: 'engine/model/net.ts', source: "import { lif } from '../neuron/lif';\nexport const net = lif;" },
  { file: 'main/index.ts', source: "import { app } from 'electron';\nimport { net } from '../engine/model/net';" },
  {
    file: 'renderer/src/host.ts',
    source: "import type { WorkbenchApi } from '../../main/contract';\nimport { ref } from 'vue';",
  },
  {
    file: 'renderer/src/env.d.ts',
    source: "interface Window { workbench?: import('../../main/contract').WorkbenchApi }",
  },
  {
    file: 'preload/index.ts',
    source: "import { contextBridge } from 'electron';\nimport type { WorkbenchApi } from '../main/contract.ts';",
  },
];

/** One violation each, covering every rule and every import form. */
const bad: BadFixture[] = [
  { file: 'engine/model/uses-electron.ts', source: "import { app } from 'electron';", line: 1, rule: 'engine-no-app' },
  {
    file: 'engine/model/uses-main.ts',
    source: "export { runs } from '../../main/services/runs';",
    line: 1,
    rule: 'engine-no-app',
  },
  {
    file: 'engine/data/uses-fs.ts',
    source: "const header = 4;\nconst fs = require('fs');",
    line: 2,
    rule: 'engine-node-behind-seam',
  },
  {
    file: 'engine/data/uses-path.ts',
    source: "export async function load() {\n  return import('node:path');\n}",
    line: 2,
    rule: 'engine-node-behind-seam',
  },
  {
    file: 'renderer/src/components/UsesIpc.vue',
    source: "<template><p /></template>\n<script setup lang=\"ts\">\nimport { ipcRenderer } from 'electron';\n</script>",
    line: 3,
    rule: 'renderer-no-electron-node',
  },
  {
    file: 'renderer/src/uses-node.ts',
    source: "import type { Stats } from 'node:fs';",
    line: 1,
    rule: 'renderer-no-electron-node',
  },
  {
    file: 'renderer/src/uses-contract-value.ts',
    source: "import { WorkbenchApi } from '../../main/contract';",
    line: 1,
    rule: 'renderer-contract-types-only',
  },
  {
    file: 'preload/uses-zod.ts',
    source: "import { contextBridge } from 'electron';\nimport { z } from 'zod';",
    line: 2,
    rule: 'preload-electron-and-contract',
  },
];

const roots: string[] = [];

function checkTree(fixtures: Fixture[]): { status: number | null; stdout: string; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), 'check-layers-'));
  roots.push(root);
  for (const { file, source } of fixtures) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), source);
  }
  return spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('check-layers', () => {
  it('passes a clean tree and counts the files of the layered folders', () => {
    const result = checkTree(clean);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('layers: ok (6 files, no import cycles)');
    expect(result.status).toBe(0);
  });

  describe('on a tree with one violation per fixture', () => {
    const result = checkTree([...clean, ...bad]);
    const reported = result.stderr.split('\n').filter((line) => /^\S+:\d+: /.test(line));

    it('fails and reports exactly the violations', () => {
      expect(result.status).toBe(1);
      expect(reported).toHaveLength(bad.length);
      expect(result.stderr).toContain(`layers: ${bad.length} violation(s) and 0 import cycle(s)`);
    });

    it.each(bad)('reports $file:$line as $rule', ({ file, line, rule }) => {
      expect(reported.some((text) => text.startsWith(`${file}:${line}: `) && text.includes(`[${rule}]`))).toBe(true);
    });
  });

  it('refuses import cycles, type-only ones and ones through main/ too, naming the loop', () => {
    const result = checkTree([
      ...clean,
      { file: 'engine/model/a.ts', source: "import { b } from './b';\nexport type A = number;\nexport const a = b;" },
      { file: 'engine/model/b.ts', source: "import type { A } from './a';\nexport const b: A = 1;" },
      { file: 'main/cli/cli.ts', source: "import { run } from './command';\nexport type Values = string;\nrun();" },
      { file: 'main/cli/command.ts', source: "import type { Values } from './cli';\nexport const run = (v?: Values) => v;" },
      { file: 'main/cli/options.ts', source: 'export type Values = string;' },
    ]);
    expect(result.status).toBe(1);
    const cycles = result.stderr.split('\n').filter((line) => line.includes('[import-cycle]'));
    expect(cycles).toEqual([
      'engine/model/a: [import-cycle] engine/model/a -> engine/model/b -> engine/model/a: imports must go one way (move shared types to a file of their own)',
      'main/cli/cli: [import-cycle] main/cli/cli -> main/cli/command -> main/cli/cli: imports must go one way (move shared types to a file of their own)',
    ]);
  });
});
