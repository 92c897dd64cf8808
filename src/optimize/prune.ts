import { z } from 'zod';
import type { Item } from '../datasets/types.js';
import type { Edge, PromptMap, System, Trace } from '../mas/types.js';
import { pMap } from './calls.js';
import type { PruneSettings } from './config.js';
import { predecessorsOf, successorsOf, topoOrder } from './dag.js';

/**
 * Topology pruning before the prompt search (the paper's AgentDropout combination, Table 5): agents (and
 * optionally edges) of the declared DAG are dropped by their measured contribution on the optimization
 * pool — a part of the TRAIN split — and MASPO then optimizes the prompts of the pruned system.
 *
 * Greedy: measure the pool accuracy of the current system without each candidate; drop the candidate whose
 * removal leaves the highest accuracy if that accuracy is at most `maxDrop` below the current system's AND
 * at most `maxDrop` below the unpruned system's (so the tolerance never accumulates over steps); repeat until
 * no candidate qualifies. The output agent always
 * stays; removing an agent wires each of its predecessors to each of its successors; removing an edge also
 * removes agents that can no longer reach the output.
 */

const edgeSchema = z.tuple([z.string(), z.string()]);

/** What the prompt artifact records about a pruned system; `maspo run`/`maspo eval` apply it. */
export const prunedTopologySchema = z.object({
  agents: z.array(z.string()),
  edges: z.array(edgeSchema),
  output: z.string(),
  removed: z.object({ agents: z.array(z.string()), edges: z.array(edgeSchema) }),
  maxDrop: z.number(),
  /** Pool items measured, and the most that errored in one measurement (errors are excluded from the accuracies). */
  items: z.number(),
  errors: z.number(),
  accuracy: z.object({ full: z.number(), pruned: z.number() }),
  /** Every candidate measured, per greedy step, and whether it was dropped. */
  trials: z.array(
    z.object({ step: z.number(), candidate: z.string(), accuracy: z.number(), dropped: z.boolean() }),
  ),
});
export type PrunedTopology = z.infer<typeof prunedTopologySchema>;

const edgeKey = ([f, t]: Edge) => `${f}->${t}`;

/** The system without agent `id`: its predecessors feed its successors directly. */
export function withoutAgent(system: System, id: string): System {
  if (id === system.output) throw new Error(`cannot remove ${id}: it is the output agent`);
  if (!system.agents.some((a) => a.id === id)) throw new Error(`no agent ${id} in system ${system.name}`);
  const preds = predecessorsOf(system, id);
  const succs = successorsOf(system, id);
  const edges: Edge[] = system.edges.filter(([f, t]) => f !== id && t !== id);
  const have = new Set(edges.map(edgeKey));
  for (const p of preds)
    for (const s of succs) {
      const e: Edge = [p, s];
      if (!have.has(edgeKey(e))) {
        edges.push(e);
        have.add(edgeKey(e));
      }
    }
  return { ...system, agents: system.agents.filter((a) => a.id !== id), edges };
}

/** Agents with a path to the output agent (the output included). */
function reachingOutput(system: System): Set<string> {
  const live = new Set([system.output]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [f, t] of system.edges)
      if (live.has(t) && !live.has(f)) {
        live.add(f);
        changed = true;
      }
  }
  return live;
}

/** The system without one edge, and without agents that no longer reach the output. */
export function withoutEdge(system: System, edge: Edge): System {
  const key = edgeKey(edge);
  if (!system.edges.some((e) => edgeKey(e) === key)) throw new Error(`no edge ${key} in ${system.name}`);
  const next = { ...system, edges: system.edges.filter((e) => edgeKey(e) !== key) };
  const live = reachingOutput(next);
  return {
    ...next,
    agents: next.agents.filter((a) => live.has(a.id)),
    edges: next.edges.filter(([f, t]) => live.has(f) && live.has(t)),
  };
}

/**
 * The declared system reduced to a recorded topology. Throws when the topology names an agent the system
 * does not have (the artifact belongs to another system).
 */
