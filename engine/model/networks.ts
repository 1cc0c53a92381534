import type { Kernels } from '../backend/types';
import { unknownName } from '../errors';
import type { ModelPlan } from '../spec/infer';
import { SpikingNetwork } from './network';
import { TwinNetwork } from './twin';
import type { Network, NetworkKind } from './types';

export type { Network, NetworkKind, TrainableLayer } from './types';

type NetworkClass = new (plan: ModelPlan, kernels: Kernels, steps: number, maxBatch: number) => Network;

/** The kinds of network a spec can be trained as (STYLE.md 4: one list, unknown names listed). */
const NETWORKS: Record<NetworkKind, NetworkClass> = {
  /** LIF neurons over T steps, trained with STBP (the paper). */
  spiking: SpikingNetwork,
  /** The same layers with ReLU instead of LIF, one pass, plain backprop (the paper's ANN columns). */
  twin: TwinNetwork,
};

export const NETWORK_KINDS = Object.keys(NETWORKS) as NetworkKind[];

export function networkKind(name: string): NetworkKind {
  if (!Object.hasOwn(NETWORKS, name)) throw unknownName('network', name, NETWORK_KINDS);
  return name as NetworkKind;
}

export function createNetwork(kind: string, plan: ModelPlan, kernels: Kernels, steps: number, maxBatch: number): Network {
  return new NETWORKS[networkKind(kind)](plan, kernels, steps, maxBatch);
}
