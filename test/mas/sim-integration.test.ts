import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSplit } from '../../src/datasets/index.js';
import type { Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { type SimServer, startSimServer } from '../../src/llm/sim/server.js';
import { evaluateSystem, type RunResults } from '../../src/mas/evaluate.js';
import { buildTopology } from '../../src/mas/topologies.js';
import type { Trace } from '../../src/mas/types.js';
import { mathScorer } from '../../src/tasks/math.js';
import { requireDataDir } from '../support/data.js';

/** The sequential solver → reflector system on 50 MATH-500 test items, on the simulated model. */
const system = buildTopology('sequential', 'math', 'math500-sequential');
let items: Item[];
let dataDir: string;

const strip = (r: RunResults & { traces: Trace[] }) => ({
  items: r.items.map(({ latencyMs: _l, ...rest }) => rest),
  outputs: r.traces.map((t) => t.records.map((x) => [x.agentId, x.messages, x.output, x.extracted])),
  accuracy: r.accuracy,
  misalignmentRate: r.misalignmentRate,
});

beforeAll(async () => {
  dataDir = requireDataDir();
  items = (await loadSplit('math500', 'test', { dataDir })).slice(0, 50);
});

describe('sequential system on the simulated model', () => {
  let first: RunResults & { traces: Trace[] };

  it('gives the same results twice (seeded, no cache)', async () => {
    const run = () =>
      evaluateSystem(system, items, {
        client: createLlmClient({ cache: { mode: 'off' }, sim: { dataDir } }),
        model: 'sim:sim-small',
        scorer: mathScorer,
        seed: 1,
      });
    first = await run();
    const second = await run();
    expect(first.n).toBe(50);
    expect(first.errors).toBe(0);
    expect(first.simulated).toBe(true);
    expect(first.usage.total.calls).toBe(100);
    // Not degenerate: some right, some wrong.
    expect(first.correct).toBeGreaterThan(0);
    expect(first.correct).toBeLessThan(50);
    expect(strip(second)).toEqual(strip(first));
    for (const t of first.traces) {
      expect(t.records.map((r) => r.agentId)).toEqual(['solver', 'reflector']);
      expect(t.simulated).toBe(true);
    }
  });

  describe('over the loopback server', () => {
    let server: SimServer;
    beforeAll(async () => {
      server = await startSimServer({ dataDir });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('gives the same results as in process', async () => {
      const client = createLlmClient({ cache: { mode: 'off' } }, { env: {} });
      const viaHttp = await evaluateSystem(system, items, {
        client,
        model: `openai-compatible:sim-small@${server.url}`,
        scorer: mathScorer,
        seed: 1,
      });
      expect(viaHttp.errors).toBe(0);
      expect(strip(viaHttp)).toEqual(strip(first));
      expect(server.stats.requests).toBe(100);
    });
  });

  it('records failed calls as errors, never as wrong answers', async () => {
    const server = await startSimServer({ dataDir, faults: { '500': 0.3 }, seed: 3 });
    try {
      const client = createLlmClient(
        { cache: { mode: 'off' }, defaults: { maxRetries: 0 }, retry: { baseDelayMs: 0, maxDelayMs: 0 } },
        { env: {} },
      );
      const res = await evaluateSystem(system, items.slice(0, 20), {
        client,
        model: `openai-compatible:sim-small@${server.url}`,
        scorer: mathScorer,
        seed: 1,
      });
      expect(res.errors).toBeGreaterThan(0);
      const errored = res.items.filter((r) => r.error);
      expect(errored.length).toBe(res.errors);
      for (const r of errored) {
        expect(r.correct).toBe(false);
        expect(r.misaligned).toBe(false);
        expect(r.error).toMatch(/agent "(solver|reflector)"/);
      }
      // Items that did not error are graded exactly as in the fault-free run.
      const clean = new Map(first.items.map((r) => [r.id, r.correct]));
      for (const r of res.items.filter((x) => !x.error)) expect(r.correct).toBe(clean.get(r.id));
      expect(res.misalignmentRate).toBeCloseTo(
        res.items.filter((r) => r.misaligned).length / (res.n - res.errors),
      );
    } finally {
      await server.close();
    }
  });
});
