import { nirError, type NirGraph } from './nir-graph';

/**
 * The graph's nodes in order from its Input to its Output, or a refusal naming what makes it
 * something other than one chain: an edge to a node it does not have, an edge listed twice, a
 * cycle (with its path), no or several Input/Output nodes, a branch or a merge, a node off the
 * chain.
 */
export function walkChain(graph: NirGraph): string[] {
  const nodes = graph.nodes;
  const names = Object.keys(nodes);
  const label = (n: string) => `${JSON.stringify(n)} (${nodes[n]!.type})`;
  const outs = new Map<string, string[]>(names.map((n) => [n, []]));
  const ins = new Map<string, string[]>(names.map((n) => [n, []]));
  const seen = new Set<string>();
  for (const edge of graph.edges) {
    const [from, to] = edge;
    const missing = [from, to].find((n) => !(n in nodes));
    if (missing !== undefined) throw nirError(`graph: edge ${JSON.stringify(from)} → ${JSON.stringify(to)} names node ${JSON.stringify(missing)}, which the graph does not have (nodes: ${names.join(', ')})`);
    const key = JSON.stringify(edge);
    if (seen.has(key)) throw nirError(`graph: edge ${JSON.stringify(from)} → ${JSON.stringify(to)} is listed twice; allowed: each edge once`);
    seen.add(key);
    outs.get(from)!.push(to);
    ins.get(to)!.push(from);
  }
  const cycle = findCycle(names, outs);
  if (cycle) throw nirError(`graph: it has a cycle ${cycle.map((n) => JSON.stringify(n)).join(' → ')} (a recurrent connection); allowed: a feed-forward chain`);
  const ends = (type: string) => {
    const found = names.filter((n) => nodes[n]!.type === type);
    if (found.length !== 1) throw nirError(`graph: it has ${found.length} ${type} nodes${found.length ? ` (${found.join(', ')})` : ''}; allowed: exactly one`);
    return found[0]!;
  };
  const input = ends('Input');
  const output = ends('Output');
  if (ins.get(input)!.length) throw nirError(`graph: Input node ${JSON.stringify(input)} has incoming edges from ${ins.get(input)!.join(', ')}`);
  const chain = [input];
  for (let at = input; at !== output;) {
    const next = outs.get(at)!;
    if (next.length === 0) throw nirError(`graph: node ${label(at)} leads nowhere: the chain from Input ${JSON.stringify(input)} stops before Output ${JSON.stringify(output)}`);
    if (next.length > 1) throw nirError(`graph: node ${label(at)} feeds ${next.length} nodes (${next.join(', ')}), a branch; allowed: a single chain Input → … → Output`);
    at = next[0]!;
    const from = ins.get(at)!;
    if (from.length > 1) throw nirError(`graph: node ${label(at)} takes input from ${from.length} nodes (${from.join(', ')}), a merge; allowed: a single chain Input → … → Output`);
    chain.push(at);
  }
  if (outs.get(output)!.length) throw nirError(`graph: Output node ${JSON.stringify(output)} feeds ${outs.get(output)!.join(', ')}; allowed: nothing after Output`);
  const off = names.filter((n) => !chain.includes(n));
  if (off.length) throw nirError(`graph: node(s) ${off.map(label).join(', ')} are not on the chain from Input to Output (disconnected); allowed: every node on that chain`);
  return chain;
}

/** A cycle as a path that returns to its start, or null (depth-first search, three colours). */
function findCycle(names: string[], outs: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    path.push(n);
    for (const m of outs.get(n)!) {
      if (state.get(m) === 'open') return [...path.slice(path.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of names) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return null;
}
