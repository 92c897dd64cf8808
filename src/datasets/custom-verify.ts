import { relative } from 'node:path';
import { type CustomBenchmarkSource, customSplit, loadCustomBenchmark } from './custom.js';

/** What `maspo data verify --config` reports for one of the config's own benchmarks. */
export interface CustomBenchmarkReport {
  id: string;
  /** The file as declared, relative to the working directory. */
  file: string;
  format: string;
  task: string;
  items: number;
  /** sha256 of the whole file: it enters the dataset hash, so an edit makes optimized prompts stale. */
  sha256: string;
  splits: { train: number; dev: number; test: number };
  /** How the split was made: the seeded 20/20/60 rule or the file's own column. */
  splitRule: string;
}

/**
 * Loads a custom benchmark's whole file exactly as a run would. A bad row throws the loader's DataError
 * (every problem as file:line with its fix), so a broken file is caught before any model call.
 */
export function verifyCustomBenchmark(spec: CustomBenchmarkSource): CustomBenchmarkReport {
  const loaded = loadCustomBenchmark(spec);
  const splits = {
    train: customSplit(spec, 'train').length,
    dev: customSplit(spec, 'dev').length,
    test: customSplit(spec, 'test').length,
  };
  return {
    id: spec.id,
    file: relative(process.cwd(), spec.file) || spec.file,
    format: loaded.format,
    task: spec.task,
    items: loaded.items.length,
    sha256: loaded.sha256,
    splits,
    splitRule:
      'column' in spec.split
        ? `column "${spec.split.column}"`
        : `seeded 20/20/60 (${String(spec.split.seed)})`,
  };
}
