import { isAbsolute, resolve } from 'node:path';
import { afterAll, describe, inject, TestRunner, test } from 'vitest';
import './augment.js';
import type { MaspoConfig } from '../config/index.js';
import type { BenchmarkId, Item, Split } from '../datasets/types.js';
import { BudgetExhaustedError } from '../llm/budget.js';
import type { MaspoLlmClient } from '../llm/client.js';
import type { LlmSettingsInput } from '../llm/config.js';
import { isFatalLlmError } from '../llm/errors.js';
import type { PromptMap, System } from '../mas/types.js';
import type { Scorer } from '../tasks/types.js';
import { hashValue, stableStringify } from '../util/hash.js';
import { scoredFields } from './aggregate.js';
import { itemsOfShard, type SuiteShardInfo, shardRateLimits } from './shard.js';
import type { BenchmarkThresholds, HarnessProvided, ItemResultRecord, PromptsInfo } from './types.js';
import { ITEM_RECORD_VERSION } from './types.js';

export interface BenchmarkSuiteOptions {
  /** A built-in benchmark, or the id of an inline benchmark the config declares (`{ id, file, task }`). */
  benchmark: BenchmarkId | (string & {});
  /** Default: the config's `eval.split`, else `test`. */
  split?: Split;
  /**
   * A maspo config (path, relative to the working directory, or a config object). Default: the config
   * `maspo eval --config` resolved, else the `MASPO_CONFIG` environment variable.
   */
  config?: string | MaspoConfig;
  /** Run this system instead of the one the config declares (the config still supplies models and llm settings). */
  system?: System;
  /** At most this many items (the first ones of the split, in file order). `maspo eval --limit` overrides it. */
  limit?: number;
  /** Absolute limits the gate enforces for this suite. */
  thresholds?: BenchmarkThresholds;
  /** Per-item timeout (default 300 s); on timeout the item's LLM calls are cancelled and it counts as an error. */
  timeoutMs?: number;
  /** Suite name (default `<benchmark> · <split>`). */
  name?: string;
}

interface SuiteContext {
  config: MaspoConfig;
  system: System;
  items: Item[];
  split: Split;
  prompts: PromptMap | undefined;
  promptsHash: string | undefined;
  scorer: Scorer & { close?: () => Promise<void> };
  client: MaspoLlmClient;
  /** Set in a sharded run (`maspo eval --shard i/n`): this suite's part of the run. */
  shard?: SuiteShardInfo;
}

function provided(): HarnessProvided {
  try {
    return (inject('maspo') as HarnessProvided | undefined) ?? {};
  } catch {
    return {};
  }
}

const clients = new Map<string, MaspoLlmClient>();

/** One LLM client per worker process and llm settings, so the scheduler limits all suites together. */
async function clientFor(settings: LlmSettingsInput): Promise<MaspoLlmClient> {
  const key = stableStringify(settings);
  let c = clients.get(key);
  if (!c) {
    const { createLlmClient } = await import('../llm/client.js');
    c = createLlmClient(settings);
    clients.set(key, c);
  }
  return c;
}

function configPathFrom(opts: BenchmarkSuiteOptions, p: HarnessProvided): string | MaspoConfig {
  if (opts.config !== undefined) {
    return typeof opts.config === 'string' && !isAbsolute(opts.config) ? resolve(opts.config) : opts.config;
  }
  const path = p.configPath ?? process.env.MASPO_CONFIG;
  if (!path) {
    throw new Error(
      `defineBenchmark(${opts.benchmark}): no maspo config. Pass \`config\`, run through \`maspo eval --config FILE\`, or set MASPO_CONFIG`,
    );
  }
  return resolve(path);
}

