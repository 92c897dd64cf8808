import { type CustomBenchmarkSource, customSplit } from './custom.js';
import { fileExists, resolveDataDir } from './files.js';
import { type GpqaSource, gpqaSource, loadAqua, loadGpqa } from './loaders/choice.js';
import { loadHumanEvalEt, loadMbpp } from './loaders/code.js';
import type { LoadContext } from './loaders/common.js';
import { loadAgievalMath, loadMath500 } from './loaders/math.js';
import { BENCHMARKS } from './registry.js';
import { DEFAULT_SPLIT_SEED, splitItems } from './splits.js';
import { BENCHMARK_IDS, type BenchmarkId, type Item, type ItemSource, type Split } from './types.js';

export {
  CUSTOM_TASKS,
  type CustomBenchmark,
  type CustomBenchmarkSource,
  type CustomItemMeta,
  type CustomTask,
  customMeta,
  customSplit,
  familyOf,
  loadCustomBenchmark,
  type UserScorer,
} from './custom.js';
export { DataError, howToGetData } from './errors.js';
export { GPQA_ZIP_PASSWORD, resolveDataDir } from './files.js';
export {
  GPQA_DEFAULT_OPTION_SEED,
  type GpqaSource,
  gpqaItemsFromCsv,
  gpqaSource,
  parseLetteredOption,
} from './loaders/choice.js';
export { mbppEntryPoint } from './loaders/code.js';
export { formatChoiceQuestion, parseInlineOptions, pythonImports } from './loaders/common.js';
export {
  BENCHMARKS,
  type BenchmarkInfo,
  DATA_FILES,
  type DataFile,
  type DataSource,
  SOURCES,
  upstreamUrl,
} from './registry.js';
export {
  assignSplits,
  DEFAULT_SPLIT_SEED,
  SPLITS,
  type SplitAssignment,
  type SplitSizes,
  shuffledIds,
  splitItems,
  splitSizes,
} from './splits.js';
export * from './types.js';

export interface LoadOptions {
  /** Data directory; default MASPO_DATA_DIR. */
  dataDir?: string;
  /** Check sha256 against the published files (default true; MASPO_DATA_VERIFY=0 turns it off). */
  verify?: boolean;
  /** GPQA only: which copy to read (default: MASPO's jsonl if present, else the official zip, else the CSV). */
  gpqaSource?: GpqaSource;
  /** GPQA upstream CSV only: seed of the per-item option shuffle (default 'maspo-gpqa-v1'). */
  optionSeed?: string | number;
}

const LOADERS: Record<BenchmarkId, (ctx: LoadContext & { source?: GpqaSource }) => Item[]> = {
  math500: loadMath500,
  'gpqa-diamond': loadGpqa,
  mbpp: loadMbpp,
  'humaneval-et': loadHumanEvalEt,
  aqua: loadAqua,
  'agieval-math': loadAgievalMath,
};

const cache = new Map<string, readonly Item[]>();

export function isBenchmarkId(id: string): id is BenchmarkId {
  return (BENCHMARK_IDS as readonly string[]).includes(id);
}

function assertBenchmark(id: string): asserts id is BenchmarkId {
  if (!isBenchmarkId(id)) {
    throw new Error(`unknown benchmark '${id}'; known: ${BENCHMARK_IDS.join(', ')}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * A benchmark's items, normalised (see docs/datasets.md), memoised per (data dir, benchmark, options).
 * The items are frozen: copy before changing. Missing or corrupt files throw a DataError naming the file.
 */
export function loadBenchmarkSync(id: BenchmarkId, opts: LoadOptions = {}): Item[] {
  assertBenchmark(id);
  const dataDir = resolveDataDir(opts.dataDir);
  const key = [dataDir, id, opts.verify ?? '', opts.gpqaSource ?? '', opts.optionSeed ?? ''].join('\u0000');
  let items = cache.get(key);
  if (!items) {
    items = deepFreeze(
      LOADERS[id]({ dataDir, verify: opts.verify, optionSeed: opts.optionSeed, source: opts.gpqaSource }),
    );
    cache.set(key, items);
  }
  return [...items];
}

export async function loadBenchmark(id: BenchmarkId, opts: LoadOptions = {}): Promise<Item[]> {
  return loadBenchmarkSync(id, opts);
}

/** Forgets memoised items (e.g. after `maspo data pull` replaced files). */
export function clearBenchmarkCache(): void {
  cache.clear();
}

export interface SplitOptions extends LoadOptions {
  /** Split seed (default 'maspo-splits-v1'). */
  seed?: number | string;
}

/** One split (train 20% / dev 20% / test 60%) of a benchmark, in file order. */
export function loadSplitSync(id: BenchmarkId, split: Split, opts: SplitOptions = {}): Item[] {
  if (split !== 'train' && split !== 'dev' && split !== 'test') {
    throw new Error(`unknown split '${String(split)}'; use train, dev or test`);
  }
  return splitItems(loadBenchmarkSync(id, opts), split, opts.seed ?? DEFAULT_SPLIT_SEED);
}

export async function loadSplit(id: BenchmarkId, split: Split, opts: SplitOptions = {}): Promise<Item[]> {
  return loadSplitSync(id, split, opts);
}

/** Where a config's benchmarks come from: its inline (custom) benchmarks by id; any other id is built in. */
export interface BenchmarkSources {
  customBenchmarks?: Readonly<Record<string, CustomBenchmarkSource>>;
}

/** One split of one of a config's benchmarks: an inline one from its file, else a built-in from the data dir. */
export async function loadBenchmarkSplit(
  sources: BenchmarkSources,
  id: string,
  split: Split,
  opts: SplitOptions = {},
): Promise<Item[]> {
  const custom = sources.customBenchmarks?.[id];
  if (custom) return customSplit(custom, split);
  return loadSplitSync(id as BenchmarkId, split, opts);
}

/** An ItemSource over every benchmark present in a data dir (missing ones are skipped). */
export function dataItemSource(opts: LoadOptions = {}): ItemSource {
  let all: Item[] | undefined;
  return {
    items() {
      if (!all) {
        all = [];
        for (const id of BENCHMARK_IDS) {
          if (benchmarkPresent(id, opts.dataDir)) all.push(...loadBenchmarkSync(id, opts));
        }
      }
      return all;
    },
  };
}

/** Whether a data dir holds a file the benchmark's loader can read (it may still be corrupt). */
export function benchmarkPresent(id: BenchmarkId, dataDir?: string): boolean {
  const dir = resolveDataDir(dataDir);
  if (id === 'gpqa-diamond') return gpqaSource(dir) !== null;
  return fileExists(dir, BENCHMARKS[id].file);
}

/** The task type of a benchmark. */
export function taskOf(id: BenchmarkId): (typeof BENCHMARKS)[BenchmarkId]['task'] {
  return BENCHMARKS[id].task;
}
