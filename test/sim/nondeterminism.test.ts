import { describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import { createSimProvider, loadWorld, SIM_VERSION } from '../../src/llm/sim/index.js';
import { renderPrompt } from '../../src/mas/template.js';
import { items } from './helpers.js';

const SOLVER = 'Solve the problem.\n\n{{question}}';

function client(nondeterminism?: number) {
  const world = structuredClone(loadWorld()); // loadWorld() may share its object: never mutate it
  if (nondeterminism !== undefined) world.agent.nondeterminism = nondeterminism;
  const list = items('math500');
  const provider = createSimProvider({ world, items: { items: () => list } });
  return createLlmClient(
    { cache: { mode: 'off', dir: '.maspo/cache-unused' } },
    { providers: { sim: provider } },
  );
}

async function texts(c: ReturnType<typeof client>, seed: number, sampleIndex = 0): Promise<string[]> {
  return Promise.all(
    items('math500')
      .slice(0, 100)
      .map(
        async (it) =>
          (
            await c.complete({
              model: 'sim:sim-small',
              role: 'agent',
              temperature: 0,
              seed,
              sampleIndex,
              messages: [
                { role: 'user', content: renderPrompt(SOLVER, { question: it.question, context: '' }) },
              ],
            })
          ).text,
      ),
  );
}

const changed = (a: string[], b: string[]) => a.filter((t, i) => t !== b[i]).length;

describe('run-to-run nondeterminism at temperature 0 (agent.nondeterminism)', () => {
  it('is on in the shipped world at a small rate, and a maintained SIM_VERSION stands for the code', () => {
    expect(loadWorld().agent.nondeterminism).toBeGreaterThan(0);
    expect(loadWorld().agent.nondeterminism).toBeLessThanOrEqual(0.5);
    expect(SIM_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('a small share of replies changes between seeds or sample indexes; the same seed replays exactly', async () => {
    const c = client();
    const s1 = await texts(c, 1);
    expect(await texts(c, 1)).toEqual(s1);
    const bySeed = changed(s1, await texts(c, 2));
    const byIndex = changed(s1, await texts(c, 1, 7));
    for (const n of [bySeed, byIndex]) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(12);
    }
  });

  it('is off at 0: temperature 0 is then bit-deterministic whatever the seed', async () => {
    const c = client(0);
    expect(changed(await texts(c, 1), await texts(c, 2))).toBe(0);
  });

  it('a larger jitter flips more items (only those near their threshold flip at small values)', async () => {
    const small = client(0.2);
    const large = client(2);
    const a = changed(await texts(small, 1), await texts(small, 2));
    const b = changed(await texts(large, 1), await texts(large, 2));
    expect(b).toBeGreaterThan(a);
  });
});
