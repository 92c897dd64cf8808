import type { TaskType } from '../datasets/types.js';
import { SEED_PROMPTS } from './prompts.js';
import type { Agent, Edge, System } from './types.js';

export const BUILTIN_TOPOLOGIES = [
  'sequential',
  'hierarchical',
  'vanilla',
  'cot',
  'self-consistency',
  'self-refine',
] as const;
export type BuiltinTopology = (typeof BUILTIN_TOPOLOGIES)[number];
export const TOPOLOGIES = [...BUILTIN_TOPOLOGIES, 'custom'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export interface TopologyOptions {
  /** sequential: number of solver → reflector pairs (default 1). */
  rounds?: number;
  /** hierarchical: number of experts (default 3). */
  experts?: number;
  /** self-consistency: number of samples (default 5). */
  samples?: number;
  /** self-refine: number of feedback → refine iterations (default 2). */
  iterations?: number;
  /** Temperature for every agent (default 0; self-consistency samples default to 0.7). */
  temperature?: number;
  maxTokens?: number;
  contextMode?: 'full' | 'summary';
}

const agent = (id: string, role: string, prompt: string, extra: Partial<Agent> = {}): Agent => ({
  id,
  role,
  prompt,
  ...extra,
});

/** `name_k` for k ≥ 2, `name` for the first. */
const nth = (name: string, k: number) => (k === 1 ? name : `${name}_${k}`);

/**
 * Builds a built-in topology with our seed prompts for the task type.
 *
 * - sequential: solver → reflector, repeated `rounds` times (solver_2 sees reflector's output, …);
 *   output = the last reflector.
 * - hierarchical: expert_1..expert_k (no context, run in parallel) → aggregator (output).
 * - vanilla / cot: one agent `solver`.
 * - self-consistency: one agent `solver` with `samples: k` at temperature 0.7; the executor votes.
 * - self-refine: solver → feedback → refine (refine also sees the attempt), repeated `iterations` times;
 *   output = the last refine.
 */
export function buildTopology(
  topology: BuiltinTopology,
  task: TaskType,
  name: string,
  options: TopologyOptions = {},
): System {
  const p = SEED_PROMPTS[task];
  const common: Partial<Agent> = {
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
  };
  const agents: Agent[] = [];
  const edges: Edge[] = [];
  let output: string;
  switch (topology) {
    case 'sequential': {
      const rounds = options.rounds ?? 1;
      let prev: string | null = null;
      for (let k = 1; k <= rounds; k++) {
        const s = nth('solver', k);
        const r = nth('reflector', k);
        agents.push(agent(s, 'solver', prev ? p.solverWithContext : p.solver, common));
        agents.push(agent(r, 'reflector', p.reflector, common));
        if (prev) edges.push([prev, s]);
        edges.push([s, r]);
        prev = r;
      }
      output = prev!;
      break;
    }
    case 'hierarchical': {
      const k = options.experts ?? 3;
      for (let i = 1; i <= k; i++) {
        const e = p.experts[(i - 1) % p.experts.length]!;
        agents.push(agent(`expert_${i}`, e.role, e.prompt, common));
        edges.push([`expert_${i}`, 'aggregator']);
      }
      agents.push(agent('aggregator', 'aggregator', p.aggregator, common));
      output = 'aggregator';
      break;
    }
    case 'vanilla':
    case 'cot':
      agents.push(agent('solver', 'solver', topology === 'vanilla' ? p.vanilla : p.cot, common));
      output = 'solver';
      break;
    case 'self-consistency':
      agents.push(
        agent('solver', 'solver', p.cot, {
          temperature: 0.7,
          ...common,
          samples: options.samples ?? 5,
        }),
      );
      output = 'solver';
      break;
    case 'self-refine': {
      const n = options.iterations ?? 2;
      agents.push(agent('solver', 'solver', p.cot, common));
      let attempt = 'solver';
      for (let k = 1; k <= n; k++) {
        const f = nth('feedback', k);
        const r = nth('refine', k);
        agents.push(agent(f, 'feedback', p.feedback, common));
        agents.push(agent(r, 'refiner', p.refine, common));
        edges.push([attempt, f], [attempt, r], [f, r]);
        attempt = r;
      }
      output = attempt;
      break;
    }
  }
  return {
    name,
    task,
    agents,
    edges,
    output,
    ...(options.contextMode ? { contextMode: options.contextMode } : {}),
  };
}
