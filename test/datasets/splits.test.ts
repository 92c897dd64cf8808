import { describe, expect, it } from 'vitest';
import {
  assignSplits,
  BENCHMARK_IDS,
  loadBenchmarkSync,
  loadSplit,
  loadSplitSync,
  shuffledIds,
  splitSizes,
} from '../../src/datasets/index.js';
import { requireDataDir } from '../support/data.js';

const dataDir = requireDataDir();

// Documented in docs/datasets.md; a change here changes every published number.
const SIZES = {
  math500: [100, 100, 300],
  'gpqa-diamond': [40, 40, 118],
  mbpp: [85, 85, 257],
  'humaneval-et': [33, 33, 98],
  aqua: [51, 51, 152],
  'agieval-math': [51, 51, 154],
} as const;

describe('splits', () => {
  it('splitSizes: 20/20/60 with rounding, test takes the rest', () => {
    expect(splitSizes(500)).toEqual({ train: 100, dev: 100, test: 300 });
    expect(splitSizes(164)).toEqual({ train: 33, dev: 33, test: 98 });
    expect(splitSizes(3)).toEqual({ train: 1, dev: 1, test: 1 });
    expect(splitSizes(0)).toEqual({ train: 0, dev: 0, test: 0 });
  });

  for (const id of BENCHMARK_IDS) {
    it(`${id}: documented sizes, disjoint, covering, deterministic`, async () => {
      const all = loadBenchmarkSync(id, { dataDir });
      const [train, dev, test] = await Promise.all(
        (['train', 'dev', 'test'] as const).map((s) => loadSplit(id, s, { dataDir })),
      );
      expect([train!.length, dev!.length, test!.length]).toEqual([...SIZES[id]]);
      const ids = [...train!, ...dev!, ...test!].map((i) => i.id);
      expect(new Set(ids).size).toBe(all.length);
      expect(new Set(ids)).toEqual(new Set(all.map((i) => i.id)));
      // deterministic: same call, same ids; items keep file order
      expect(loadSplitSync(id, 'train', { dataDir }).map((i) => i.id)).toEqual(train!.map((i) => i.id));
      const pos = new Map(all.map((it, k) => [it.id, k]));
      const order = test!.map((i) => pos.get(i.id)!);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    });
  }

  it('a different seed (string or number) gives a different partition of the same sizes', () => {
    const base = loadSplitSync('math500', 'train', { dataDir }).map((i) => i.id);
    const other = loadSplitSync('math500', 'train', { dataDir, seed: 42 }).map((i) => i.id);
    expect(other).toHaveLength(base.length);
    const overlap = other.filter((id) => base.includes(id)).length;
    expect(overlap).toBeLessThan(50); // ~20 expected by chance
    expect(loadSplitSync('math500', 'train', { dataDir, seed: 42 }).map((i) => i.id)).toEqual(other);
  });

  it('pinned: the first train ids under the default seed never change silently', () => {
    const a = assignSplits(loadBenchmarkSync('humaneval-et', { dataDir }).map((i) => i.id));
    expect(a.seed).toBe('maspo-splits-v1');
    // Regression pin of the documented split (sha256(seed ␀ id) order).
    expect(a.train.slice(0, 3)).toEqual(shuffledIds(a.train.concat(a.dev, a.test)).slice(0, 3));
    expect(a.train.slice(0, 3)).toMatchInlineSnapshot(`
      [
        "HumanEval/125",
        "HumanEval/124",
        "HumanEval/21",
      ]
    `);
  });

  it('depends only on the id set: input order does not matter, removing an id keeps the others in order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `x/${i}`);
    const a = shuffledIds(ids, 's');
    expect(shuffledIds([...ids].reverse(), 's')).toEqual(a);
    const without = shuffledIds(
      ids.filter((x) => x !== 'x/7'),
      's',
    );
    expect(without).toEqual(a.filter((x) => x !== 'x/7'));
    expect(() => assignSplits(['a', 'a'])).toThrow(/duplicate/);
  });

  it('rejects an unknown split name', () => {
    expect(() => loadSplitSync('aqua', 'validation' as 'dev', { dataDir })).toThrow(/unknown split/);
  });
});
