import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadSplit } from '../../src/datasets/index.js';
import type { RunRecord } from '../../src/harness/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { executeItem } from '../../src/mas/execute.js';
import type { System, Trace } from '../../src/mas/types.js';
import { choosePool, readArtifact } from '../../src/optimize/index.js';
import { applyTopology, pruneTopology, withoutAgent, withoutEdge } from '../../src/optimize/prune.js';
import { mathScorer } from '../../src/tasks/math.js';
import { runMaspo } from '../support/cli.js';
import { requireDataDir } from '../support/data.js';
import { phenomenaOffWorld } from '../support/world.js';

/**
 * Topology pruning (optimize.prune): graph operations, the greedy pruning on the simulated model (a harmful
 * agent is dropped, a useful one kept), and the artifact's pruned topology applied by `maspo run` and
 * `maspo eval` (real subprocesses).
 */

const repo = resolve(import.meta.dirname, '../..');
const BOXED = 'Put your final answer inside \\boxed{}.';

/** solver (good) → meddler (always overturns: harmful) → finisher (output; terse, keeps what it reads). */
const AGENTS = [
  {
    id: 'solver',
    role: 'solver',
    prompt: `Solve the problem. Reason step by step, writing down each intermediate result. ${BOXED}\n\nProblem:\n{{question}}`,
  },
  {
    id: 'meddler',
    role: 'reviewer',
    prompt: `Review the previous solution. Always find at least one flaw in the previous answer and fix it. ${BOXED}\n\nProblem:\n{{question}}\n\nPrevious work:\n{{context}}`,
  },
  {
    id: 'finisher',
    role: 'finisher',
    prompt: `Write the final answer. Keep the previous answer unless you find a concrete error in it; only change it if you are sure it is wrong. Be terse; answer immediately with no explanation. ${BOXED}\n\nProblem:\n{{question}}\n\nPrevious work:\n{{context}}`,
  },
];
const CHAIN: System = {
  name: 'prune-chain',
  task: 'math',
  agents: AGENTS,
  edges: [
    ['solver', 'meddler'],
    ['meddler', 'finisher'],
  ],
  output: 'finisher',
};

const dag = (edges: Array<[string, string]>, output: string): System => ({
  name: 'dag',
  task: 'math',
  agents: [...new Set(edges.flat())].map((id) => ({
    id,
    role: id,
    prompt: `{{question}} {{context}} ${id}`,
  })),
  edges,
  output,
});

describe('graph operations of pruning', () => {
  it('removing an agent wires its predecessors to its successors; the output agent cannot go', () => {
    const s = dag(
      [
        ['a', 'c'],
        ['b', 'c'],
        ['c', 'd'],
        ['a', 'd'],
      ],
      'd',
    );
    const r = withoutAgent(s, 'c');
    expect(r.agents.map((a) => a.id)).toEqual(['a', 'b', 'd']);
    expect(r.edges).toEqual([
      ['a', 'd'],
      ['b', 'd'],
    ]);
    expect(() => withoutAgent(s, 'd')).toThrow(/output agent/);
  });

  it('removing an edge also removes agents that no longer reach the output', () => {
    const s = dag(
      [
        ['a', 'b'],
        ['b', 'c'],
        ['x', 'c'],
      ],
      'c',
    );
    const r = withoutEdge(s, ['b', 'c']);
    expect(r.agents.map((a) => a.id)).toEqual(['c', 'x']);
    expect(r.edges).toEqual([['x', 'c']]);
  });

  it('applyTopology keeps the declared agents (prompts, order) it names and refuses unknown ones', () => {
    const t = applyTopology(CHAIN, {
      agents: ['solver', 'finisher'],
      edges: [['solver', 'finisher']],
      output: 'finisher',
    });
    expect(t.agents).toEqual([AGENTS[0], AGENTS[2]]);
    expect(t.edges).toEqual([['solver', 'finisher']]);
    expect(() =>
      applyTopology(CHAIN, { agents: ['solver', 'ghost'], edges: [['solver', 'ghost']], output: 'ghost' }),
    ).toThrow(/ghost/);
    expect(() =>
      applyTopology(CHAIN, {
        agents: ['solver', 'meddler'],
        edges: [['solver', 'meddler']],
        output: 'finisher',
      }),
    ).toThrow(/output agent finisher/);
  });
});

