import { EngineError } from '../errors';
import { inferModel, type LayerShape, type LifLayerPlan, type ModelPlan } from '../spec/infer';
import type { LayerSpec, ModelSpec } from '../spec/types';
import type { EventBinning } from '../train/sources';
import type { InputCoding, ModelTensor, TrainingRecord } from './model';
import { NirFieldReader, isGroup, nirError, type NirFields, type NirGraph } from './nir-graph';
import { conv, dense, flatten, inputShape, pool } from './nir-layers';
import { walkChain } from './nir-chain';
import { readLif } from './nir-lif';

/** What a NIR graph gives back: our spec and tensors, and what its metadata says of the rest. */
export interface NirImport {
  spec: ModelSpec;
  /** `layers.<i>.weight|bias` in our layouts (dense [in, out], conv [F, C, k, k]). */
  tensors: ModelTensor[];
  /** The time step the LIF constants were read with: metadata `dt`, else 1e-4 s. */
  dt: number;
  steps?: number;
  coding?: InputCoding;
  name?: string;
  classNames?: string[];
  sampleShape?: number[];
  datasetName?: string;
  /** A file written here: the seed, epoch and settings its model was evaluated with (stbp_training). */
  training?: TrainingRecord;
  /** The graph's metadata as plain values. */
  metadata: Record<string, string | number | number[] | string[]>;
  /** What the import assumed or read differently from the file, in words. */
  notes: string[];
}

const DEFAULT_DT = 1e-4;
const SUPPORTED = 'Input, Affine, Linear, Conv2d, LIF, CubaLIF (tau_syn = dt only), AvgPool2d, Flatten, Output';

/**
 * Our model from a NIR graph: a chain Input → [Conv2d → LIF | AvgPool2d]* → Flatten? →
 * [Affine|Linear → LIF]+ → Output (any order our spec accepts), the last LIF layer our `output`
 * layer. Refused, with the node's name and why: any other node type, a branch, merge or cycle, a
 * node off the chain, a synapse without its LIF, LIF constants our neuron cannot express, conv
 * settings our spec cannot express, shapes that do not chain. LIF constants are read with dt
 * from the metadata (else 1e-4 s, snnTorch's); see nir-lif.ts. A Linear node maps to a layer
 * without bias; an Affine or Conv2d to one with a bias, even if zero, unless the graph's own
 * `stbp_spec` (written by toNirGraph) says otherwise and agrees with the graph.
 */
export function fromNirGraph(graph: NirGraph, opts: { fileName?: string } = {}): NirImport {
  try {
    return importGraph(graph);
  } catch (e) {
    if (e instanceof EngineError && opts.fileName) throw new EngineError(e.code, e.message.replace(/^NIR graph/, `NIR graph in ${opts.fileName}`));
    throw e;
  }
}

function importGraph(graph: NirGraph): NirImport {
  const notes: string[] = [];
  const metadata = plainMetadata(graph.metadata);
  const dt = metadataDt(metadata.dt, notes);
  const chain = walkChain(graph);
  const built = buildLayers(graph, chain, dt, notes);
  const derived = hoistNeuron(built.layers);
  const plan = planOf(derived, built.nodeOfLayer);
  checkOutput(graph, chain[chain.length - 1]!, plan, built.batch);
  const embedded = embeddedSpec(metadata.stbp_spec, plan, built.tensors);
  if (embedded.why) notes.push(embedded.why);
  if (!embedded.spec) notes.push('surrogate gradient: not in NIR, the default (rectangular, width 1) is set');
  const spec = embedded.spec ?? derived;
  const unlearnt = new Set(inferModel(spec).layers.filter((l) => !l.bias).map((l) => `layers.${l.index}.bias`));
  const tensors = built.tensors.filter((t) => !unlearnt.has(t.name));
  return { spec, tensors, dt, metadata, notes, ...described(metadata) };
}

interface Built {
  layers: LayerSpec[];
  tensors: ModelTensor[];
  /** The NIR node each spec layer came from (its synapse node for a LIF layer). */
  nodeOfLayer: string[];
  /** The Input's leading dimension when it was taken as a batch. */
  batch?: number;
}

