import { z } from 'zod';
import { ancestors, findCycle, predecessors } from './graph.js';
import { templateProblems } from './template.js';
import type { System } from './types.js';

/** One problem with a system, naming the config field (`path`) and how to fix it. */
export interface SystemIssue {
  path: string;
  message: string;
}

export const AGENT_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

export const agentSchema = z
  .object({
    id: z.string().regex(AGENT_ID, 'must start with a letter and use only letters, digits, _ and -'),
    role: z.string().min(1, 'must not be empty'),
    prompt: z.string().min(1, 'must not be empty'),
    model: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    samples: z.number().int().min(1).max(64).optional(),
  })
  .strict();

/** `[from, to]` or the string `"from -> to"`. */
export const edgeSchema = z.union([
  z.tuple([z.string(), z.string()]),
  z
    .string()
    .regex(/^\s*\S+\s*->\s*\S+\s*$/, 'write an edge as "from -> to" or [from, to]')
    .transform((s) => s.split('->').map((x) => x.trim()) as [string, string]),
]);

/**
 * Structural checks: unique ids, edges between known agents, no cycle, a known output agent that every
 * agent's work reaches, and templates with the placeholders they need. `base` prefixes field paths.
 */
export function validateSystem(system: System, base = 'system'): SystemIssue[] {
  const issues: SystemIssue[] = [];
  const ids = system.agents.map((a) => a.id);
  const known = new Set(ids);
  const list = ids.join(', ');
  const seen = new Set<string>();
  system.agents.forEach((a, i) => {
    if (seen.has(a.id)) {
      issues.push({
        path: `${base}.agents[${i}].id`,
        message: `duplicate agent id "${a.id}". Fix: give every agent a unique id`,
      });
    }
    seen.add(a.id);
  });
  if (system.agents.length === 0) {
    issues.push({
      path: `${base}.agents`,
      message: 'the system has no agents. Fix: declare at least one agent',
    });
    return issues;
  }
  let edgesOk = true;
  system.edges.forEach(([from, to], i) => {
    for (const [end, id] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!known.has(id)) {
        edgesOk = false;
        issues.push({
          path: `${base}.edges[${i}]`,
          message: `edge ${end} "${id}" is not an agent. Fix: use one of: ${list}`,
        });
      }
    }
    if (from === to && known.has(from)) {
      edgesOk = false;
      issues.push({
        path: `${base}.edges[${i}]`,
        message: `the agents form a cycle: ${from} → ${from}. Fix: remove the edge from "${from}" to itself`,
      });
    }
  });
  if (!edgesOk) return issues;
  const cycle = findCycle(system);
  if (cycle) {
    issues.push({
      path: `${base}.edges`,
      message: `the agents form a cycle: ${cycle.join(' → ')}. Fix: remove one of these edges so the graph is acyclic`,
    });
    return issues;
  }
  if (!known.has(system.output)) {
    issues.push({
      path: `${base}.output`,
      message: `output agent "${system.output}" is not an agent. Fix: set it to one of: ${list}`,
    });
  } else {
    const feeding = ancestors(system, system.output);
    const stranded = ids.filter((id) => id !== system.output && !feeding.has(id));
    if (stranded.length > 0) {
      issues.push({
        path: `${base}.output`,
        message:
          `the output agent "${system.output}" is unreachable from ${stranded.map((s) => `"${s}"`).join(', ')}, ` +
          `so their work would never reach the final answer. Fix: add edges from them towards "${system.output}", remove them, or choose another output agent`,
      });
    }
  }
  system.agents.forEach((a, i) => {
    for (const p of templateProblems(a.prompt, { hasPredecessors: predecessors(system, a.id).length > 0 })) {
      issues.push({
        path: `${base}.agents[${i}].prompt`,
        message: `agent "${a.id}": ${p.message}. Fix: ${p.fix}`,
      });
    }
  });
  return issues;
}

/** Checks prompt overrides (e.g. an optimizer's candidates) against the system: known ids, placeholders. */
export function validatePrompts(
  system: System,
  prompts: Record<string, string>,
  base = 'prompts',
): SystemIssue[] {
  const issues: SystemIssue[] = [];
  for (const [id, prompt] of Object.entries(prompts)) {
    if (!system.agents.some((a) => a.id === id)) {
      issues.push({
        path: `${base}.${id}`,
        message: `"${id}" is not an agent of this system. Fix: use one of: ${system.agents.map((a) => a.id).join(', ')}`,
      });
      continue;
    }
    for (const p of templateProblems(prompt, { hasPredecessors: predecessors(system, id).length > 0 })) {
      issues.push({ path: `${base}.${id}`, message: `agent "${id}": ${p.message}. Fix: ${p.fix}` });
    }
  }
  return issues;
}
