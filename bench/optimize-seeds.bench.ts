/**
 * How robust MASPO's gain is on the simulated model: the end-to-end configuration of
 * test/optimize/e2e.test.ts (sequential system, sim-small, pool 20, minibatch 6, 2 rounds) over ten seeds,
 * each optimized map compared with the seed prompts on the MATH-500 *test* split. Simulated model only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSystem, loadConfig } from '../src/config/index.js';
import { loadSplit, resolveDataDir } from '../src/datasets/index.js';
import { createLlmClient } from '../src/llm/client.js';
import { executeItem } from '../src/mas/execute.js';
import { optimize } from '../src/optimize/index.js';
import { validateMaps } from '../src/optimize/validate.js';
import { mathScorer } from '../src/tasks/math.js';

const SMALL = { poolSize: 20, minibatch: 6, rounds: 2 };

export default async function bench(): Promise<void> {
  await sweep('small budget (pool 20, minibatch 6, 2 rounds)', SMALL);
  await sweep('paper defaults (pool 50, minibatch 10, 3 rounds)', {});
}

async function sweep(label: string, overrides: Record<string, number>): Promise<void> {
  console.log(label);
  const dataDir = resolveDataDir();
  const base = await loadConfig(resolve(import.meta.dirname, '../examples/math500-sequential.yaml'));
  const test = await loadSplit('math500', 'test', { dataDir });
  const dir = mkdtempSync(join(tmpdir(), 'maspo-seeds-'));
  const client = createLlmClient({
    cache: { mode: 'off', dir: join(dir, 'cache') },
    sim: { dataDir, ...(process.env.MASPO_SIM_WORLD ? { worldPath: process.env.MASPO_SIM_WORLD } : {}) },
  });
  const rows: Array<{ seed: number; before: number; after: number; lo: number; hi: number; p: number }> = [];
  for (let seed = 1; seed <= 10; seed++) {
    const config = {
      ...base,
      seed,
      data: { dir: dataDir },
      optimize: {
        ...base.optimize,
        ...overrides,
        validation: { ...base.optimize.validation, limit: 60 },
      },
    };
    const r = await optimize(config, {
      client,
      runsDir: join(dir, `runs-${seed}`),
      out: join(dir, `${seed}.json`),
      scorer: mathScorer,
      dataDir,
    });
    const system = buildSystem(config, 'math500');
    const seedPrompts = Object.fromEntries(system.agents.map((a) => [a.id, a.prompt]));
    const v = await validateMaps({
      system,
      items: test,
      seedPrompts,
      optimizedPrompts: r.artifact.prompts,
      execute: (item, p) =>
        executeItem(system, item, { client, model: config.models.agent, prompts: p, scorer: mathScorer }),
      scorer: mathScorer,
      settings: { ...config.optimize.validation, split: 'test' },
      concurrency: 32,
    });
    rows.push({
      seed,
      before: v.seed.accuracy,
      after: v.optimized.accuracy,
      lo: v.ci[0],
      hi: v.ci[1],
      p: v.p,
    });
    console.log(
      `seed ${String(seed).padStart(2)}: test ${(100 * v.seed.accuracy).toFixed(1)}% → ${(100 * v.optimized.accuracy).toFixed(1)}%  (Δ ${(100 * v.difference).toFixed(1)} pts, 95% CI [${(100 * v.ci[0]).toFixed(1)}, ${(100 * v.ci[1]).toFixed(1)}], p=${v.p.toExponential(1)})`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const gains = rows.map((r) => r.after - r.before);
  console.log(
    `[simulated] ${label}: mean gain ${(100 * mean(gains)).toFixed(1)} pts over ${rows.length} seeds; significant gains ${rows.filter((r) => r.lo > 0).length}/${rows.length}; significant losses ${rows.filter((r) => r.hi < 0).length}/${rows.length}`,
  );
}
