import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../util/fs.js';
import { hashValue } from '../util/hash.js';
import { HarnessInputError } from './baseline.js';
import type { ItemResultRecord, PromptsInfo } from './types.js';

/**
 * Sharding a `maspo eval` across CI runners. Vitest's own `--shard` splits test *files*; maspo's suites are
 * six files of very different sizes, so a shard here is a set of *items*: every suite runs in every shard,
 * each with its share of the items. Shards write their item records to a shard file; `--merge` checks that
 * the shard files form one complete run and hands the union to the same reporters as an unsharded run.
 */

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export const SHARD_FILE_VERSION = 1 as const;

/** Parses `i/n` (1 ≤ i ≤ n ≤ 1000). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new HarnessInputError(
      `--shard must be i/n with 1 ≤ i ≤ n ≤ 1000 (e.g. --shard 2/3), got "${text}"`,
    );
  }
  return { index, count };
}

/**
 * The items of one shard. Within a suite the items are ranked by a hash of `benchmark/id`, and the k-th
 * ranked item goes to shard ((k + offset) mod n) + 1, the offset also hashed from the benchmark: every
 * shard gets ⌊N/n⌋ or ⌈N/n⌉ items of each suite, the spare items of different suites land on different
 * shards, and the assignment depends only on the item set (never on file order or on the other suites).
 * The shard keeps the items in their original order.
 */
export function itemsOfShard<T extends { id: string }>(
  benchmark: string,
  items: readonly T[],
  shard: ShardSpec,
): T[] {
  if (shard.count === 1) return [...items];
  const ranked = items
    .map((item) => ({ id: item.id, h: hashValue(`${benchmark}/${item.id}`) }))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  const offset = Number.parseInt(hashValue(benchmark).slice(0, 8), 16) % shard.count;
  const mine = new Set(
    ranked.filter((_, k) => (k + offset) % shard.count === shard.index - 1).map((r) => r.id),
  );
  return items.filter((i) => mine.has(i.id));
}

/** Divides a requests/tokens-per-minute limit among the shards that share one API key. */
export function shardRateLimits<
  T extends {
    requestsPerMinute?: number | undefined;
    tokensPerMinute?: number | undefined;
    [k: string]: unknown;
  },
>(limits: T, count: number): T {
  return {
    ...limits,
    ...(limits.requestsPerMinute !== undefined
      ? { requestsPerMinute: limits.requestsPerMinute / count }
      : {}),
    ...(limits.tokensPerMinute !== undefined ? { tokensPerMinute: limits.tokensPerMinute / count } : {}),
  };
}

/** What a suite reports about its part of a sharded run (in its Vitest suite meta). */
export interface SuiteShardInfo {
  benchmark: string;
  split: string;
  /** Items of the whole suite, before sharding. */
  total: number;
  /** Hash of the whole suite's item ids, questions and gold answers. */
  dataset: string;
  /** Ids this shard was assigned. */
  assigned: string[];
  /** Hash of what decides results besides the prompts: system, models, seed, llm settings (keys excluded). */
  setup: string;
}

const suiteSchema = z.object({
  benchmark: z.string(),
  split: z.string(),
  total: z.number().int().min(0),
  dataset: z.string(),
  assigned: z.array(z.string()),
  setup: z.string(),
});

/** Everything two shards must agree on to be parts of one run. */
const identitySchema = z.object({
  /** Hash of the loaded config (prompts, system, models, seed, llm settings). */
  config: z.string(),
  /** Hash of the prompts the shard evaluated. */
  prompts: z.string(),
  limit: z.number().nullable(),
  filters: z.array(z.string()),
  maspoVersion: z.string(),
});
export type ShardIdentity = z.infer<typeof identitySchema>;

const shardFileSchema = z.object({
  version: z.literal(SHARD_FILE_VERSION),
  kind: z.literal('maspo-shard'),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }),
  createdAt: z.string(),
  identity: identitySchema,
  prompts: z.unknown().optional(),
  suites: z.array(suiteSchema),
  // Item records are the harness's own output, validated for shape only where the merge depends on it.
  items: z.array(z.object({ benchmark: z.string(), id: z.string() }).passthrough()),
});

export interface ShardFile {
  version: typeof SHARD_FILE_VERSION;
  kind: 'maspo-shard';
  shard: ShardSpec;
  createdAt: string;
  identity: ShardIdentity;
  prompts?: PromptsInfo;
  suites: SuiteShardInfo[];
  items: ItemResultRecord[];
}

export const shardFileName = (s: ShardSpec) => `maspo-shard-${s.index}-of-${s.count}.json`;

export function writeShardFile(dir: string, file: ShardFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, shardFileName(file.shard));
  writeFileAtomicSync(path, `${JSON.stringify(file)}\n`);
  return path;
}

export interface MergedShards {
  count: number;
  identity: ShardIdentity;
  prompts?: PromptsInfo;
  items: ItemResultRecord[];
  files: string[];
}

/**
 * Reads every shard file in `dir` and checks that together they are exactly one run: all n shards present
 * once, made from the same config, prompts, data, models and maspo version, every assigned item reported
 * once and no item missing. Anything else is a {@link HarnessInputError} naming the problem: the gate never
 * runs on partial results.
 */
