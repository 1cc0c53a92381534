import type { ConvGeometry, Kernels, PoolGeometry, SpikeLists } from '../engine/backend/types';

/** Time spent per kernel call site over the profiled steps. */
export interface ProfileLine {
  /** Kernel method and the shape it ran on, e.g. 'convSpikes 1x28x28 → 15x24x24'. */
  site: string;
  ms: number;
  calls: number;
}

/**
 * Wraps a backend so that every kernel call is timed, keyed by method and shape: which layer's
 * forward, weight gradient or input gradient costs what. The wrapper adds a `performance.now()`
 * pair per call (microseconds against kernels of milliseconds).
 */
export function profiled(k: Kernels): { kernels: Kernels; lines(): ProfileLine[]; reset(): void } {
  const totals = new Map<string, ProfileLine>();
  const wrapped = new Proxy(k, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || prop.startsWith('alloc') || prop === 'spikeLists' || prop === 'dispose') {
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return (...args: unknown[]) => {
        const t0 = performance.now();
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        const site = `${prop} ${shapeOf(prop, args)}`;
        const line = totals.get(site) ?? { site, ms: 0, calls: 0 };
        line.ms += performance.now() - t0;
        line.calls++;
        totals.set(site, line);
        return r;
      };
    },
  });
  return { kernels: wrapped, lines: () => [...totals.values()], reset: () => totals.clear() };
}

const isConv = (g: unknown): g is ConvGeometry => typeof g === 'object' && g !== null && 'outC' in g;
const isPool = (g: unknown): g is PoolGeometry => typeof g === 'object' && g !== null && 'channels' in g;
const isLists = (s: unknown): s is SpikeLists => typeof s === 'object' && s !== null && 'idx' in s && 'len' in s;

/** A short description of the shape a kernel call works on, from its arguments. */
function shapeOf(method: string, args: unknown[]): string {
  const g = args.find((a) => isConv(a) || isPool(a));
  if (isConv(g)) return `${g.inC}x${g.inH}x${g.inW} → ${g.outC}x${g.outH}x${g.outW}`;
  if (isPool(g)) return `${g.channels}x${g.inH}x${g.inW} → ${g.channels}x${g.outH}x${g.outW}`;
  const lists = args.find(isLists);
  switch (method) {
    case 'spikeMatmul':
    case 'spikeWeightGrad':
      return `${lists?.cols} → ${String(args[2])}`;
    case 'denseMatmul':
      return `${String(args[2])} → ${String(args[4])}`;
    case 'denseWeightGrad':
    case 'backpropInput':
      return `${String(args[3])} → ${String(args[4])}`;
    case 'lifForward':
    case 'lifBackward':
      return `${(args[method === 'lifForward' ? 2 : 2] as { units: number }).units} units`;
    case 'channelSums':
      return `${String(args[2])} channels`;
    case 'columnSums':
      return `${String(args[2])} columns`;
    case 'adamUpdate':
    case 'sgdUpdate':
      return `${(args[0] as Float32Array).length} params`;
    default:
      return '';
  }
}
