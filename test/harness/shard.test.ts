import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessInputError } from '../../src/harness/baseline.js';
import {
  itemsOfShard,
  mergeShards,
  parseShard,
  SHARD_FILE_VERSION,
  type ShardFile,
  shardRateLimits,
  writeShardFile,
} from '../../src/harness/shard.js';
import type { ItemResultRecord } from '../../src/harness/types.js';

const ids = (n: number, prefix = 'q') => Array.from({ length: n }, (_, k) => ({ id: `${prefix}/${k}` }));

describe('item sharding', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2', '1/1001'])
      expect(() => parseShard(bad), bad).toThrow(HarnessInputError);
  });

  it('partitions every suite: each item in exactly one shard, shard sizes differ by at most one', () => {
    for (const n of [1, 2, 3, 4, 7]) {
      for (const size of [0, 1, 5, 100, 198]) {
        const items = ids(size, `b${size}`);
        const shards = Array.from({ length: n }, (_, k) =>
          itemsOfShard('math500', items, { index: k + 1, count: n }),
        );
        const all = shards.flat().map((i) => i.id);
        expect(new Set(all).size).toBe(size);
        expect(all.length).toBe(size);
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('depends only on the item set: not on file order, and keeps the original order', () => {
    const items = ids(50);
    const reversed = [...items].reverse();
    const a = itemsOfShard('aqua', items, { index: 2, count: 3 }).map((i) => i.id);
    const b = itemsOfShard('aqua', reversed, { index: 2, count: 3 }).map((i) => i.id);
    expect(new Set(a)).toEqual(new Set(b));
    expect(a).toEqual(items.map((i) => i.id).filter((id) => a.includes(id)));
  });

  it('spreads the spare items of different suites over different shards', () => {
    // 6 suites of 10 items over 4 shards: each suite has 2 spare items; with a per-suite offset the 12
    // spares do not all land on shards 1 and 2.
    const totals = [0, 0, 0, 0];
    for (const b of ['math500', 'gpqa-diamond', 'mbpp', 'humaneval-et', 'aqua', 'agieval-math']) {
      for (let k = 0; k < 4; k++)
        totals[k]! += itemsOfShard(b, ids(10, b), { index: k + 1, count: 4 }).length;
    }
    expect(totals.reduce((a, b) => a + b, 0)).toBe(60);
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(2);
  });

  it('divides requests and tokens per minute by the number of shards, and nothing else', () => {
    expect(
      shardRateLimits({ requestsPerMinute: 600, tokensPerMinute: 90_000, maxConcurrency: 8 }, 3),
    ).toEqual({
      requestsPerMinute: 200,
      tokensPerMinute: 30_000,
      maxConcurrency: 8,
    });
    expect(shardRateLimits({ maxConcurrency: 4 }, 3)).toEqual({ maxConcurrency: 4 });
  });
});

function record(benchmark: string, id: string, correct: boolean): ItemResultRecord {
  return {
    v: 1,
    benchmark,
    split: 'test',
    system: 's',
    model: 'sim:sim-small',
    id,
    correct,
    extracted: correct ? '1' : '2',
    misaligned: false,
    agents: {},
    usage: { calls: 2, inputTokens: 10, outputTokens: 5, usd: 0, cached: 0 },
    latencyMs: 1,
    simulated: true,
  };
}

/** n consistent shard files over one 10-item suite, as `maspo eval --shard` writes them. */
function writeShards(dir: string, n: number, edit: (f: ShardFile) => void = () => {}): void {
  const items = ids(10, 'math500');
  for (let k = 1; k <= n; k++) {
    const mine = itemsOfShard('math500', items, { index: k, count: n });
    const file: ShardFile = {
      version: SHARD_FILE_VERSION,
      kind: 'maspo-shard',
      shard: { index: k, count: n },
      createdAt: '2026-12-01T00:00:00.000Z',
      identity: { config: 'c1', prompts: 'p1', limit: null, filters: [], maspoVersion: '0.1.0' },
      suites: [
        {
          benchmark: 'math500',
          split: 'test',
          total: 10,
          dataset: 'd1',
          assigned: mine.map((i) => i.id),
          setup: 's1',
        },
      ],
      items: mine.map((i, j) => record('math500', i.id, j % 2 === 0)),
    };
    edit(file);
    writeShardFile(dir, file);
  }
}

/** Edits only shard k's file. */
const onShard =
  (k: number, edit: (f: ShardFile) => void) =>
  (f: ShardFile): void => {
    if (f.shard.index === k) edit(f);
  };

const fresh = () => mkdtempSync(join(tmpdir(), 'maspo-shards-'));

describe('merging shard files', () => {
  it('merges complete, consistent shards into every item once', () => {
    const dir = fresh();
    writeShards(dir, 3);
    const m = mergeShards(dir, { config: 'c1' });
    expect(m.count).toBe(3);
    expect(m.items.map((r) => r.id).sort()).toEqual(
      ids(10, 'math500')
        .map((i) => i.id)
        .sort(),
    );
  });

  const refuses = (setup: (dir: string) => void, message: RegExp) => {
    const dir = fresh();
    setup(dir);
    expect(() => mergeShards(dir, { config: 'c1' })).toThrow(message);
    try {
      mergeShards(dir, { config: 'c1' });
    } catch (err) {
      expect(err).toBeInstanceOf(HarnessInputError);
    }
  };

  it('refuses an empty or absent directory', () => {
    refuses(() => {}, /no shard files/);
    expect(() => mergeShards(join(fresh(), 'nope'))).toThrow(/no such directory/);
  });

  it('refuses a missing shard, naming it', () => {
    refuses((dir) => {
      writeShards(dir, 3);
      rmSync(join(dir, 'maspo-shard-2-of-3.json'));
    }, /shard 2\/3 missing/);
  });

  it('refuses a shard that is there twice', () => {
    refuses((dir) => {
      writeShards(dir, 3);
      copyFileSync(join(dir, 'maspo-shard-2-of-3.json'), join(dir, 'maspo-shard-2-of-3 (copy).json'));
    }, /shard 2\/3 is there twice/);
  });

  it('refuses shards of runs with different shard counts', () => {
    refuses((dir) => {
      writeShards(dir, 2);
      const other = fresh();
      writeShards(other, 3);
      renameSync(join(other, 'maspo-shard-3-of-3.json'), join(dir, 'maspo-shard-3-of-3.json'));
    }, /disagree on the number of shards/);
  });

  it('refuses shards made from different configs, prompts, limits or maspo versions', () => {
    const cases: Array<[(f: ShardFile) => void, RegExp]> = [
      [(f) => (f.identity.config = 'c2'), /different configs/],
      [(f) => (f.identity.prompts = 'p2'), /different prompts/],
      [(f) => (f.identity.limit = 5), /different --limit values/],
      [(f) => (f.identity.maspoVersion = '0.2.0'), /different maspo versions/],
    ];
    for (const [edit, message] of cases) {
      refuses((dir) => writeShards(dir, 3, onShard(3, edit)), message);
    }
  });

  it('refuses shards of another config than the one the merge is given', () => {
    const dir = fresh();
    writeShards(dir, 2);
    expect(() => mergeShards(dir, { config: 'other' })).toThrow(/another config than the one given here/);
  });

  it('refuses shards that ran on different data or models', () => {
    refuses(
      (dir) =>
        writeShards(
          dir,
          3,
          onShard(2, (f) => {
            f.suites[0]!.dataset = 'd2';
          }),
        ),
      /ran math500 on different data/,
    );
    refuses(
      (dir) =>
        writeShards(
          dir,
          3,
          onShard(2, (f) => {
            f.suites[0]!.setup = 's2';
          }),
        ),
      /different system, models or llm settings/,
    );
  });

  it('refuses a shard that did not finish its items, or reports items it was not given', () => {
    refuses(
      (dir) =>
        writeShards(
          dir,
          3,
          onShard(1, (f) => {
            f.items.pop();
          }),
        ),
      /has no result for math500\//,
    );
    refuses(
      (dir) =>
        writeShards(
          dir,
          3,
          onShard(1, (f) => {
            f.items.push(record('math500', 'math500/99', true));
          }),
        ),
      /not assigned/,
    );
  });

  it('refuses a suite that did not run in every shard', () => {
    refuses(
      (dir) =>
        writeShards(
          dir,
          3,
          onShard(3, (f) => {
            f.suites = [];
          }),
        ),
      /did not run in maspo-shard-3-of-3/,
    );
  });

  it('refuses unreadable shard files, naming the file', () => {
    refuses((dir) => {
      writeShards(dir, 2);
      writeFileSync(join(dir, 'maspo-shard-1-of-2.json'), '{"truncated');
    }, /maspo-shard-1-of-2\.json: not valid JSON/);
    refuses((dir) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'maspo-shard-1-of-1.json'), JSON.stringify({ version: 9 }));
    }, /not a maspo shard file/);
  });

  it('round-trips what it writes', () => {
    const dir = fresh();
    writeShards(dir, 1);
    const raw = JSON.parse(readFileSync(join(dir, 'maspo-shard-1-of-1.json'), 'utf8')) as ShardFile;
    expect(raw.kind).toBe('maspo-shard');
    expect(mergeShards(dir).items).toHaveLength(10);
  });
});
