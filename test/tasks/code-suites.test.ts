/**
 * Reference solutions through the sandbox. The unit suite grades a seeded sample of 60 tasks (30
 * HumanEval-ET + 30 MBPP) and their mutants; `npm run bench sandbox` grades all 164 + 427.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchmarkSync } from '../../src/datasets/index.js';
import type { Item } from '../../src/datasets/types.js';
import { type CodeScorer, createCodeScorer } from '../../src/tasks/code/index.js';
import { checkReferenceSolutions, mutateSolution, UPSTREAM_BROKEN } from '../../src/tasks/code/selfcheck.js';
import { Prng } from '../../src/util/prng.js';
import { dataDir, requireDataDir } from '../support/data.js';

/**
 * The explicit allow-list: reference solutions that cannot pass their own tests upstream.
 * Must equal UPSTREAM_BROKEN (the bench uses that) and docs/sandbox.md.
 */
const ALLOW_LIST: Record<string, string> = {
  'HumanEval/2':
    'exact float equality in ET assert #2 (truncate_number(3.452) == 0.452; reference gives 0.45199999999999996)',
  'HumanEval/39': 'ET assert #1 prime_fib(12) needs minutes of CPU with the reference trial division',
};
/** Reference solutions needing > 1 s of CPU; graded in the bench's full sweep, not in the unit sample. */
const SLOW = new Set([
  'HumanEval/39',
  'HumanEval/55',
  'HumanEval/59',
  'HumanEval/63',
  'HumanEval/75',
  'HumanEval/147',
]);

describe('reference solutions through the sandbox', () => {
  let scorer: CodeScorer;
  let he: Item[];
  let mbpp: Item[];
  beforeAll(() => {
    requireDataDir();
    he = loadBenchmarkSync('humaneval-et', { dataDir });
    mbpp = loadBenchmarkSync('mbpp', { dataDir });
    scorer = createCodeScorer({});
  });
  afterAll(() => scorer?.close());

  it('has the full data and the documented allow-list', () => {
    expect(he.length).toBe(164);
    expect(mbpp.length).toBe(427);
    expect(Object.keys(UPSTREAM_BROKEN).sort()).toEqual(Object.keys(ALLOW_LIST).sort());
  });

  it('a seeded sample of 60 reference solutions passes and every mutant fails', async () => {
    const prng = Prng.from('maspo-sandbox-sample', 1);
    const sample = [
      ...prng.shuffle(he.filter((i) => !SLOW.has(i.id) && !ALLOW_LIST[i.id])).slice(0, 30),
      ...prng.shuffle(mbpp).slice(0, 30),
    ];
    const r = await checkReferenceSolutions(sample, scorer, { mutants: true });
    expect(r.errors).toEqual([]);
    expect(r.unexpected).toEqual([]);
    expect(r.passed.length).toBe(60);
    expect(r.survivors).toEqual([]);
  });

  it('HumanEval/2 fails at the exact-float assert #2 (upstream-broken)', async () => {
    const item = he.find((i) => i.id === 'HumanEval/2')!;
    const s = await scorer.run(item, item.meta.canonicalSolution!);
    expect(s.correct).toBe(false);
    expect(s.detail).toMatch(
      /^failed assert #2: assert truncate_number\(3\.452\) == 0\.452 — AssertionError/,
    );
  });

  it('HumanEval/39 cannot finish within a CPU budget (upstream-infeasible)', async () => {
    const quick = createCodeScorer({ timeoutMs: 1000, workers: 1 });
    try {
      const item = he.find((i) => i.id === 'HumanEval/39')!;
      const s = await quick.run(item, item.meta.canonicalSolution!);
      expect(s.correct).toBe(false);
      expect(s.error).toBeUndefined();
      expect(s.detail).toMatch(/time limit exceeded.*assert #1: assert prime_fib\(12\)/);
    } finally {
      await quick.close();
    }
  });

  it('skips ET asserts that use names the reference never defines; the MapCoder protocol keeps them', async () => {
    const item = he.find((i) => i.id === 'HumanEval/53')!;
    const ok = await scorer.run(item, item.meta.canonicalSolution!);
    expect(ok.correct).toBe(true);
    expect(ok.detail).toMatch(/skipped 1 upstream-broken assert\(s\) #7/);
    const strict = createCodeScorer({ skipInvalidAsserts: false, workers: 1 });
    try {
      const s = await strict.run(item, item.meta.canonicalSolution!);
      expect(s.correct).toBe(false);
      expect(s.detail).toMatch(/failed assert #7: assert add\(x, y\) == x \+ y — NameError/);
    } finally {
      await strict.close();
    }
    // A candidate cannot make a valid assert "invalid": the decision comes from the reference only.
    const cheat = `${item.meta.canonicalSolution}\ndel add\n`;
    expect((await scorer.run(item, cheat)).correct).toBe(false);
  });

  it('mutateSolution changes the return value of the entry point only', async () => {
    const item = mbpp.find((i) => i.id === 'mbpp/2')!;
    const mutant = mutateSolution(item.meta.canonicalSolution!, item.meta.entryPoint!);
    const s = await scorer.run(item, mutant);
    expect(s.correct).toBe(false);
    expect(s.detail).toMatch(/^failed assert #0/);
  });
});
