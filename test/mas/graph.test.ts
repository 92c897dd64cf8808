import { describe, expect, it } from 'vitest';
import {
  ancestors,
  descendants,
  findCycle,
  levels,
  predecessors,
  successors,
  topologicalOrder,
} from '../../src/mas/graph.js';
import { validateSystem } from '../../src/mas/schema.js';
import { checkPlaceholders, renderPrompt, templateProblems } from '../../src/mas/template.js';
import { buildTopology } from '../../src/mas/topologies.js';
import type { System } from '../../src/mas/types.js';

const sys = (ids: string[], edges: Array<[string, string]>, output = ids.at(-1)!): System => ({
  name: 't',
  task: 'math',
  agents: ids.map((id) => ({ id, role: id, prompt: '{{question}} {{context}}' })),
  edges,
  output,
});

describe('graph', () => {
  const diamond = sys(
    ['d', 'b', 'a', 'c'],
    [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ],
  );

  it('orders agents so every edge points forward, whatever the declaration order', () => {
    const order = topologicalOrder(diamond);
    for (const [f, t] of diamond.edges) expect(order.indexOf(f)).toBeLessThan(order.indexOf(t));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('groups independent agents into one level', () => {
    expect(levels(diamond)).toEqual([['a'], ['b', 'c'], ['d']]);
    // A long edge does not pull an agent early: e depends on a and d, so it sits after d.
    const s = sys(
      ['a', 'b', 'c', 'd', 'e'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'd'],
        ['a', 'e'],
        ['d', 'e'],
      ],
    );
    expect(levels(s)).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
  });

  it('answers neighbourhood queries', () => {
    expect(successors(diamond, 'a')).toEqual(['b', 'c']);
    expect(predecessors(diamond, 'd')).toEqual(['b', 'c']);
    expect([...descendants(diamond, 'b')]).toEqual(['d']);
    expect([...descendants(diamond, 'a')].sort()).toEqual(['b', 'c', 'd']);
    expect([...ancestors(diamond, 'd')].sort()).toEqual(['a', 'b', 'c']);
  });

  it('finds a cycle and names its agents', () => {
    const s = sys(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'b'],
      ],
    );
    expect(findCycle(s)).toEqual(['b', 'c', 'b']);
    expect(() => levels(s)).toThrow('the agents form a cycle: b → c → b');
    expect(findCycle(diamond)).toBeNull();
  });
});

describe('templates', () => {
  it('substitutes only the two placeholders and keeps literal braces', () => {
    const t = 'Use \\frac{a}{b} and dict {} and {x: 1} and {{ question }} / {{context}} / {{other}}';
    expect(renderPrompt(t, { question: 'Q$1', context: 'C' })).toBe(
      'Use \\frac{a}{b} and dict {} and {x: 1} and Q$1 / C / {{other}}',
    );
  });

  it('does not expand placeholders inside the substituted question', () => {
    expect(renderPrompt('{{question}}|{{context}}', { question: 'a {{context}} b', context: 'X' })).toBe(
      'a {{context}} b|X',
    );
  });

  it('renders LaTeX, code and non-placeholder double braces unchanged, in one pass', () => {
    const t =
      'Find \\frac{a}{b} for {x}; {{ not a placeholder }}; \\sqrt{{y}}; f = () => {}; {{{question}}}\n{{context}}';
    const q = 'Is {{question}} or {{context}} here \\frac{1}{2}? $&';
    expect(renderPrompt(t, { question: q, context: 'CTX {{question}}' })).toBe(
      `Find \\frac{a}{b} for {x}; {{ not a placeholder }}; \\sqrt{{y}}; f = () => {}; {${q}}\nCTX {{question}}`,
    );
    // Only near-misses of the two names are errors; LaTeX-like double braces are fine.
    expect(templateProblems(t, { hasPredecessors: true })).toEqual([]);
    expect(
      templateProblems('{{Question}} {{contxt}}', { hasPredecessors: true }).map((p) => p.message),
    ).toEqual([
      'the prompt has no {{question}} placeholder',
      'the agent has upstream agents but its prompt has no {{context}} placeholder',
      '{{Question}} is not a placeholder (only {{question}} and {{context}} are)',
      '{{contxt}} is not a placeholder (only {{question}} and {{context}} are)',
    ]);
  });

  it('a source agent may read {{context}}: it is empty there, not an error', () => {
    expect(templateProblems('{{question}}\n{{context}}', { hasPredecessors: false })).toEqual([]);
    expect(renderPrompt('{{question}}\n{{context}}', { question: 'Q', context: '' })).toBe('Q\n');
  });

  it('reports missing and unknown placeholders', () => {
    expect(checkPlaceholders('{{question}} \\boxed{x}')).toEqual({
      question: true,
      context: false,
      unknown: [],
    });
    expect(checkPlaceholders('{{qestion}}')).toEqual({
      question: false,
      context: false,
      unknown: ['qestion'],
    });
  });
});

describe('built-in topologies', () => {
  it('sequential repeats the solver → reflector pair per round', () => {
    const s = buildTopology('sequential', 'math', 's', { rounds: 2 });
    expect(s.agents.map((a) => a.id)).toEqual(['solver', 'reflector', 'solver_2', 'reflector_2']);
    expect(s.edges).toEqual([
      ['solver', 'reflector'],
      ['reflector', 'solver_2'],
      ['solver_2', 'reflector_2'],
    ]);
    expect(s.output).toBe('reflector_2');
  });

  it('hierarchical runs k experts in parallel before the aggregator', () => {
    const s = buildTopology('hierarchical', 'choice', 'h', { experts: 4 });
    expect(levels(s)).toEqual([['expert_1', 'expert_2', 'expert_3', 'expert_4'], ['aggregator']]);
  });

  it('self-refine alternates feedback and refine, the refiner seeing attempt and feedback', () => {
    const s = buildTopology('self-refine', 'code', 'r', { iterations: 2 });
    expect(levels(s)).toEqual([['solver'], ['feedback'], ['refine'], ['feedback_2'], ['refine_2']]);
    expect(predecessors(s, 'refine_2')).toEqual(['refine', 'feedback_2']);
    expect(s.output).toBe('refine_2');
  });

  it('self-consistency is one sampled agent', () => {
    const s = buildTopology('self-consistency', 'math', 'sc', { samples: 7 });
    expect(s.agents).toHaveLength(1);
    expect(s.agents[0]).toMatchObject({ samples: 7, temperature: 0.7 });
  });

  it('every built-in system is valid for every task type, and seed prompts do not dictate a format', () => {
    for (const t of [
      'sequential',
      'hierarchical',
      'vanilla',
      'cot',
      'self-consistency',
      'self-refine',
    ] as const) {
      for (const task of ['math', 'choice', 'code'] as const) {
        const s = buildTopology(t, task, 'x', { rounds: 2 });
        expect(validateSystem(s)).toEqual([]);
        for (const a of s.agents) {
          expect(a.prompt).not.toMatch(/boxed|<answer>|verify|unless/i);
        }
      }
    }
  });
});
