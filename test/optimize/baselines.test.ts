import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { tpeSuggest } from '../../src/optimize/baselines/tpe.js';
import { optimize } from '../../src/optimize/index.js';
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
    }, 30_000);
  }
});