describe('pruning by measured contribution on the simulated model', () => {
  const dataDir = requireDataDir();
  // The mechanism on a known harmful agent, in the world without the phenomena (in the shipped world the
  // solver's stray check values make the measured contributions a different question; docs/results.md, Table 5).
  const client = createLlmClient({
    cache: { mode: 'off' },
    sim: { dataDir, worldPath: phenomenaOffWorld() },
  });
  const prompts = Object.fromEntries(AGENTS.map((a) => [a.id, a.prompt]));
  const calls: string[][] = [];
  const prune = async (maxDrop: number, measureOnly = false) =>
    pruneTopology({
      system: CHAIN,
      items: choosePool(await loadSplit('math500', 'train', { dataDir }), 30, 1),
      prompts,
      settings: { maxDrop, edges: false },
      execute: async (s, item, p): Promise<Trace> => {
        calls.push(s.agents.map((a) => a.id));
        return executeItem(s, item, { client, model: 'sim:sim-small', prompts: p, scorer: mathScorer });
      },
      grade: async (item, out) => {
        const r = await mathScorer.score(item, out);
        return r.error ? null : r.correct;
      },
      concurrency: 8,
      ...(measureOnly ? { measureOnly } : {}),
    });

  it('drops the harmful agent and keeps the useful one', async () => {
    const { system, topology } = await prune(0.05);
    expect(topology.removed.agents).toEqual(['meddler']);
    expect(system.agents.map((a) => a.id)).toEqual(['solver', 'finisher']);
    expect(system.edges).toEqual([['solver', 'finisher']]);
    // Without the meddler the pool accuracy rose; without the solver (step 2) it fell by more than maxDrop.
    expect(topology.accuracy.pruned).toBeGreaterThan(topology.accuracy.full + 0.1);
    const solver2 = topology.trials.find((t) => t.step === 2 && t.candidate === 'agent solver')!;
    expect(solver2.dropped).toBe(false);
    expect(solver2.accuracy).toBeLessThan(topology.accuracy.pruned - 0.05);
    expect(topology.items).toBe(30);
    expect(topology.trials.filter((t) => t.dropped).map((t) => t.candidate)).toEqual(['agent meddler']);
  }, 60_000);

  it('a dry run (measureOnly) measures the first step and drops nothing', async () => {
    calls.length = 0;
    const { system, topology } = await prune(0.05, true);
    expect(system).toBe(CHAIN);
    expect(topology.removed.agents).toEqual([]);
    expect(topology.trials.map((t) => t.candidate)).toEqual(['agent solver', 'agent meddler']);
    // The full system and each of the two candidates, on every pool item.
    expect(calls.length).toBe(3 * 30);
  }, 60_000);
});

describe('the pruned topology in the artifact, applied by maspo run and maspo eval (CLI)', () => {
  it('optimize records it; run --prompts and eval run the pruned system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-prune-'));
    const config = join(dir, 'maspo.config.yaml');
    writeFileSync(
      config,
      yaml.dump({
        name: 'prune-chain',
        seed: 1,
        benchmark: 'math500',
        system: {
          topology: 'custom',
          agents: AGENTS,
          edges: CHAIN.edges,
          output: 'finisher',
        },
        models: { agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' },
        llm: { cache: { mode: 'off' }, sim: { worldPath: phenomenaOffWorld() } },
        optimize: {
          poolSize: 30,
          rounds: 1,
          generations: 1,
          minibatch: 4,
          concurrency: 4,
          validation: { enabled: false },
          prune: { maxDrop: 0.05 },
        },
        eval: { split: 'test', limit: 6 },
      }),
    );
    const art = join(dir, 'maspo.prompts.json');
    const opt = await runMaspo(['optimize', '-c', config, '--out', art, '--no-progress'], dir);
    expect(opt.code, opt.out).toBe(0);
    const artifact = readArtifact(art);
    expect(artifact.topology?.agents).toEqual(['solver', 'finisher']);
    expect(artifact.topology?.edges).toEqual([['solver', 'finisher']]);
    expect(artifact.topology?.removed.agents).toEqual(['meddler']);
    expect(Object.keys(artifact.prompts).sort()).toEqual(['finisher', 'solver']);

    const run = await runMaspo(['run', '-c', config, '--prompts', art, '--out', join(dir, 'run')], dir);
    expect(run.code, run.out).toBe(0);
    const traces = readFileSync(join(dir, 'run/traces.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Trace);
    expect(traces).toHaveLength(6);
    for (const t of traces) expect(t.records.map((r) => r.agentId)).toEqual(['solver', 'finisher']);
    // The seed prompts of the same config still run the declared three-agent chain.
    const seed = await runMaspo(['run', '-c', config, '--limit', '1', '--out', join(dir, 'seed')], dir);
    expect(seed.code, seed.out).toBe(0);
    const seedTrace = JSON.parse(readFileSync(join(dir, 'seed/traces.jsonl'), 'utf8').trim()) as Trace;
    expect(seedTrace.records.map((r) => r.agentId)).toEqual(['solver', 'meddler', 'finisher']);

    copyFileSync(join(repo, 'benchmarks/math500.eval.ts'), join(dir, 'math500.eval.ts'));
    const results = join(dir, 'results.json');
    const ev = await runMaspo(
      [
        'eval',
        '-c',
        config,
        '--prompts',
        art,
        '--no-optimize',
        '--results',
        results,
        '--summary',
        join(dir, 'summary.md'),
        '--dashboard',
        join(dir, 'dash'),
        '--history',
        join(dir, 'history.jsonl'),
      ],
      dir,
    );
    expect(ev.code, ev.out).toBe(0);
    const record = JSON.parse(readFileSync(results, 'utf8')) as RunRecord;
    const items = record.items.math500!;
    expect(items).toHaveLength(6);
    for (const i of items) expect(Object.keys(i.agents ?? {}).sort()).toEqual(['finisher', 'solver']);
  }, 180_000);
});
