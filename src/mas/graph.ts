import type { System } from './types.js';

/** A structural problem with a system's graph; `path` names the config field. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

function index(system: Pick<System, 'agents' | 'edges'>) {
  const ids = system.agents.map((a) => a.id);
  const succ = new Map<string, string[]>(ids.map((id) => [id, []]));
  const pred = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [from, to] of system.edges) {
    succ.get(from)?.push(to);
    pred.get(to)?.push(from);
  }
  return { ids, succ, pred };
}

export function successors(system: Pick<System, 'agents' | 'edges'>, id: string): string[] {
  return index(system).succ.get(id) ?? [];
}

/** Predecessors in edge declaration order (the order their outputs appear in `{{context}}`). */
export function predecessors(system: Pick<System, 'agents' | 'edges'>, id: string): string[] {
  return index(system).pred.get(id) ?? [];
}

/** Every agent reachable from `id` (not including `id` itself). */
export function descendants(system: Pick<System, 'agents' | 'edges'>, id: string): Set<string> {
  const { succ } = index(system);
  const seen = new Set<string>();
  const stack = [...(succ.get(id) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(succ.get(n) ?? []));
  }
  return seen;
}

/** Every agent from which `id` is reachable (not including `id` itself). */
export function ancestors(system: Pick<System, 'agents' | 'edges'>, id: string): Set<string> {
  const { pred } = index(system);
  const seen = new Set<string>();
  const stack = [...(pred.get(id) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(pred.get(n) ?? []));
  }
  return seen;
}

/** A cycle as a list of ids (first id repeated at the end), or null when the graph is acyclic. */
export function findCycle(system: Pick<System, 'agents' | 'edges'>): string[] | null {
  const { ids, succ } = index(system);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of succ.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (s === undefined) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const id of ids) {
    if (!state.has(id)) {
      const c = visit(id);
      if (c) return c;
    }
  }
  return null;
}

/**
 * Agents grouped by depth: level 0 holds the sources, and each agent sits one level after its deepest
 * predecessor, so agents in one level never depend on each other and run concurrently. Within a level,
 * agents keep declaration order. Throws GraphError on a cycle.
 */
export function levels(system: Pick<System, 'agents' | 'edges'>): string[][] {
  const cycle = findCycle(system);
  if (cycle) throw new GraphError(`the agents form a cycle: ${cycle.join(' → ')}`, 'system.edges');
  const { ids, pred } = index(system);
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(pred.get(id) ?? []).map(depthOf)) + 1;
    depth.set(id, d);
    return d;
  };
  const out: string[][] = [];
  for (const id of ids) {
    const d = depthOf(id);
    if (!out[d]) out[d] = [];
    out[d].push(id);
  }
  return out.filter((l) => l !== undefined);
}

/** A topological order (levels flattened): every agent comes after all of its predecessors. */
export function topologicalOrder(system: Pick<System, 'agents' | 'edges'>): string[] {
  return levels(system).flat();
}
