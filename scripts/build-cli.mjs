// Bundles the headless entry points (CLI, benchmark) with esbuild into out/cli/. Node built-ins and
// npm packages stay external; the engine's WASM kernels are already inlined as base64.
import { build } from 'esbuild';

await build({
  entryPoints: {
    stbp: 'main/cli/stbp.ts', worker: 'main/runs/worker.ts', 'evaluation-thread': 'main/services/evaluation-thread.ts', bench: 'bench/bench.ts',
  },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
});
console.log('cli: out/cli/stbp.mjs, worker.mjs, evaluation-thread.mjs, bench.mjs');