async function prepare(opts: BenchmarkSuiteOptions): Promise<SuiteContext | { skip: string }> {
  const p = provided();
  const { loadConfig, buildSystem } = await import('../config/index.js');
  const source = configPathFrom(opts, p);
  const config = typeof source === 'string' ? await loadConfig(source) : source;
  if (!opts.system && !config.benchmarks.includes(opts.benchmark)) {
    return {
      skip: `config ${config.file ?? config.name} does not list ${opts.benchmark} in \`benchmarks\``,
    };
  }
  // Prompts (and a pruned topology) from the pre-step apply when this suite runs the config they were optimized for.
  const sameConfig =
    typeof source === 'string' && p.configPath !== undefined && resolve(p.configPath) === source;
  const fromPrestep = !opts.system && (sameConfig || opts.config === undefined);
  const declared = opts.system ?? buildSystem(config, opts.benchmark);
  const topology = fromPrestep ? topologyForSuite(p.prompts, opts.benchmark) : undefined;
  const system = topology
    ? (await import('../optimize/prune.js')).applyTopology(declared, topology)
    : declared;
  const split: Split = opts.split ?? config.eval?.split ?? 'test';
  const dataDir = config.data.dir ?? p.dataDir;
  const { loadBenchmarkSplit } = await import('../datasets/index.js');
  let items = await loadBenchmarkSplit(config, opts.benchmark, split, { ...(dataDir ? { dataDir } : {}) });
  const limit = p.limit ?? opts.limit ?? config.eval?.limit;
  if (limit !== undefined) items = items.slice(0, limit);
  let shard: SuiteShardInfo | undefined;
  if (p.shard) {
    const all = items;
    items = itemsOfShard(opts.benchmark, all, p.shard);
    shard = {
      benchmark: opts.benchmark,
      split,
      total: all.length,
      dataset: hashValue(all.map((i) => [i.id, i.question, i.gold])),
      assigned: items.map((i) => i.id),
      setup: hashValue({ system, models: config.models, seed: config.seed }),
    };
  }

  const prompts = fromPrestep ? promptsForSuite(p.prompts, system, opts.benchmark) : undefined;
  const effective = Object.fromEntries(system.agents.map((a) => [a.id, prompts?.[a.id] ?? a.prompt]));
  const { scorerForBenchmark } = await import('../tasks/index.js');
  let llm: LlmSettingsInput = {
    ...(config.llm as LlmSettingsInput),
    sim: { ...(config.llm.sim ?? {}), ...(dataDir && !config.llm.sim?.dataDir ? { dataDir } : {}) },
  };
  // Rate limits belong to the API key, which every shard shares: each shard gets its 1/n of them.
  if (p.shard && config.llm.shardRateLimits === 'divide') llm = dividedLimits(llm, p.shard.count);
  const client = await clientFor(llm);
  return {
    config,
    system,
    items,
    split,
    prompts,
    promptsHash: hashValue(effective).slice(0, 16),
    scorer: scorerForBenchmark(config, opts.benchmark, system.task, { client, seed: config.seed }),
    client,
    ...(shard ? { shard } : {}),
  };
}

function dividedLimits(llm: LlmSettingsInput, count: number): LlmSettingsInput {
  return {
    ...llm,
    ...(llm.defaults ? { defaults: shardRateLimits(llm.defaults, count) } : {}),
    endpoints: Object.fromEntries(
      Object.entries(llm.endpoints ?? {}).map(([name, e]) => [name, shardRateLimits(e, count)]),
    ),
  };
}

/**
 * The prompt overrides a suite runs with. An optimized artifact records the one benchmark it was optimized
 * for (`PromptsInfo.benchmarks`); its prompts apply to that suite only. Every other suite — even one of the
 * same task type — runs its own seed prompts from the config (the sequential system's seed prompts differ
 * per task type: math, choice, code). The config's own prompts (`--seed-prompts`) are never overrides.
 */
export function promptsForSuite(
  info: PromptsInfo | undefined,
  system: Pick<System, 'agents'>,
  benchmark: string,
): PromptMap | undefined {
  if (!info || info.source === 'config') return undefined;
  if (!info.benchmarks?.includes(benchmark)) return undefined;
  const prompts: PromptMap = {};
  for (const a of system.agents) {
    const override = info.agents[a.id]?.prompt;
    if (override !== undefined) prompts[a.id] = override;
  }
  return Object.keys(prompts).length ? prompts : undefined;
}

