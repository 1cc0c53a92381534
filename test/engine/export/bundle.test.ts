import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MAGIC, crc32, decodeBundle, encodeBundle } from '../../../engine/export/bundle';
import type { TrainedModel } from '../../../engine/export/model';
import { engineError, expectEngineError } from '../../helpers/errors';
import { SPECS, bits, randomModel } from './models';

/** A bundle with any header text and payload, its prelude and checksum made right (for header refusals). */
function rawBundle(header: string | object, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const start = (24 + json.length + 3) & ~3;
  const out = new Uint8Array(start + payload.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(BUNDLE_MAGIC));
  view.setUint32(8, 1, true);
  view.setUint32(16, json.length, true);
  view.setUint32(20, payload.length, true);
  out.set(json, 24);
  out.set(payload, start);
  view.setUint32(12, crc32(out.subarray(16)), true);
  return out;
}

/** The header of a real bundle, to be altered and re-wrapped with rawBundle. */
function headerOf(bytes: Uint8Array): { description: Record<string, unknown>; tensors: Record<string, unknown>[] } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(16, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + length)));
}

function payloadOf(bytes: Uint8Array): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(20, true);
  return bytes.slice(bytes.length - length);
}

function expectSameModel(back: TrainedModel, model: TrainedModel): void {
  const { tensors, ...description } = model;
  const { tensors: backTensors, ...backDescription } = back;
  expect(backDescription).toEqual(description);
  expect(backTensors.map((t) => [t.name, t.shape])).toEqual(tensors.map((t) => [t.name, t.shape]));
  backTensors.forEach((t, i) => {
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(bits(t.data)).toEqual(bits(tensors[i]!.data));
  });
}

