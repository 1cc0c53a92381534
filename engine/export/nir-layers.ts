import type { LayerSpec } from '../spec/types';
import type { ModelTensor } from './model';
import { isGroup, transpose, type NirFieldReader, type NirNode } from './nir-graph';

/**
 * Readers of the NIR nodes that become our layers, each following the per-sample shape: what the
 * node takes ([n] or [C, H, W], no batch) and what it gives. Each refuses, naming the node and
 * field, what our spec cannot express.
 */

export function inputShape(r: NirFieldReader, first: NirNode | undefined, notes: string[]): { shape: number[]; batch?: number } {
  const { values } = r.numbers('shape');
  const shape = Array.from(values);
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) throw r.fail('shape', `[${shape.join(', ')}]`, 'positive integers');
  // nirtorch writes the sample data's shape, batch included: [b, n] before an Affine, [b, C, H, W].
  const flatNext = first?.type === 'Affine' || first?.type === 'Linear';
  if (shape.length === 4 || (shape.length === 2 && flatNext)) {
    notes.push(`Input ${JSON.stringify(r.nodeName)} has shape [${shape.join(', ')}]: its first dimension was taken as the batch (nirtorch writes the sample's shape so)`);
    return { shape: shape.slice(1), batch: shape[0] };
  }
  if (shape.length > 3) throw r.fail('shape', `[${shape.join(', ')}]`, '[n], [C, H, W] or one of these with a batch dimension in front');
  return { shape };
}

export function dense(r: NirFieldReader, hasBias: boolean, shape: number[], index: number) {
  const w = r.floats('weight');
  if (w.shape.length !== 2) throw r.fail('weight', `of shape [${w.shape.join(', ')}]`, 'a 2-D (out, in) matrix');
  const [out, inn] = w.shape as [number, number];
  if (shape.length !== 1) throw r.fail('input', `[${shape.join(', ')}] from the node before`, `a flat vector of ${inn} values: put a Flatten before it`);
  if (inn !== shape[0]) throw r.fail('weight', `(out, in) = (${out}, ${inn})`, `in = ${shape[0]}, what the node before gives`);
  const tensors: ModelTensor[] = [{ name: `layers.${index}.weight`, shape: [inn, out], data: transpose(w.data, out, inn) }];
  if (hasBias) tensors.push({ name: `layers.${index}.bias`, shape: [out], data: vector(r, 'bias', out) });
  const layer: LayerSpec = { className: 'dense', config: { units: out, ...(hasBias ? {} : { bias: false }) } };
  return { layer, tensors, outShape: [out] };
}

export function conv(r: NirFieldReader, shape: number[], index: number) {
  const w = r.floats('weight');
  if (w.shape.length !== 4) throw r.fail('weight', `of shape [${w.shape.join(', ')}]`, '4-D (out channels, in channels, kH, kW)');
  const [f, c, kh, kw] = w.shape as [number, number, number, number];
  if (kh !== kw) throw r.fail('weight', `a ${kh}×${kw} kernel`, 'a square kernel');
  if (shape.length !== 3) throw r.fail('input', `[${shape.join(', ')}] from the node before`, 'a [C, H, W] map');
  const [inC, h, wd] = shape as [number, number, number];
  if (c !== inC) throw r.fail('weight', `for ${c} input channels`, `${inC}, what the node before gives`);
  if (r.uniformInt('groups', 'groups') !== 1) throw r.fail('groups', String(r.numbers('groups').values[0]), '1');
  if (r.uniformInt('dilation', 'dilation') !== 1) throw r.fail('dilation', `[${Array.from(r.numbers('dilation').values).join(', ')}]`, '1');
  const stride = r.uniformInt('stride', 'the same stride along H and W');
  const pad = padding(r, kh, stride);
  if (pad > kh - 1) throw r.fail('padding', String(pad), `at most kernel − 1 = ${kh - 1} (more pads whole rows of zeros)`);
  if (r.has('input_shape')) {
    const given = Array.from(r.numbers('input_shape').values);
    if (given.join() !== [h, wd].join()) throw r.fail('input_shape', `(${given.join(', ')})`, `(${h}, ${wd}), the map the node before gives`);
  }
  const outH = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const outW = Math.floor((wd + 2 * pad - kh) / stride) + 1;
  if (outH < 1 || outW < 1) throw r.fail('weight', `a ${kh}×${kh} kernel`, `at most ${Math.min(h, wd) + 2 * pad} for the ${h}×${wd} map with padding ${pad}`);
  const tensors: ModelTensor[] = [
    { name: `layers.${index}.weight`, shape: [f, c, kh, kh], data: w.data.slice() },
    { name: `layers.${index}.bias`, shape: [f], data: vector(r, 'bias', f) },
  ];
  const layer: LayerSpec = { className: 'conv2d', config: { filters: f, kernel: kh, stride, padding: pad } };
  return { layer, tensors, outShape: [f, outH, outW] };
}