/** The pruned topology the pre-step's prompts are for, when they apply to this benchmark. */
export function topologyForSuite(
  info: PromptsInfo | undefined,
  benchmark: string,
): PromptsInfo['topology'] | undefined {
  if (!info || info.source === 'config' || !info.benchmarks?.includes(benchmark)) return undefined;
  return info.topology;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Declares a benchmark as a Vitest suite: one concurrent test per item. A wrong answer is a passing test
 * with `correct: false` in its meta (the gate reporter judges accuracy on the aggregate); an item that
 * could not be judged (provider failure, timeout, sandbox failure) fails its test with the error.
 */
/** The first unreachable-endpoint error in this worker; later items are skipped. */
let fatal: Error | undefined;

export function defineBenchmark(opts: BenchmarkSuiteOptions): void {
  const name = opts.name ?? `${opts.benchmark} · ${opts.split ?? 'test'}`;
  describe(name, async () => {
    const ctx = await prepare(opts);
    if ('skip' in ctx) {
      test.skip(`skipped: ${ctx.skip}`, () => {});
      return;
    }
    afterAll(async () => {
      await ctx.scorer.close?.();
    });
    // Collection-time meta reaches the reporters with the collected suite.
    const suite = TestRunner.getCurrentSuite().suite;
    if (ctx.shard && suite) suite.meta.maspoShard = ctx.shard;
    // A shard with none of this suite's items still reports its (empty) share, which needs a test to run.
    if (ctx.shard && ctx.items.length === 0) test(`shard has no ${opts.benchmark} items`, () => {});
    const { system, config } = ctx;
    const model = config.models.agent;
    const simulated = model.startsWith('sim:') || system.agents.some((a) => a.model?.startsWith('sim:'));
    for (const item of ctx.items) {
      test.concurrent(item.id, { timeout: opts.timeoutMs ?? 300_000 }, async ({ task, signal, skip }) => {
        // After an unreachable endpoint, the other items are not tried: every one would fail the same way.
        if (fatal) skip(`not run: ${fatal.message}`);
        const base: ItemResultRecord = {
          v: ITEM_RECORD_VERSION,
          benchmark: opts.benchmark,
          split: ctx.split,
          system: system.name,
          model,
          id: item.id,
          correct: false,
          extracted: null,
          error: 'the item did not finish',
          misaligned: false,
          agents: {},
          usage: { calls: 0, inputTokens: 0, outputTokens: 0, usd: 0, cached: 0 },
          latencyMs: 0,
          simulated,
          ...(ctx.promptsHash ? { promptsHash: ctx.promptsHash } : {}),
          ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
        };
        task.meta.maspo = base;
        const { executeItem } = await import('../mas/execute.js');
        const { scoreTrace, usageOfTraces } = await import('../mas/evaluate.js');
        let trace: Awaited<ReturnType<typeof executeItem>>;
        try {
          trace = await executeItem(system, item, {
            client: ctx.client,
            model,
            scorer: ctx.scorer,
            signal,
            seed: config.seed,
            ...(ctx.prompts ? { prompts: ctx.prompts } : {}),
            isFatal: (e) => e instanceof BudgetExhaustedError,
          });
        } catch (err) {
          task.meta.maspo = { ...base, error: message(err) };
          // An unreachable endpoint is no item's error: maspo eval stops with it (exit 2).
          if (isFatalLlmError(err)) {
            fatal ??= err as Error;
            task.meta.maspoFatal = (err as Error).message;
          }
          throw err;
        }
        const r = await scoreTrace(system, item, trace, ctx.scorer, signal).catch((err: unknown): never => {
          task.meta.maspo = { ...base, error: `scoring failed: ${message(err)}` };
          throw err;
        });
        const usage = usageOfTraces([trace], system, model).total;
        const { error: _pending, ...rest } = base;
        const record: ItemResultRecord = {
          ...rest,
          ...scoredFields(r, usage),
          ...(item.task === 'code' ? {} : { gold: item.gold }),
          simulated: simulated || trace.simulated,
          ...(r.detail ? { detail: r.detail } : {}),
          ...(r.unsandboxed ? { unsandboxed: true as const } : {}),
        };
        task.meta.maspo = record;
        if (r.error) throw new Error(`${item.id}: ${r.error}`);
      });
    }
  });
}
