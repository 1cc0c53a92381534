import { EngineError } from '../errors';
import type { ModelSpec } from '../spec/types';
import type { ActivityWatch } from './divergence';
import type { TrainOptions } from './options';

/** Running sums of the epoch in progress. */
export interface EpochSums {
  loss: number;
  correct: number;
  seen: number;
  rates: number[];
}

/** Everything that determines the rest of a run (engine/train/session.ts). */
export interface CheckpointState {
  spec: ModelSpec;
  options: TrainOptions;
  epoch: number;
  batch: number;
  rng: Uint32Array;
  order: Uint32Array;
  optimizerStep: number;
  params: Float32Array[];
  slots: Float32Array[][];
  sums: EpochSums;
  epochSeconds: number;
  watch: ActivityWatch;
}

const MAGIC = 'STBPCKP1';

/**
 * Layout: 8-byte magic, u32 header length, the JSON header (everything but the big arrays, plus
 * the arrays' lengths), zero padding to a multiple of 4, then the arrays' raw little-endian bytes
 * in header order: rng, order, params…, slots… (per param).
 */
export function encodeCheckpoint(s: CheckpointState): Uint8Array {
  const arrays: (Float32Array | Uint32Array)[] = [s.rng, s.order, ...s.params, ...s.slots.flat()];
  const header = {
    spec: s.spec, options: s.options, epoch: s.epoch, batch: s.batch, optimizerStep: s.optimizerStep,
    sums: s.sums, epochSeconds: s.epochSeconds, watch: s.watch,
    params: s.params.map((p) => p.length), slotsPerParam: s.slots[0]?.length ?? 0,
    rngLength: s.rng.length, orderLength: s.order.length,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(12 + json.length);
  const total = start + arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  const fail = (why: string) => new EngineError('bad-checkpoint', `checkpoint is unreadable: ${why}`);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw fail(`it does not start with ${MAGIC}`);
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw fail('the header is truncated');
  let h: {
    spec: ModelSpec; options: TrainOptions; epoch: number; batch: number; optimizerStep: number;
    sums: EpochSums; epochSeconds: number; watch: ActivityWatch;
    params: number[]; slotsPerParam: number; rngLength: number; orderLength: number;
  };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength)));
  } catch (e) {
    throw fail(`the header is not JSON (${(e as Error).message})`);
  }
  // Copy the payload to an aligned buffer so typed views can be taken at any offset.
  const payload = bytes.slice(align4(12 + jsonLength));
  let at = 0;
  const take = <T extends Float32Array | Uint32Array>(ctor: new (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
    if (at + n * 4 > payload.byteLength) throw fail('the arrays are truncated');
    const view = new ctor(payload.buffer, at, n);
    at += n * 4;
    return view;
  };
  const rng = take(Uint32Array, h.rngLength);
  const order = take(Uint32Array, h.orderLength);
  const params = h.params.map((n) => take(Float32Array, n));
  const slots = h.params.map((n) => Array.from({ length: h.slotsPerParam }, () => take(Float32Array, n)));
  if (at !== payload.byteLength) throw fail(`${payload.byteLength - at} unexpected trailing bytes`);
  return {
    spec: h.spec, options: h.options, epoch: h.epoch, batch: h.batch, rng, order, optimizerStep: h.optimizerStep,
    params, slots, sums: h.sums, epochSeconds: h.epochSeconds, watch: h.watch,
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
