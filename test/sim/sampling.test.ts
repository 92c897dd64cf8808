import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSystem, loadConfig } from '../../src/config/index.js';
import { loadSplit } from '../../src/datasets/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { evaluateSystem } from '../../src/mas/evaluate.js';
import { mathScorer } from '../../src/tasks/math.js';
import { requireDataDir } from '../support/data.js';
import { items, sim } from './helpers.js';

const example = async (name: string) =>
  buildSystem(await loadConfig(resolve(import.meta.dirname, `../../examples/${name}.yaml`)), 'math500');

describe('samples at temperature > 0 are correlated (agent.sampleCorrelation, difficulty.itemSpread)', () => {
  it('self-consistency (5 samples, majority vote) gains moderately over CoT on 200 MATH-500 test items', async () => {
    const items = (await loadSplit('math500', 'test', { dataDir: requireDataDir() })).slice(0, 200);
    const client = createLlmClient(
      { cache: { mode: 'off', dir: '.maspo/cache-unused' } },
      { providers: { sim: sim().provider } },
    );
    const acc = async (name: string) =>
      (
        await evaluateSystem(await example(name), items, {
          client,
          model: 'sim:sim-small',
          scorer: mathScorer,
        })
      ).accuracy;
    const cot = await acc('math500-cot');
    const sc = await acc('math500-self-consistency');
    console.log(
      `simulated model, MATH-500 test[0:200]: CoT ${cot.toFixed(3)}, self-consistency@5 ${sc.toFixed(3)}`,
    );
    expect(sc).toBeGreaterThan(cot);
    expect(sc - cot).toBeLessThan(0.12);
  });

  it('two samples of one prompt agree on right/wrong far more often than independent draws would', () => {
    const { provider } = sim();
    const prompt = 'Solve the problem. Put your final answer inside \\boxed{}.\n\n';
    let agree = 0;
    let n = 0;
    let rightA = 0;
    for (const it of items('math500').slice(0, 200)) {
      const r = (i: number) =>
        provider
          .reply({
            model: 'sim-small',
            messages: [{ role: 'user', content: prompt + it.question }],
            temperature: 0.7,
            seed: 3,
            sampleIndex: i,
          })
          .text.includes(`\\boxed{${it.gold}}`);
      const a = r(1);
      const b = r(2);
      n++;
      if (a) rightA++;
      if (a === b) agree++;
    }
    const p = rightA / n;
    const independent = p * p + (1 - p) * (1 - p);
    expect(n).toBe(200);
    expect(agree / n).toBeGreaterThan(independent + 0.15);
  });
});
