import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { positiveInt, type RunFlags } from '../cli/commands/run.js';
import { UsageError } from '../cli/errors.js';
import { buildSystem, loadConfig } from '../config/index.js';
import type { BenchmarkId, Split } from '../datasets/types.js';
import { createLlmClient } from '../llm/client.js';
import type { Scorer } from '../tasks/types.js';
import { formatRunSummary, runBenchmark, writeRunOutputs } from './run.js';
import { validatePrompts } from './schema.js';
import type { PromptMap } from './types.js';

const SPLITS = ['train', 'dev', 'test'] as const;

/** Reads `--prompts`: a maspo.prompts.json artifact (its `prompts`) or a plain `{ agentId: prompt }` map. */
export async function readPromptsFile(file: string): Promise<PromptMap> {
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
  return map as PromptMap;
}

export async function runCommand(flags: RunFlags): Promise<void> {
  const config = await loadConfig(flags.config);
  const split = (flags.split ?? config.eval?.split ?? 'test') as Split;
  if (!SPLITS.includes(split))
    throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${flags.split}"`);
  const limit = positiveInt('--limit', flags.limit) ?? config.eval?.limit;
  const concurrency = positiveInt('--concurrency', flags.concurrency);
  if (flags.benchmark && !config.benchmarks.includes(flags.benchmark as BenchmarkId)) {
    throw new UsageError(
      `--benchmark ${flags.benchmark}: ${flags.config} declares ${config.benchmarks.join(', ')}; pick one of them or add it to \`benchmarks\``,
    );
  }
  const cacheMode = flags.cache;
  if (cacheMode && !['off', 'read-write', 'replay'].includes(cacheMode)) {
    throw new UsageError(`--cache must be off, read-write or replay, got "${cacheMode}"`);
  }
  const benchmarks = flags.benchmark ? [flags.benchmark as BenchmarkId] : config.benchmarks;
  const outRoot = resolve(flags.out ?? join('.maspo', 'out', config.name));
  const prompts = flags.prompts ? await readPromptsFile(flags.prompts) : undefined;

  const datasets = await import('../datasets/index.js');
  let dataDir: string;
  try {
    dataDir = datasets.resolveDataDir(flags.dataDir ?? config.data.dir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const llm = {
    ...config.llm,
    sim: { ...config.llm.sim, dataDir: config.llm.sim.dataDir ?? dataDir },
    ...(cacheMode ? { cache: { ...config.llm.cache, mode: cacheMode as 'off' } } : {}),
  };

  for (const benchmark of benchmarks) {
    const system = buildSystem(config, benchmark);
    if (prompts) {
      const issues = validatePrompts(system, prompts, 'prompts');
      if (issues.length > 0) {
        throw new UsageError(`${flags.prompts}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      }
    }
    let items = await datasets.loadSplit(benchmark, split, { dataDir });
    if (limit !== undefined) items = items.slice(0, limit);
    const client = createLlmClient(llm);
    const { scorerFor } = await import('../tasks/index.js');
    const scorer: Scorer & { close?: () => Promise<void> } = scorerFor(system.task);
    const bar = flags.progress && process.stderr.isTTY ? await progressBar(items.length, benchmark) : null;
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
        onProgress: (done, _total, r) => bar?.update(done, { errors: r.error ? 1 : 0 }),
      });
      bar?.stop();
      const dir = benchmarks.length > 1 ? join(outRoot, benchmark) : outRoot;
      await writeRunOutputs(dir, record, traces);
      process.stdout.write(`${formatRunSummary(record, dir)}\n`);
    } finally {
      bar?.stop();
      await scorer.close?.();
    }
  }
}

async function progressBar(total: number, label: string) {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} items · {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { errors: 0 });
  return bar;
}