export function applyTopology(
  system: System,
  topology: Pick<PrunedTopology, 'agents' | 'edges' | 'output'>,
): System {
  const ids = new Set(system.agents.map((a) => a.id));
  const unknown = [...topology.agents, ...topology.edges.flat(), topology.output].filter(
    (id) => !ids.has(id),
  );
  if (unknown.length > 0)
    throw new Error(
      `the pruned topology names agents that system ${system.name} does not have (${[...new Set(unknown)].join(', ')}); re-run \`maspo optimize\``,
    );
  const keep = new Set(topology.agents);
  if (!keep.has(topology.output))
    throw new Error(
      `the pruned topology drops its own output agent ${topology.output}; re-run \`maspo optimize\``,
    );
  const out: System = {
    ...system,
    agents: system.agents.filter((a) => keep.has(a.id)),
    edges: topology.edges.map(([f, t]) => [f, t] as Edge),
    output: topology.output,
  };
  topoOrder(out); // throws on a cycle
  return out;
}

type Candidate = { label: string; apply: (s: System) => System };

function candidatesOf(system: System, edges: boolean): Candidate[] {
  const out: Candidate[] = topoOrder(system)
    .filter((id) => id !== system.output)
    .map((id) => ({ label: `agent ${id}`, apply: (s: System) => withoutAgent(s, id) }));
  if (edges)
    for (const e of system.edges)
      out.push({ label: `edge ${edgeKey(e)}`, apply: (s: System) => withoutEdge(s, e) });
  return out;
}

export interface PruneOptions {
  system: System;
  /** The optimization pool (train split). */
  items: readonly Item[];
  /** The prompts measured (the seed prompts). */
  prompts: PromptMap;
  settings: PruneSettings;
  execute(system: System, item: Item, prompts: PromptMap): Promise<Trace>;
  /** true/false, or null when the output cannot be scored (an error, excluded). */
  grade(item: Item, output: string): Promise<boolean | null>;
  concurrency: number;
  /** Measure the first step's candidates but drop nothing (a dry run counts those calls). */
  measureOnly?: boolean;
}

export interface PruneResult {
  system: System;
  topology: PrunedTopology;
}

/** Prunes a system by measured contribution on the pool (see the module comment). */
export async function pruneTopology(o: PruneOptions): Promise<PruneResult> {
  let errors = 0;
  const accuracyOf = async (system: System): Promise<number> => {
    const verdicts = await pMap(o.items, o.concurrency, async (item) => {
      const t = await o.execute(system, item, o.prompts);
      return t.error ? null : o.grade(item, t.finalOutput);
    });
    const judged = verdicts.filter((v): v is boolean => v !== null);
    errors = Math.max(errors, verdicts.length - judged.length);
    return judged.length === 0 ? 0 : judged.filter(Boolean).length / judged.length;
  };
  const full = await accuracyOf(o.system);
  const eps = 1e-9;
  let current = o.system;
  let currentAcc = full;
  const trials: PrunedTopology['trials'] = [];
  for (let step = 1; ; step++) {
    const cands = candidatesOf(current, o.settings.edges);
    if (cands.length === 0) break;
    const measured: Array<{ c: Candidate; system: System; accuracy: number }> = [];
    for (const c of cands) {
      const system = c.apply(current);
      measured.push({ c, system, accuracy: await accuracyOf(system) });
    }
    // Best first; ties keep the candidate order (agents in topological order, then edges).
    const best = measured.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const floor = Math.max(full, currentAcc) - o.settings.maxDrop - eps;
    const drop = !o.measureOnly && best.accuracy >= floor;
    for (const m of measured)
      trials.push({ step, candidate: m.c.label, accuracy: m.accuracy, dropped: drop && m === best });
    if (!drop) break;
    current = best.system;
    currentAcc = best.accuracy;
  }
  const kept = new Set(current.agents.map((a) => a.id));
  const keptEdges = new Set(current.edges.map(edgeKey));
  return {
    system: current,
    topology: {
      agents: current.agents.map((a) => a.id),
      edges: current.edges.map(([f, t]) => [f, t]),
      output: current.output,
      removed: {
        agents: o.system.agents.map((a) => a.id).filter((id) => !kept.has(id)),
        edges: o.system.edges.filter((e) => !keptEdges.has(edgeKey(e))).map(([f, t]) => [f, t]),
      },
      maxDrop: o.settings.maxDrop,
      items: o.items.length,
      errors,
      accuracy: { full, pruned: currentAcc },
      trials,
    },
  };
}
