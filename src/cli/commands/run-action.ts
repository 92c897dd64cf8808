import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildSystem, loadConfig } from '../../config/index.js';
import { preflightConfig } from '../../config/preflight.js';
import type { Split } from '../../datasets/types.js';
import { ThresholdError, UsageError } from '../../errors.js';
import { createLlmClient } from '../../llm/client.js';
import { isAbort } from '../../llm/errors.js';
import { formatRunSummary, runBenchmark, writeRunOutputs } from '../../mas/run.js';
import { validatePrompts } from '../../mas/schema.js';
import type { PromptMap } from '../../mas/types.js';
import { applyTopology, type PrunedTopology } from '../../optimize/prune.js';
import type { Scorer } from '../../tasks/types.js';
import { positiveInt } from '../flags.js';
import { abortOnCtrlC } from '../interrupt.js';

export interface RunFlags {
  config: string;
  split?: string;
  limit?: string;
  out?: string;
  benchmark?: string;
  prompts?: string;
  dataDir?: string;
  concurrency?: string;
  cache?: string;
  maxErrorRate?: string;
  progress: boolean;
}

const SPLITS = ['train', 'dev', 'test'] as const;

/** Default of `--max-error-rate`: a run where more than 5% of the items errored is not a result. */
export const DEFAULT_MAX_ERROR_RATE = 0.05;

