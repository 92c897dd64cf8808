import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { tpeSuggest } from '../../src/optimize/baselines/tpe.js';
import { optimize, readArtifact } from '../../src/optimize/index.js';
import { mathScorer } from '../../src/tasks/math.js';
import { Prng } from '../../src/util/prng.js';
import { requireDataDir } from '../support/data.js';

const root = resolve(import.meta.dirname, '../..');

describe('baseline strategies behind the same interface', () => {
  it('TPE prefers the options of the best trials', () => {
    const trials = [
      { choice: [1, 0], score: 0.9 },
      { choice: [1, 2], score: 0.8 },
      { choice: [0, 2], score: 0.1 },
      { choice: [2, 0], score: 0.2 },
    ];
    expect(tpeSuggest(trials, [3, 3], 0.5, new Prng(1))[0]).toBe(1);
  });

  for (const strategy of ['spo', 'tpe'] as const) {
    it(`${strategy}: runs on the simulated model and writes a validated artifact`, async () => {
      const dataDir = requireDataDir();
      const config = await loadConfig(join(root, 'examples/math500-sequential.yaml'));
      const dir = mkdtempSync(join(tmpdir(), `maspo-${strategy}-`));
      const r = await optimize(
        {
          ...config,
          optimize: {
            ...config.optimize,
            strategy,
            rounds: 1,
            generations: 2,
            poolSize: 20,
            minibatch: 6,
            tpe: { ...config.optimize.tpe, trials: 6 },
            validation: { ...config.optimize.validation, limit: 40 },
          },
        },
        {
          client: createLlmClient({ cache: { mode: 'off' }, sim: { dataDir } }),
          runsDir: join(dir, 'runs'),
          out: join(dir, 'p.json'),
          scorer: mathScorer,
          dataDir,
        },
      );
      expect(r.artifact.strategy).toBe(strategy);
      expect(r.artifact.validation?.n).toBe(40);
      expect(r.calls.total.paid.optimizer).toBeGreaterThan(0);
      expect(Object.keys(r.artifact.prompts).sort()).toEqual(['reflector', 'solver']);
      // Judge statistics are complete (SPO: one pair per judged item, votes in alternating orders).
      const j = r.search.judge;
      if (strategy === 'spo') {
        expect(j.pairs).toBeGreaterThan(0);
        // At judge temperature 0 repeated votes cannot differ: one vote per order, not spo.votes (4).
        expect(j.calls).toBe(j.pairs * 2);
        expect(j.orderPairs).toBe(j.pairs);
        // The simulated judge has a position bias, so some vote pairs flip with the order; a flip within
        // an item makes its votes disagree.
        expect(j.flips).toBeGreaterThan(0);
        expect(j.ties).toBeGreaterThan(0);
        expect(j.flips).toBeLessThanOrEqual(j.pairs);
        expect(j.parseFailures).toBe(0);
        const candidates = r.search.steps.flatMap((s) => s.candidates);
        const accepted = candidates.filter((c) => c.accepted).length;
        // Each candidate names its real parent (the incumbent it was judged against), never itself.
        for (const c of candidates) expect(c.parent).not.toBe(c.hash);
        for (const ag of Object.values(r.artifact.agents)) {
          const parents = candidates.filter((c) => c.accepted).map((c) => c.parent);
          for (const l of ag.lineage.slice(0, -1))
            expect(parents.includes(l.hash) || l.round === 0).toBe(true);
        }
        const steps = Object.values(r.artifact.agents).flatMap((a) => a.rationale ?? []);
        expect(steps.length).toBe(accepted);
        for (const s of steps) expect(s.text.length).toBeGreaterThan(0);
      }
    }, 30_000);
  }

  for (const method of ['cot', 'self-consistency'] as const) {
    it(`single-agent (${method}): no search, the single-agent system is validated and written`, async () => {
      const dataDir = requireDataDir();
      const config = await loadConfig(join(root, 'examples/math500-sequential.yaml'));
      const dir = mkdtempSync(join(tmpdir(), 'maspo-single-'));
      const r = await optimize(
        {
          ...config,
          optimize: {
            ...config.optimize,
            strategy: 'single-agent',
            singleAgent: { ...config.optimize.singleAgent, method, samples: 3 },
            validation: { ...config.optimize.validation, limit: 40 },
          },
        },
        {
          client: createLlmClient({ cache: { mode: 'off' }, sim: { dataDir } }),
          runsDir: join(dir, 'runs'),
          out: join(dir, 'p.json'),
          scorer: mathScorer,
          dataDir,
        },
      );
      const a = readArtifact(join(dir, 'p.json'));
      expect(a.strategy).toBe('single-agent');
      expect(a.simulated).toBe(true);
      // The sequential system was replaced by a one-agent system; nothing was optimized.
      expect(Object.keys(a.prompts)).toHaveLength(1);
      const [agent] = Object.values(a.agents);
      expect(agent!.changed).toBe(false);
      expect(agent!.prompt).toBe(agent!.seedPrompt);
      expect(r.search.steps).toEqual([]);
      expect(r.calls.total.paid.optimizer).toBe(0);
      expect(r.calls.total.paid.judge).toBe(0);
      // Validated like a map: the same prompts on both sides, so no difference, and kept.
      expect(a.validation?.n).toBe(40);
      expect(a.validation?.difference).toBe(0);
      expect(a.validation?.seed.accuracy).toBeGreaterThan(0);
      // Self-consistency samples k answers per question; CoT asks once.
      expect(r.calls.total.paid.agent).toBe(method === 'cot' ? 40 : 3 * 40);
    }, 30_000);
  }
});
