import type { System } from '../mas/types.js';

/** Small graph helpers over a system's edges (stable: ties follow the order agents are declared). */

export function predecessorsOf(system: System, id: string): string[] {
  return system.edges.filter(([, to]) => to === id).map(([from]) => from);
}

export function successorsOf(system: System, id: string): string[] {
  return system.agents.map((a) => a.id).filter((s) => system.edges.some(([f, t]) => f === id && t === s));
}

export function topoOrder(system: System): string[] {
  const ids = system.agents.map((a) => a.id);
  const indeg = new Map(ids.map((id) => [id, 0]));
  for (const [, to] of system.edges) indeg.set(to, (indeg.get(to) ?? 0) + 1);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && indeg.get(id) === 0);
    if (next === undefined) throw new Error(`system ${system.name}: the agent graph has a cycle`);
    done.add(next);
    out.push(next);
    for (const [from, to] of system.edges) if (from === next) indeg.set(to, (indeg.get(to) ?? 0) - 1);
  }
  return out;
}