function parseMaxErrorRate(v: string | undefined): number {
  if (v === undefined) return DEFAULT_MAX_ERROR_RATE;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--max-error-rate must be a fraction between 0 and 1 (e.g. 0.05), got "${v}"`);
  return n;
}

/** The line `maspo run` fails with (exit 1) when too many items errored; null when within the ceiling. */
export function errorRateVerdict(
  benchmark: string,
  errors: number,
  n: number,
  maxErrorRate: number,
): string | null {
  const rate = n === 0 ? 0 : errors / n;
  if (rate <= maxErrorRate) return null;
  const pct = (x: number) => `${(100 * x).toFixed(1).replace(/\.0$/, '')}%`;
  return `${benchmark}: ${errors} of ${n} items errored (${pct(rate)}), above --max-error-rate ${maxErrorRate} (${pct(maxErrorRate)}); the results are not usable. Fix the cause (see "errors" above) or raise --max-error-rate`;
}

/** What `--prompts` gave: the prompt map, and the benchmark it was optimized for when it is an artifact. */
export interface PromptsFile {
  prompts: PromptMap;
  /** Set for a maspo.prompts.json artifact: its prompts apply to this benchmark only. */
  benchmark?: string;
  /** An artifact of a pruned system (`optimize.prune`): the topology its prompts are for. */
  topology?: PrunedTopology;
}

/**
 * Reads `--prompts`: a maspo.prompts.json artifact (validated like `maspo eval` validates it; its
 * `prompts`, `benchmark` and pruned `topology` if any) or a plain `{ agentId: prompt }` map.
 */
export async function readPromptsFile(file: string): Promise<PromptsFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `${file}: ${e.code === 'ENOENT' ? 'file not found; check the path given to --prompts' : `not valid JSON: ${e.message}`}`,
    );
  }
  const obj = raw as Record<string, unknown> | null;
  if (obj && typeof obj === 'object' && !Array.isArray(obj) && 'format' in obj) {
    const { readArtifact, ArtifactError } = await import('../../optimize/artifact.js');
    try {
      const artifact = readArtifact(file);
      return {
        prompts: artifact.prompts,
        benchmark: artifact.benchmark,
        ...(artifact.topology ? { topology: artifact.topology } : {}),
      };
    } catch (err) {
      if (err instanceof ArtifactError) throw new UsageError(err.message);
      throw err;
    }
  }
  const map =
    obj && typeof obj === 'object' && obj.prompts && typeof obj.prompts === 'object' ? obj.prompts : obj;
  if (
    !map ||
    typeof map !== 'object' ||
    Array.isArray(map) ||
    !Object.values(map).every((v) => typeof v === 'string')
  ) {
    throw new UsageError(
      `${file}: expected a maspo.prompts.json artifact or a JSON object mapping agent ids to prompt templates`,
    );
  }
  return { prompts: map as PromptMap };
}

export interface RunCommandOptions {
  /** Stops the run (tests); Ctrl-C (SIGINT) also stops it with an InterruptedError. */
  signal?: AbortSignal;
  /** Whether stderr is a terminal (default: process.stderr.isTTY): a live bar, else plain lines. */
  tty?: boolean;
}

export async function runCommand(flags: RunFlags, opts: RunCommandOptions = {}): Promise<void> {
  const config = await loadConfig(flags.config);
  const split = (flags.split ?? config.eval?.split ?? 'test') as Split;
  if (!SPLITS.includes(split))
    throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${flags.split}"`);
  const limit = positiveInt('--limit', flags.limit) ?? config.eval?.limit;
  const concurrency = positiveInt('--concurrency', flags.concurrency);
  const maxErrorRate = parseMaxErrorRate(flags.maxErrorRate);
  if (flags.benchmark && !config.benchmarks.includes(flags.benchmark)) {
    throw new UsageError(
      `--benchmark ${flags.benchmark}: ${flags.config} declares ${config.benchmarks.join(', ')}; pick one of them or add it to \`benchmarks\``,
    );
  }
  const cacheMode = flags.cache;
  if (cacheMode && !['off', 'read-write', 'replay'].includes(cacheMode)) {
    throw new UsageError(`--cache must be off, read-write or replay, got "${cacheMode}"`);
  }
  const benchmarks = flags.benchmark ? [flags.benchmark] : config.benchmarks;
  const outRoot = resolve(flags.out ?? join('.maspo', 'out', config.name));
  const promptsFile = flags.prompts ? await readPromptsFile(flags.prompts) : undefined;
  const prompts = promptsFile?.prompts;
  if (promptsFile?.benchmark !== undefined) {
    const { artifactAppliesTo } = await import('../../optimize/artifact.js');
    const others = benchmarks.filter((b) => !artifactAppliesTo(promptsFile, b));
    if (others.length > 0) {
      const own = promptsFile.benchmark;
      const fix = config.benchmarks.includes(own)
        ? `pass --benchmark ${own}`
        : `optimize for ${others[0]} (\`maspo optimize --config ${flags.config}\`)`;
      throw new UsageError(
        `${flags.prompts}: optimized for ${own}, not for ${others.join(', ')}; an artifact's prompts apply to its own benchmark only (as in \`maspo eval\`). Fix: ${fix}, or give a plain {"agentId": "prompt"} map`,
      );
    }
  }

  const datasets = await import('../../datasets/index.js');
  // Inline benchmarks read their own files: a data dir is needed only for built-in ones.
  const needsDataDir = benchmarks.some((b) => !config.customBenchmarks[b]);
  let dataDir: string | undefined;
  try {
    if (needsDataDir || flags.dataDir || config.data.dir)
      dataDir = datasets.resolveDataDir(flags.dataDir ?? config.data.dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const llm = {
    ...config.llm,
    sim: {
      ...config.llm.sim,
      ...((config.llm.sim.dataDir ?? dataDir) ? { dataDir: config.llm.sim.dataDir ?? dataDir } : {}),
    },
    ...(cacheMode ? { cache: { ...config.llm.cache, mode: cacheMode as 'off' } } : {}),
  };

  // Nothing is sent before every model resolves and every API key is set (exit 2 otherwise).
  preflightConfig(config, { needsKeys: llm.cache.mode !== 'replay' });

  const ctrlC = abortOnCtrlC(
    `interrupted (Ctrl-C); nothing was written for the unfinished benchmark. Re-run \`maspo run\`${llm.cache.mode === 'off' ? '' : ' (the calls already made are reused from the cache)'}`,
    opts.signal,
  );
  const failures: string[] = [];
  try {
    for (const benchmark of benchmarks) {
      await runOne(benchmark);
    }
  } catch (err) {
    // Whatever layer noticed the abort first, report the reason (e.g. the Ctrl-C message), not a stack.
    if (ctrlC.signal.aborted && isAbort(err) && isAbort(ctrlC.signal.reason)) throw ctrlC.signal.reason;
    throw err;
  } finally {
    ctrlC.dispose();
  }
  // Every benchmark's outputs are written first; then the run fails as a whole (exit 1).
  if (failures.length > 0) throw new ThresholdError(failures.join('\nmaspo: '));

  async function runOne(benchmark: string): Promise<void> {
    let system = buildSystem(config, benchmark);
    if (promptsFile?.topology) {
      try {
        system = applyTopology(system, promptsFile.topology);
      } catch (err) {
        throw new UsageError(`${flags.prompts}: ${(err as Error).message}`);
      }
    }
    if (prompts) {
      const issues = validatePrompts(system, prompts, 'prompts');
      if (issues.length > 0) {
        throw new UsageError(`${flags.prompts}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      }
    }
    let items = await datasets.loadBenchmarkSplit(config, benchmark, split, dataDir ? { dataDir } : {});
    if (limit !== undefined) items = items.slice(0, limit);
    const client = createLlmClient(llm);
    const { scorerForBenchmark } = await import('../../tasks/index.js');
    const scorer: Scorer & { close?: () => Promise<void> } = scorerForBenchmark(
      config,
      benchmark,
      system.task,
      { client, seed: config.seed },
    );
    const bar = flags.progress
      ? await progressReporter(items.length, benchmark, opts.tty ?? process.stderr.isTTY === true)
      : null;
    try {
      const { record, traces } = await runBenchmark({
        config,
        benchmark,
        system,
        items,
        split,
        client,
        scorer,
        ...(prompts ? { prompts, promptsFile: resolve(flags.prompts!) } : {}),
        ...(concurrency ? { concurrency } : {}),
        signal: ctrlC.signal,
        onProgress: (done, _total, r) => bar?.update(done, Boolean(r.error)),
      });
      bar?.stop();
      const dir = benchmarks.length > 1 ? join(outRoot, benchmark) : outRoot;
      await writeRunOutputs(dir, record, traces);
      process.stdout.write(`${formatRunSummary(record, dir)}\n`);
      const failed = errorRateVerdict(benchmark, record.errors, record.n, maxErrorRate);
      if (failed) failures.push(failed);
    } finally {
      bar?.stop();
      await scorer.close?.();
    }
  }
}

export interface ProgressReporter {
  update(done: number, errored: boolean): void;
  stop(): void;
}

/**
 * Progress on stderr: a live bar on a terminal; otherwise (CI logs, pipes) one plain line each time
 * another ~10% of the items is done, and at the end.
 */
export async function progressReporter(
  total: number,
  label: string,
  tty: boolean,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Promise<ProgressReporter> {
  let errors = 0;
  if (!tty) {
    const step = Math.max(1, Math.ceil(total / 10));
    let next = step;
    const t0 = performance.now();
    return {
      update(done, errored) {
        if (errored) errors++;
        if (done < next && done !== total) return;
        while (next <= done) next += step;
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        write(
          `${label}: ${done}/${total} items (${Math.round((100 * done) / Math.max(1, total))}%) · ${errors} error${errors === 1 ? '' : 's'} · ${secs}s\n`,
        );
      },
      stop() {},
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} items · {errors} errors · {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { errors: 0 });
  let stopped = false;
  return {
    update(done, errored) {
      if (errored) errors++;
      bar.update(done, { errors });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