/** Zeros on every side: an int, equal ints per axis, 'valid' (0), or 'same' when it is (k − 1)/2 at stride 1. */
function padding(r: NirFieldReader, k: number, stride: number): number {
  const a = r.array('padding');
  if (a.dtype !== 'string') return r.uniformInt('padding', 'the same padding on every side');
  const mode = a.data[0];
  if (mode === 'valid') return 0;
  if (mode === 'same' && stride === 1 && k % 2 === 1) return (k - 1) / 2;
  throw r.fail('padding', JSON.stringify(mode), `an integer, 'valid', or 'same' with stride 1 and an odd kernel (here stride ${stride}, kernel ${k}: 'same' would pad unevenly)`);
}

export function pool(r: NirFieldReader, shape: number[]): { layer: LayerSpec; outShape: number[] } {
  if (shape.length !== 3) throw r.fail('input', `[${shape.join(', ')}] from the node before`, 'a [C, H, W] map');
  const kernel = r.uniformInt('kernel_size', 'a square window');
  const stride = r.uniformInt('stride', 'the same stride along H and W');
  const pads = r.numbers('padding').values;
  if (!pads.every((p) => p === 0)) throw r.fail('padding', `[${Array.from(pads).join(', ')}]`, '0 (our average pooling pads nothing)');
  const [c, h, w] = shape as [number, number, number];
  if (kernel > Math.min(h, w)) throw r.fail('kernel_size', String(kernel), `at most ${Math.min(h, w)} for the ${h}×${w} map`);
  return { layer: { className: 'avgpool', config: { kernel, stride } }, outShape: [c, Math.floor((h - kernel) / stride) + 1, Math.floor((w - kernel) / stride) + 1] };
}

/**
 * Flatten must flatten the whole per-sample tensor. Its dims count from the tensor its
 * input_type describes: ours ([C, H, W]) or, as nirtorch writes them, with the batch in front
 * (start_dim 1 = our 0); without an input_type either reading that flattens everything is taken.
 */
export function flatten(r: NirFieldReader, shape: number[], batch: number | undefined, notes: string[]): number[] {
  const start = r.has('start_dim') ? r.uniformInt('start_dim', 'an int') : 1;
  const end = r.has('end_dim') ? r.uniformInt('end_dim', 'an int') : -1;
  const size = shape.reduce((a, b) => a * b, 1);
  const given = r.has('input_type') && !isGroup(r.array('input_type')) ? Array.from(r.numbers('input_type').values) : null;
  const readings: { dims: number[]; offset: number }[] = [];
  if (!given || given.join() === shape.join()) readings.push({ dims: shape, offset: 0 });
  if (!given || (given.length === shape.length + 1 && given.slice(1).join() === shape.join())) readings.push({ dims: [batch ?? 1, ...shape], offset: 1 });
  if (given && readings.length === 0) throw r.fail('input_type', `[${given.join(', ')}]`, `[${shape.join(', ')}], what the node before gives (or with a batch dimension in front)`);
  for (const { dims, offset } of readings) {
    const s = start < 0 ? start + dims.length : start;
    const e = end < 0 ? end + dims.length : end;
    if (s === offset && e === dims.length - 1) {
      if (offset) notes.push(`Flatten ${JSON.stringify(r.nodeName)}: start_dim ${start} counts the batch dimension`);
      return [size];
    }
  }
  throw r.fail('start_dim/end_dim', `${start}/${end} on [${shape.join(', ')}]`, 'a flatten of the whole sample into one vector (start_dim 0, end_dim -1 on the per-sample shape)');
}

function vector(r: NirFieldReader, field: string, n: number): Float32Array {
  const v = r.floats(field);
  if (v.data.length !== n || v.shape.length !== 1) throw r.fail(field, `of shape [${v.shape.join(', ')}]`, `[${n}]`);
  return v.data.slice();
}
