import { sha256 } from '../util/hash.js';
import type { Item, Split } from './types.js';

export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];
export const DEFAULT_SPLIT_SEED = 'maspo-splits-v1';
/** Shares of train and dev; test gets the rest. */
export const SPLIT_FRACTIONS = { train: 0.2, dev: 0.2 } as const;

export interface SplitSizes {
  train: number;
  dev: number;
  test: number;
}

/** train = round(20% n), dev = round(20% n), test = the rest (≈ 60%). */
export function splitSizes(n: number): SplitSizes {
  const train = Math.round(n * SPLIT_FRACTIONS.train);
  const dev = Math.round(n * SPLIT_FRACTIONS.dev);
  return { train, dev, test: n - train - dev };
}

/**
 * Orders ids by sha256(seed ␀ id): a seeded shuffle that depends only on the set of ids (not on file
 * order), so it is stable while the file is unchanged, and an id keeps its relative position when
 * other ids come or go.
 */
export function shuffledIds(ids: readonly string[], seed: string | number = DEFAULT_SPLIT_SEED): string[] {
  const keyed = ids.map((id) => ({ id, key: sha256(`${seed}\u0000${id}`) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.id);
}

export interface SplitAssignment {
  seed: string;
  train: string[];
  dev: string[];
  test: string[];
}

/** Partitions ids into train/dev/test (each list in shuffled order). Duplicate ids are an error. */
export function assignSplits(
  ids: readonly string[],
  seed: string | number = DEFAULT_SPLIT_SEED,
): SplitAssignment {
  if (new Set(ids).size !== ids.length) throw new Error('assignSplits: duplicate item ids');
  const order = shuffledIds(ids, seed);
  const sizes = splitSizes(order.length);
  return {
    seed: String(seed),
    train: order.slice(0, sizes.train),
    dev: order.slice(sizes.train, sizes.train + sizes.dev),
    test: order.slice(sizes.train + sizes.dev),
  };
}

/** The items of one split, in the benchmark file's order. */
export function splitItems(
  items: readonly Item[],
  split: Split,
  seed: string | number = DEFAULT_SPLIT_SEED,
): Item[] {
  const a = assignSplits(
    items.map((i) => i.id),
    seed,
  );
  const chosen = new Set(a[split]);
  return items.filter((i) => chosen.has(i.id));
}