describe('model bundle (.stbp)', () => {
  it.each(Object.keys(SPECS))('round-trips %s bit for bit: description as JSON, every float32 pattern (−0, subnormals, extremes)', (key) => {
    const model = randomModel(SPECS[key]!, 3);
    const bytes = encodeBundle(model);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('STBPMODL');
    expect(bytes.length % 4).toBe(0);
    expectSameModel(decodeBundle(bytes), model);
    expect(encodeBundle(decodeBundle(bytes))).toEqual(bytes);
  });

  it('stores floats little-endian in table order after the 4-aligned header, under a CRC-32 zlib agrees with', () => {
    const model = randomModel(SPECS.noBias!, 5);
    const bytes = encodeBundle(model);
    const view = new DataView(bytes.buffer);
    const header = headerOf(bytes);
    const start = bytes.length - view.getUint32(20, true);
    expect(start % 4).toBe(0);
    expect(header.tensors).toEqual([
      { name: 'layers.1.weight', shape: [30, 8], dtype: 'float32', offset: 0, length: 240 },
      { name: 'layers.2.weight', shape: [8, 3], dtype: 'float32', offset: 960, length: 24 },
    ]);
    const w = model.tensors[1]!.data;
    for (let k = 0; k < w.length; k++) expect(view.getUint32(start + 960 + 4 * k, true)).toBe(bits(w)[k]);
    expect(view.getUint32(12, true)).toBe(zlibCrc32(bytes.subarray(16)));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
  });

  it('checks the model before writing it', async () => {
    const model = randomModel(SPECS.mlp784!);
    await expectEngineError(() => encodeBundle({ ...model, tensors: model.tensors.slice(1) }), 'bad-model', 'tensor layers.1.weight is missing');
  });

  const good = encodeBundle(randomModel(SPECS.cnn!, 2));
  const withVersion = (v: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(8, v, true);
    return b;
  };
  const flipped = (at: number) => {
    const b = good.slice();
    b[at]! ^= 0x10;
    return b;
  };
  const header = headerOf(good);
  const payload = payloadOf(good);
  const edit = (f: (h: ReturnType<typeof headerOf>) => void) => {
    const h = structuredClone(header);
    f(h);
    return rawBundle(h, payload);
  };
  const cases: [string, Uint8Array, string][] = [
    ['an empty file', new Uint8Array(0), 'does not start with STBPMODL: the file is empty'],
    ['a NIR (HDF5) file', Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0), 'it is an HDF5 file (a NIR graph? import it as NIR)'],
    ['a training checkpoint', new TextEncoder().encode('STBPCKP1....'), 'it is a training checkpoint'],
    ['a ZIP (PyTorch .pt)', Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0), 'it is a ZIP archive'],
    ['JSON text', new TextEncoder().encode('{"layers": []}'), 'it is JSON text'],
    ['unknown bytes', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 'it starts with bytes 01 02 03 04 05 06 07 08'],
    ['a newer format', withVersion(2), 'written by a newer STBP Workbench: format version 2, this build reads up to 1'],
    ['format version 0', withVersion(0), 'format version 0; allowed: 1 to 1'],
    ['a file cut inside the prelude', good.slice(0, 10), 'truncated: 10 bytes, not even its format version'],
    ['a file cut after the version', good.slice(0, 20), 'truncated: 20 bytes, less than its 24-byte prelude'],
    ['a file cut in the payload', good.slice(0, good.length - 1), `truncated: ${good.length - 1} bytes, its prelude says ${good.length}`],
    ['bytes appended', Uint8Array.from([...good, 0, 0, 0, 0]), '4 unexpected bytes follow the payload'],
    ['a flipped header byte', flipped(40), 'it is corrupted: CRC-32'],
    ['a flipped payload byte', flipped(good.length - 3), 'it is corrupted: CRC-32'],
    ['a header that is not JSON', rawBundle('{"description": '), 'its header is not JSON'],
    ['a header that is an array', rawBundle('[1, 2]'), 'its header is [1,2]; allowed: an object { description, tensors }'],
    ['no tensor table', rawBundle({ description: header.description }), 'its header has no tensor table'],
    ['no description', rawBundle({ tensors: [] }), 'its header has no model description'],
    ['no name', edit((h) => delete h.description.name), "its model description's name is missing; allowed: a string"],
    ['an unknown network', edit((h) => (h.description.network = 'ann')), `its model description's network is "ann"; allowed: spiking or twin`],
    ['no dataset', edit((h) => delete h.description.dataset), "its model description's dataset is missing"],
    ['a bad coding', edit((h) => (h.description.coding = { kind: 'poisson', steps: 3 })), "its model description's coding is {\"kind\":\"poisson\",\"steps\":3}"],
    ['a float64 tensor', edit((h) => (h.tensors[0]!.dtype = 'float64')), 'tensor table entry 0 ("layers.1.weight"): dtype "float64"; allowed: "float32"'],
    ['a length that is not the shape', edit((h) => (h.tensors[0]!.length = 7)), 'length 7 but shape [3, 1, 3, 3] holds 27 values'],
    ['a gap between tensors', edit((h) => (h.tensors[1]!.offset = 112)), 'tensor table entry 1 ("layers.1.bias"): offset 112; the previous tensors end at byte 108'],
    ['a name twice', edit((h) => (h.tensors[1]!.name = 'layers.1.weight')), 'tensor table entry 1 ("layers.1.weight"): the name appears twice'],
    ['a table short of the payload', edit((h) => h.tensors.pop()), 'the tensor table covers'],
    ['a table past the payload', rawBundle(header, payload.slice(0, 100)), 'ends at byte 108, past the 100-byte payload'],
    ['tensors that do not fit the spec', edit((h) => (h.tensors[0]!.shape = [1, 3, 3, 3])), 'the model in it is invalid: tensor layers.1.weight has shape [1, 3, 3, 3] (27 values); allowed: [3, 1, 3, 3]'],
    ['a spec that does not infer', edit((h) => ((h.description.spec as { layers: { config: { units: number } }[] }).layers[6]!.config.units = 1)), 'the model in it is invalid: layer 6 (output): units is 1; allowed: at least 2 classes'],
    ['samples that do not fit the input', edit((h) => ((h.description.dataset as { sampleShape: number[] }).sampleShape = [1, 28, 28])), 'its samples have shape [1, 28, 28] (784 inputs); the spec\'s input layer takes 144'],
  ];

  it.each(cases)('refuses %s, saying why', async (_what, bytes, message) => {
    const e = await expectEngineError(() => decodeBundle(bytes), 'bad-model-file', 'model bundle is unreadable: ', message);
    expect(e.message).not.toMatch(/undefined|\[object Object\]/);
  });

  it('catches a flipped byte anywhere in the file', () => {
    const small = encodeBundle(randomModel(SPECS.noBias!, 9));
    for (let at = 0; at < small.length; at++) {
      const b = small.slice();
      b[at]! ^= 1 << (at % 8);
      const e = engineError(() => decodeBundle(b));
      expect(e.code).toBe('bad-model-file');
      // Past the magic, version and lengths, only the checksum can tell.
      if (at >= 24 || (at >= 12 && at < 16)) expect(e.message).toContain('it is corrupted: CRC-32');
    }
  });
});
