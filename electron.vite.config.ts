import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// The folders are top-level (DESIGN.md), not electron-vite's default src/{main,preload,renderer},
// so every entry and output is spelled out.
const fromRoot = (path: string): string => resolve(__dirname, path);

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      outDir: fromRoot('out/main'),
      rollupOptions: { input: { index: fromRoot('main/index.ts') } },
    },
  },
  preload: {
    build: {
      // The preload imports only electron (external) and types, so it stays one CommonJS file,
      // which is what a sandboxed preload must be.
      externalizeDeps: true,
      outDir: fromRoot('out/preload'),
      rollupOptions: { input: { index: fromRoot('preload/index.ts') } },
    },
  },
  renderer: {
    root: fromRoot('renderer'),
    plugins: [vue()],
    build: {
      // electron-vite leaves the renderer unminified; the same bundle is also served in web mode.
      minify: true,
      outDir: fromRoot('out/renderer'),
      rollupOptions: {
        input: { index: fromRoot('renderer/index.html') },
        // ECharts is most of the bundle and changes least: its own file, cached across app updates.
        output: { manualChunks: { charts: ['echarts', 'zrender'] } },
      },
      // A desktop app loads from disk: the 620 kB chart chunk is fine (Vite's 500 kB is for the web).
      chunkSizeWarningLimit: 700,
    },
  },
});