/** The spec layers and tensors the chain's nodes map to, following the per-sample shape along. */
function buildLayers(graph: NirGraph, chain: string[], dt: number, notes: string[]): Built {
  const at = (name: string) => new NirFieldReader(name, graph.nodes[name]!);
  const first = graph.nodes[chain[1]!];
  let { shape, batch } = inputShape(at(chain[0]!), first, notes);
  const built: Built = { layers: [{ className: 'input', config: { shape: shape.slice() } }], tensors: [], nodeOfLayer: [chain[0]!], batch };
  let pending: { name: string; layer: LayerSpec; tensors: ModelTensor[]; outShape: number[] } | null = null;
  const notAfterSynapse = (name: string) => {
    if (pending) throw nirError(`graph: node ${JSON.stringify(name)} (${graph.nodes[name]!.type}) follows ${JSON.stringify(pending.name)} (${graph.nodes[pending.name]!.type}) directly; allowed: a LIF node right after each Affine, Linear or Conv2d`);
  };
  for (const name of chain.slice(1, -1)) {
    const node = graph.nodes[name]!;
    const r = at(name);
    const index = built.layers.length;
    switch (node.type) {
      case 'Affine':
      case 'Linear':
        notAfterSynapse(name);
        pending = { name, ...dense(r, node.type === 'Affine', shape, index) };
        break;
      case 'Conv2d':
        notAfterSynapse(name);
        pending = { name, ...conv(r, shape, index) };
        break;
      case 'LIF':
      case 'CubaLIF': {
        if (!pending) {
          const before = chain[chain.indexOf(name) - 1]!;
          throw nirError(`graph: node ${JSON.stringify(name)} (${node.type}) follows ${JSON.stringify(before)} (${graph.nodes[before]!.type}); allowed: a LIF node only right after an Affine, Linear or Conv2d (our LIF layer is a synapse and its neurons)`);
        }
        const units = pending.outShape.reduce((a, b) => a * b, 1);
        const neuron = readLif(r, units, dt, notes);
        built.layers.push({ ...pending.layer, config: { ...pending.layer.config, ...neuron } } as LayerSpec);
        built.tensors.push(...pending.tensors);
        built.nodeOfLayer.push(pending.name);
        shape = pending.outShape;
        pending = null;
        break;
      }
      case 'AvgPool2d': {
        notAfterSynapse(name);
        const p = pool(r, shape);
        built.layers.push(p.layer);
        built.nodeOfLayer.push(name);
        shape = p.outShape;
        break;
      }
      case 'Flatten':
        notAfterSynapse(name);
        shape = flatten(r, shape, batch, notes);
        built.layers.push({ className: 'flatten' });
        built.nodeOfLayer.push(name);
        break;
      default:
        throw nirError(`graph: node ${JSON.stringify(name)} is of type ${node.type}${WHY_NOT[node.type] ?? ''}; allowed node types: ${SUPPORTED}`);
    }
  }
  if (pending) throw nirError(`graph: node ${JSON.stringify(pending.name)} (${graph.nodes[pending.name]!.type}) is not followed by a LIF node; allowed: a LIF node right after each Affine, Linear or Conv2d`);
  const last = built.layers[built.layers.length - 1]!;
  if (last.className !== 'dense') {
    const lastNode = chain[chain.length - 2]!;
    throw nirError(`graph: the last node before Output is ${JSON.stringify(lastNode)} (${graph.nodes[lastNode]!.type}); allowed: an Affine or Linear node and its LIF (our output layer is dense)`);
  }
  built.layers[built.layers.length - 1] = { className: 'output', config: last.config };
  return built;
}

const WHY_NOT: Record<string, string> = {
  IF: ' (no leak: our neuron always decays, decay in [0, 1))',
  LI: ' (no spikes: a leaky integrator is not a spiking layer)',
  I: ' (an integrator without spikes)',
  SumPool2d: ' (sums windows; our avgpool averages them)',
  Delay: ' (our layers have no delays)',
  Scale: ' (a per-neuron gain between layers)',
  Threshold: ' (a spike without a neuron)',
  Conv1d: ' (our convolutions are 2-D)',
  NIRGraph: ' (a nested subgraph, e.g. a recurrent layer)',
  CubaLI: ' (no spikes)',
};

function checkOutput(graph: NirGraph, outName: string, plan: ModelPlan, batch: number | undefined): void {
  const r = new NirFieldReader(outName, graph.nodes[outName]!);
  const shape = Array.from(r.numbers('shape').values);
  const ok = [[plan.classes], [batch ?? 1, plan.classes]].some((s) => s.join() === shape.join());
  if (!ok) throw r.fail('shape', `[${shape.join(', ')}]`, `[${plan.classes}], the size of the last LIF layer`);
}

/** LIF constants common to every layer move up to spec.neuron, as the designer writes them. */
function hoistNeuron(layers: LayerSpec[]): ModelSpec {
  const lif = layers.filter((l) => l.className === 'dense' || l.className === 'output' || l.className === 'conv2d') as { config: { vth: number; tau: number } }[];
  const same = lif.every((l) => l.config.vth === lif[0]!.config.vth && l.config.tau === lif[0]!.config.tau);
  if (!same) return { layers };
  const neuron = { vth: lif[0]!.config.vth, tau: lif[0]!.config.tau };
  return {
    neuron,
    layers: layers.map((l) => {
      if (!lif.includes(l as never)) return l;
      const { vth: _v, tau: _t, ...rest } = (l as { config: Record<string, unknown> }).config;
      return { ...l, config: rest } as LayerSpec;
    }),
  };
}

