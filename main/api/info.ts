/** What `getInfo` tells the renderer about this installation: versions, store, registries, backends. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WASM_THREADS } from '../../engine/backend/backends-node';
import { BACKEND_NAMES } from '../../engine/backend/select';
import { SURROGATES } from '../../engine/neuron/surrogates';
import type { AppInfo, BackendInfo, DatasetFormatInfo } from '../contract';
import { DATASET_FORMATS } from '../services/datasets-formats';

/** package.json, two levels up from main/api/*.ts and from the bundles in out/cli/ and out/main/. */
const PACKAGE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');

let packageInfo: { name: string; version: string } | undefined;

function readPackage(): { name: string; version: string } {
  packageInfo ??= JSON.parse(readFileSync(PACKAGE_FILE, 'utf8')) as { name: string; version: string };
  return packageInfo;
}

/** This build's version (package.json), recorded with every model it makes. */
export function appVersion(): string {
  return readPackage().version;
}

export function appInfo(mode: AppInfo['mode'], storePath: string): AppInfo {
  const { name, version } = readPackage();
  return {
    app: name,
    version,
    mode,
    platform: process.platform,
    storePath,
    cores: availableParallelism(),
    backends: describeBackends(),
    formats: DATASET_FORMATS.map(
      (f): DatasetFormatInfo => ({ name: f.name, kind: f.kind, description: f.description, ...(f.path && { path: { ...f.path } }), options: { ...f.options } }),
    ),
    surrogates: SURROGATES.map((s) => s.name),
  };
}

/**
 * What each backend name resolves to here, said without starting one: tfjs's engine is the first
 * of its packages that is installed (loading tfjs-node to be sure would take seconds).
 */
export function describeBackends(): BackendInfo[] {
  const threads = `×${DEFAULT_WASM_THREADS} thread${DEFAULT_WASM_THREADS > 1 ? 's' : ''}`;
  const wasm = `wasm-simd ${threads}: event-driven WebAssembly SIMD kernels`;
  const descriptions: Record<(typeof BACKEND_NAMES)[number], string> = {
    auto: `wasm-simd ${threads} (auto takes wasm, and tfjs where WebAssembly SIMD cannot start)`,
    wasm,
    tfjs: tfjsEngine(),
  };
  return BACKEND_NAMES.map((name) => ({ name, description: descriptions[name] }));
}

function tfjsEngine(): string {
  const require = createRequire(import.meta.url);
  const installed = (name: string): boolean => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  if (installed('@tensorflow/tfjs-node')) return 'tfjs (tensorflow): native TensorFlow through @tensorflow/tfjs-node';
  if (installed('@tensorflow/tfjs-backend-wasm')) return 'tfjs (wasm): @tensorflow/tfjs-backend-wasm; @tensorflow/tfjs-node is not installed';
  return 'tfjs (cpu): plain JavaScript; neither @tensorflow/tfjs-node nor tfjs-backend-wasm is installed';
}