export function mergeShards(dir: string, expect?: Partial<Pick<ShardIdentity, 'config'>>): MergedShards {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(abs)
      .filter((n) => /^maspo-shard-.*\.json$/.test(n))
      .sort();
  } catch {
    throw new HarnessInputError(
      `--merge ${dir}: no such directory (download the shards' results into it first)`,
    );
  }
  if (names.length === 0) {
    throw new HarnessInputError(
      `--merge ${dir}: no shard files (maspo-shard-<i>-of-<n>.json) in it; run \`maspo eval --shard i/n --shard-dir ${dir}\` for every shard first`,
    );
  }
  const files: Array<{ name: string; data: ShardFile }> = names.map((name) => {
    const path = join(abs, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new HarnessInputError(`${path}: not valid JSON (${(err as Error).message}); re-run that shard`);
    }
    const parsed = shardFileSchema.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new HarnessInputError(
        `${path}: not a maspo shard file of version ${SHARD_FILE_VERSION} (field ${where}: ${parsed.error.issues[0]?.message}); re-run that shard with this maspo version`,
      );
    }
    return { name, data: parsed.data as unknown as ShardFile };
  });

  const counts = new Set(files.map((f) => f.data.shard.count));
  if (counts.size > 1) {
    throw new HarnessInputError(
      `--merge ${dir}: the shard files disagree on the number of shards (${files.map((f) => `${f.name}: ${f.data.shard.count}`).join(', ')}); remove the files of the other run`,
    );
  }
  const count = files[0]!.data.shard.count;
  const seen = new Map<number, string>();
  for (const f of files) {
    const other = seen.get(f.data.shard.index);
    if (other) {
      throw new HarnessInputError(
        `--merge ${dir}: shard ${f.data.shard.index}/${count} is there twice (${other} and ${f.name}); keep one`,
      );
    }
    seen.set(f.data.shard.index, f.name);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new HarnessInputError(
      `--merge ${dir}: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing; the gate never runs on partial results (re-run or download the missing shard)`,
    );
  }

  const first = files[0]!;
  for (const f of files.slice(1)) {
    for (const key of Object.keys(first.data.identity) as Array<keyof ShardIdentity>) {
      const a = JSON.stringify(first.data.identity[key]);
      const b = JSON.stringify(f.data.identity[key]);
      if (a !== b) {
        throw new HarnessInputError(
          `--merge ${dir}: ${first.name} and ${f.name} were made from different ${IDENTITY_NAMES[key]} (${a} vs ${b}); every shard must run the same commit with the same flags`,
        );
      }
    }
  }
  if (expect?.config && expect.config !== first.data.identity.config) {
    throw new HarnessInputError(
      `--merge ${dir}: the shards were made from another config than the one given here (${first.data.identity.config.slice(0, 12)} vs ${expect.config.slice(0, 12)}); merge on the same commit the shards ran`,
    );
  }

  checkSuites(dir, files);

  const items: ItemResultRecord[] = [];
  const reported = new Set<string>();
  for (const f of files) {
    const assigned = new Set(f.data.suites.flatMap((s) => s.assigned.map((id) => `${s.benchmark}/${id}`)));
    for (const r of f.data.items) {
      const key = `${r.benchmark}/${r.id}`;
      if (!assigned.has(key)) {
        throw new HarnessInputError(`--merge ${dir}: ${f.name} reports ${key}, which it was not assigned`);
      }
      if (reported.has(key)) throw new HarnessInputError(`--merge ${dir}: ${key} is reported twice`);
      reported.add(key);
      items.push(r);
    }
    for (const key of assigned) {
      if (!reported.has(key)) {
        throw new HarnessInputError(
          `--merge ${dir}: ${f.name} has no result for ${key} (the shard did not finish); re-run shard ${f.data.shard.index}/${count}`,
        );
      }
    }
  }
  return {
    count,
    identity: first.data.identity,
    ...(first.data.prompts ? { prompts: first.data.prompts } : {}),
    items,
    files: files.map((f) => join(abs, f.name)),
  };
}

const IDENTITY_NAMES: Record<keyof ShardIdentity, string> = {
  config: 'configs',
  prompts: 'prompts',
  limit: '--limit values',
  filters: 'suite filters',
  maspoVersion: 'maspo versions',
};

/** Every suite ran in every shard on the same data and setup, and the shards' assignments partition it. */
function checkSuites(dir: string, files: Array<{ name: string; data: ShardFile }>): void {
  const bySuite = new Map<string, Array<{ name: string; suite: SuiteShardInfo }>>();
  for (const f of files) {
    for (const s of f.data.suites) {
      const list = bySuite.get(s.benchmark) ?? [];
      list.push({ name: f.name, suite: s });
      bySuite.set(s.benchmark, list);
    }
  }
  for (const [benchmark, list] of bySuite) {
    if (list.length !== files.length) {
      const ran = new Set(list.map((l) => l.name));
      const absent = files.filter((f) => !ran.has(f.name)).map((f) => f.name);
      throw new HarnessInputError(
        `--merge ${dir}: the ${benchmark} suite did not run in ${absent.join(', ')}; re-run those shards`,
      );
    }
    const ref = list[0]!;
    for (const l of list.slice(1)) {
      for (const key of ['dataset', 'setup', 'split', 'total'] as const) {
        if (l.suite[key] !== ref.suite[key]) {
          const what = {
            dataset: 'data',
            setup: 'system, models or llm settings',
            split: 'split',
            total: 'item count',
          }[key];
          throw new HarnessInputError(
            `--merge ${dir}: ${ref.name} and ${l.name} ran ${benchmark} on different ${what}; every shard must run the same commit with the same data`,
          );
        }
      }
    }
    const assigned = list.reduce((n, l) => n + l.suite.assigned.length, 0);
    const ids = new Set(list.flatMap((l) => l.suite.assigned));
    if (ids.size !== assigned || assigned !== ref.suite.total) {
      throw new HarnessInputError(
        `--merge ${dir}: the shards' ${benchmark} items (${assigned}, ${ids.size} distinct) do not add up to the suite's ${ref.suite.total}; the shards were not made by the same assignment`,
      );
    }
  }
}