function planOf(spec: ModelSpec, nodeOfLayer: string[]): ModelPlan {
  try {
    return inferModel(spec);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    const layer = e.at.layer;
    const node = layer === undefined ? '' : `node ${JSON.stringify(nodeOfLayer[layer])}: `;
    throw nirError(`graph: ${node}our model cannot express it: ${e.message}`);
  }
}

/**
 * The `stbp_spec` toNirGraph writes holds our exact settings (decay and Vth as typed, surrogates,
 * bias flags); it is used only when it describes the same network as the graph: same layers and
 * shapes, LIF constants equal to float32 precision, bias flags equal or a zero bias where it has none.
 */
function embeddedSpec(embedded: unknown, plan: ModelPlan, tensors: ModelTensor[]): { spec?: ModelSpec; why?: string } {
  if (typeof embedded !== 'string') return {};
  let spec: ModelSpec;
  let other: ModelPlan;
  try {
    spec = JSON.parse(embedded) as ModelSpec;
    other = inferModel(spec);
  } catch (e) {
    return { why: `metadata stbp_spec is unusable (${(e as Error).message}); the graph's own constants were used` };
  }
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  const zero = (name: string) => tensors.find((t) => t.name === name)!.data.every((v) => v === 0);
  const sameLayer = (s: LayerShape, i: number) => s.className === plan.shapes[i]!.className && s.outputShape.join() === plan.shapes[i]!.outputShape.join();
  const sameLif = (l: LifLayerPlan, i: number) => {
    const g = plan.layers[i]!;
    return close(l.vth, g.vth) && close(l.decay, g.decay) && JSON.stringify(l.conv) === JSON.stringify(g.conv)
      && (l.bias === g.bias || (!l.bias && zero(`layers.${g.index}.bias`)));
  };
  const differs = other.shapes.length !== plan.shapes.length || !other.shapes.every(sameLayer) ? 'other layers or shapes'
    : !other.layers.every(sameLif) ? 'other LIF constants or biases' : null;
  if (differs) return { why: `metadata stbp_spec describes ${differs} than the graph; the graph's own constants were used` };
  return { spec, why: 'metadata stbp_spec matches the graph: its exact settings (decay, Vth, surrogates, bias flags) were used' };
}

function metadataDt(dt: unknown, notes: string[]): number {
  if (dt === undefined) {
    notes.push(`no dt in the graph's metadata: ${DEFAULT_DT} s assumed (snnTorch's convention)`);
    return DEFAULT_DT;
  }
  if (typeof dt !== 'number' || !(dt > 0 && Number.isFinite(dt))) throw nirError(`graph: metadata dt is ${JSON.stringify(dt)}; allowed: a time step in seconds > 0`);
  return dt;
}

/** What the metadata says of coding, T, names and the dataset, where it says it in our terms. */
function described(m: NirImport['metadata']): Partial<NirImport> {
  const json = <T>(v: unknown, ok: (x: unknown) => boolean): T | undefined => {
    if (typeof v !== 'string') return undefined;
    try {
      const x = JSON.parse(v) as unknown;
      return ok(x) ? (x as T) : undefined;
    } catch {
      return undefined;
    }
  };
  const steps = Number.isInteger(m.steps) && (m.steps as number) >= 1 ? (m.steps as number) : undefined;
  const binning = json<EventBinning>(m.input_binning, (x) => typeof x === 'object' && x !== null);
  const coding: InputCoding | undefined = steps === undefined ? undefined
    : m.input_coding === 'bernoulli' ? { kind: 'bernoulli', steps }
    : m.input_coding === 'events' && binning ? { kind: 'events', steps, binning } : undefined;
  return {
    steps, coding,
    name: typeof m.model_name === 'string' ? m.model_name : undefined,
    datasetName: typeof m.dataset === 'string' ? m.dataset : undefined,
    classNames: json<string[]>(m.class_names, (x) => Array.isArray(x) && x.every((s) => typeof s === 'string')),
    sampleShape: json<number[]>(m.sample_shape, (x) => Array.isArray(x) && x.every((d) => Number.isInteger(d) && d > 0)),
    training: json<TrainingRecord>(m.stbp_training, (x) => typeof x === 'object' && x !== null && Number.isSafeInteger((x as TrainingRecord).seed)),
  };
}

function plainMetadata(fields: NirFields): NirImport['metadata'] {
  const out: NirImport['metadata'] = {};
  for (const [key, e] of Object.entries(fields)) {
    if (isGroup(e)) continue;
    const values = e.dtype === 'string' ? e.data : Array.from(e.data as ArrayLike<number>);
    out[key] = e.shape.length === 0 ? values[0]! : (values as number[] | string[]);
  }
  return out;
}
