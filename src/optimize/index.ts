import type { MaspoConfig } from '../config/index.js';
import type { Item } from '../datasets/types.js';
import { BudgetExhaustedError } from '../llm/budget.js';
import type { LlmClient } from '../llm/types.js';
import type { PromptMap, System, Trace } from '../mas/types.js';
import type { Scorer } from '../tasks/types.js';
import { Prng } from '../util/prng.js';
import type { AgentRationale, CurvePoint } from './artifact.js';
import {
  type ArtifactHashes,
  type ArtifactValidation,
  artifactHashes,
  type PromptArtifact,
} from './artifact.js';
import { promptHash } from './beam.js';
import type { PrunedTopology } from './prune.js';
import {
  type CallSummary,
  diffSummary,
  openRun,
  type ResumePoint,
  type RunControl,
  summary,
} from './run-control.js';
import type {
  AgentResult,
  ProgressInfo,
  SearchContext,
  SearchResult,
  StepReport,
  Strategy,
} from './search.js';
import type { RoleCounts } from './spend.js';
import { validateMaps } from './validate.js';

export * from './artifact.js';
export { CountingClient, DryRunClient } from './calls.js';
export { type OptimizeSettings, optimizeSettingsSchema, parseOptimizeSettings } from './config.js';
export { buildSchedule } from './maspo.js';
export {
  type CallSummary,
  describeResume,
  ResumeError,
  type ResumePoint,
  type RunStateFile,
  runStateSchema,
} from './run-control.js';
export type { ProgressInfo, SearchResult, StepReport } from './search.js';

export interface OptimizeOptions {
  client: LlmClient;
  /** true: the latest run in runsDir; a string: that run id. */
  resume?: boolean | string;
  dryRun?: boolean;
  /** Default `.maspo/runs`. */
  runsDir?: string;
  /** Artifact path; default `maspo.prompts.json`. */
  out?: string;
  /** A built-in benchmark id or one of the config's inline benchmarks (default the first). */
  benchmark?: string;
  dataDir?: string;
  signal?: AbortSignal;
  onProgress?(p: ProgressInfo): void;
  /** Notices for the user: where a resumed run continues, a repaired event log. */
  notify?(message: string): void;
  /** Injected for tests: executes one item (default: the MAS executor). */
  execute?: (system: System, item: Item, prompts: PromptMap, client: LlmClient) => Promise<Trace>;
  /** Injected for tests: the gold scorer (default: scorerFor(task)). */
  scorer?: Scorer;
  /** Injected for tests: the items of a split (default: the dataset loader). */
  loadSplit?: (benchmark: string, split: 'train' | 'dev' | 'test') => Promise<Item[]>;
}

export interface DryRunReport {
  calls: RoleCounts;
  tokens: number;
  usd: number;
  phases: { search: RoleCounts; validation: RoleCounts };
  steps: number;
  scenario: string;
  /** Worst case on top of `calls.optimizer`: one validation retry per proposal (the scenario has none). */
  proposalRetries: number;
}

export interface OptimizeResult {
  runId: string | null;
  runDir: string | null;
  artifact: PromptArtifact;
  artifactPath: string | null;
  search: SearchResult;
  calls: { search: CallSummary; validation: CallSummary; total: CallSummary };
  /** Calls paid by earlier processes of a resumed run. */
  previousPaid: RoleCounts;
  /** Where a resumed run continued (null for a new run). */
  resumed: ResumePoint | null;
  dryRun: DryRunReport | null;
}

async function strategyFor(name: string): Promise<Strategy> {
  switch (name) {
    case 'maspo':
      return (await import('./maspo.js')).maspoStrategy;
    case 'spo':
      return (await import('./baselines/spo.js')).spoStrategy;
    case 'tpe':
      return (await import('./baselines/tpe.js')).tpeStrategy;
    case 'single-agent':
      return (await import('./baselines/single-agent.js')).singleAgentStrategy;
    default:
      throw new Error(`unknown optimize.strategy "${name}"`);
  }
}

/** The optimization pool: `poolSize` items of the train split, chosen by the seed (never dev or test). */
export function choosePool(train: readonly Item[], size: number, seed: number): Item[] {
  const sorted = [...train].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return Prng.from(seed, 'pool').shuffle(sorted).slice(0, Math.min(size, sorted.length));
}

export function resolveModels(config: Pick<MaspoConfig, 'models' | 'optimize'>): {
  agent: string;
  optimizer: string;
  judge: string;
} {
  const m = config.models;
  if (config.optimize.selfOptimization) return { agent: m.agent, optimizer: m.agent, judge: m.agent };
  return { agent: m.agent, optimizer: m.optimizer ?? m.agent, judge: m.judge ?? m.agent };
}

/** Runs the configured strategy, validates, and writes the prompt artifact (MASPO-ALGORITHM.md). */
export async function optimize(config: MaspoConfig, opts: OptimizeOptions): Promise<OptimizeResult> {
  const settings = config.optimize;
  const {
    benchmark,
    system: declared,
    models,
    seed,
    loadSplit,
    pool,
    hashes,
  } = await searchInputs(config, opts);
  const strategy = await strategyFor(settings.strategy);
  const run = await openRun(
    { config, benchmark, hashes, models, strategy: strategy.name },
    {
      client: opts.client,
      ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(opts.runsDir ? { runsDir: opts.runsDir } : {}),
      ...(opts.notify ? { notify: opts.notify } : {}),
    },
  );
  // A grader that calls a model (a custom benchmark's `task: judge`) spends through the run's client too:
  // its calls are counted, budgeted and reserved in the ledger like every other.
  const scorer =
    opts.scorer ??
    (config.customBenchmarks?.[benchmark]
      ? (await import('../tasks/index.js')).scorerForBenchmark(config, benchmark, declared.task, {
          client: run.client,
          seed,
        })
      : await defaultScorer(declared.task));
  const executeFn = opts.execute ?? (await defaultExecute(models.agent, scorer, opts.signal));
  const { client, recorder } = run;
  await run.start();
  // Topology pruning (optimize.prune, src/optimize/prune.ts): the search then runs on the pruned system.
  const pruned = settings.prune
    ? await (await import('./prune.js')).pruneTopology({
        system: declared,
        items: pool,
        prompts: Object.fromEntries(declared.agents.map((a) => [a.id, a.prompt])),
        settings: settings.prune,
        execute: (s, item, prompts) => executeFn(s, item, prompts, client),
        grade: async (item, output) => {
          const r = await scorer.score(item, output);
          return r.error ? null : r.correct;
        },
        concurrency: settings.concurrency,
        ...(opts.dryRun ? { measureOnly: true } : {}),
      })
    : null;
  const system = pruned?.system ?? declared;
  const ctx: SearchContext = {
    system,
    pool,
    settings,
    seed,
    models,
    client,
    execute: (item, prompts) => executeFn(system, item, prompts, client),
    grade: async (item, output) => {
      const s = await scorer.score(item, output);
      return s.error ? null : s.correct;
    },
    recorder,
    resumeState: run.resumeState,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  let search: SearchResult;
  try {
    search = await strategy.run(ctx);
  } catch (err) {
    await run.saveAfterFailure();
    throw err;
  }
  const afterSearch = summary(client);
  const seedPrompts = Object.fromEntries(system.agents.map((a) => [a.id, a.prompt]));

  const { validation, stoppedBy } = await validateOnDev({
    run,
    search,
    system,
    seedPrompts,
    scorer,
    settings,
    items: async () => {
      const items = await loadSplit(benchmark, settings.validation.split);
      return settings.validation.limit === undefined ? items : items.slice(0, settings.validation.limit);
    },
    execute: ctx.execute,
  });
  const total = summary(client);
  const artifact = buildArtifact({
    system,
    benchmark,
    strategy: strategy.name,
    seed,
    models,
    hashes,
    search,
    seedPrompts,
    validation,
    stoppedBy,
    ...(pruned ? { topology: pruned.topology } : {}),
  });

  const artifactPath = await run.finish(artifact, opts.out, {
    search: search.steps,
    judge: search.judge,
    validation,
    calls: { search: afterSearch, total },
    previousPaid: run.previousPaid,
  });
  const validationCalls = diffSummary(total, afterSearch);
  const priced = run.priced;
  return {
    runId: run.runId,
    runDir: run.runDir?.dir ?? null,
    artifact,
    artifactPath,
    search,
    calls: { search: afterSearch, validation: validationCalls, total },
    previousPaid: run.previousPaid,
    resumed: run.resumed,
    dryRun: priced
      ? {
          calls: total.requests,
          tokens: priced.tokens,
          usd: Math.round(priced.usd * 1e6) / 1e6,
          phases: { search: afterSearch.requests, validation: validationCalls.requests },
          steps: search.steps.length,
          proposalRetries: afterSearch.requests.optimizer,
          scenario:
            'every proposal new and valid, every candidate accepted (full beams); identical requests counted once',
        }
      : null,
  };
}

/** What the search runs on: the system (seed prompts), models, seed, the pool and the run's hashes. */
async function searchInputs(config: MaspoConfig, opts: OptimizeOptions) {
  const settings = config.optimize;
  const benchmark = opts.benchmark ?? config.benchmarks[0]!;
  const { buildSystem } = await import('../config/index.js');
  let system = buildSystem(config, benchmark);
  if (settings.strategy === 'single-agent') {
    const sa = await import('./baselines/single-agent.js');
    await sa.loadSingleAgent();
    system = sa.singleAgentSystem(config, benchmark);
  }
  system = {
    ...system,
    agents: system.agents.map((a) =>
      a.temperature === undefined ? { ...a, temperature: settings.agentTemperature } : a,
    ),
  };
  const models = resolveModels(config);
  const seed = settings.seed ?? config.seed;
  const dataDir = opts.dataDir ?? config.data?.dir;
  const loadSplit =
    opts.loadSplit ??
    (async (b: string, split: 'train' | 'dev' | 'test') => {
      const ds = await import('../datasets/index.js');
      return ds.loadBenchmarkSplit(config, b, split, dataDir ? { dataDir } : {});
    });
  const pool = choosePool(await loadSplit(benchmark, 'train'), settings.poolSize, seed);
  if (pool.length === 0) throw new Error(`${benchmark}: the train split is empty; nothing to optimize on`);
  const hashes = artifactHashes(config, pool, models);
  return { benchmark, system, models, seed, loadSplit, pool, hashes };
}

/**
 * Validation on the dev split: seed map vs optimized map. A budget that stopped the search (say, the
 * optimizer's) may leave room for validation's agent calls; one that leaves none skips it, loudly.
 */
async function validateOnDev(a: {
  run: RunControl;
  search: SearchResult;
  system: System;
  seedPrompts: PromptMap;
  scorer: Scorer;
  settings: MaspoConfig['optimize'];
  items: () => Promise<Item[]>;
  execute: SearchContext['execute'];
}): Promise<{ validation: ArtifactValidation | null; stoppedBy: string | null }> {
  const { run, settings } = a;
  let stoppedBy = a.search.stoppedBy;
  if (!settings.validation.enabled) return { validation: null, stoppedBy };
  const items = await a.items();
  run.client.clearBudgetError();
  try {
    const validation = await validateMaps({
      system: a.system,
      items,
      seedPrompts: a.seedPrompts,
      optimizedPrompts: a.search.prompts,
      execute: a.execute,
      scorer: a.scorer,
      settings: settings.validation,
      concurrency: settings.concurrency,
    });
    run.client.throwIfBudgetExhausted();
    await run.recorder.event({
      type: 'validation',
      split: validation.split,
      n: validation.n,
      seedAccuracy: validation.seed.accuracy,
      optimizedAccuracy: validation.optimized.accuracy,
      difference: validation.difference,
      p: validation.p,
      kept: validation.kept,
    });
    return { validation, stoppedBy };
  } catch (err) {
    if (!(err instanceof BudgetExhaustedError)) throw err;
    stoppedBy = stoppedBy ?? err.message;
    await run.recorder.event({ type: 'budget', step: -1, message: `validation skipped: ${err.message}` });
    return { validation: null, stoppedBy };
  }
}

/** The prompt artifact: the optimized map (or the seed map when validation kept it) with its record. */
function buildArtifact(a: {
  system: System;
  benchmark: string;
  strategy: string;
  seed: number;
  models: { agent: string; optimizer: string; judge: string };
  hashes: ArtifactHashes;
  search: SearchResult;
  seedPrompts: PromptMap;
  validation: ArtifactValidation | null;
  stoppedBy: string | null;
  topology?: PrunedTopology;
}): PromptArtifact {
  const { system, search, validation, models } = a;
  const keepSeed = validation?.kept === 'seed';
  const finalPrompts = keepSeed ? a.seedPrompts : search.prompts;
  return {
    format: 'maspo.prompts/v1',
    system: system.name,
    benchmark: a.benchmark,
    strategy: a.strategy,
    seed: a.seed,
    simulated: [models.agent, models.optimizer, models.judge].some((m) => m.startsWith('sim:')),
    models,
    hashes: a.hashes,
    prompts: finalPrompts,
    agents: Object.fromEntries(
      system.agents.map((agent) => {
        const r = search.agents[agent.id];
        const prompt = finalPrompts[agent.id] ?? agent.prompt;
        return [
          agent.id,
          {
            prompt,
            seedPrompt: agent.prompt,
            changed: prompt !== agent.prompt,
            hash: promptHash(prompt),
            J: keepSeed ? 0 : (r?.J ?? 0),
            lineage: keepSeed ? [] : (r?.lineage ?? []).map(({ rationale: _r, ...l }) => l),
            rationale: keepSeed ? [] : rationaleOf(r?.lineage ?? []),
            curve: curveOf(search.steps, agent.id),
          },
        ];
      }),
    ),
    validation,
    ...(a.topology ? { topology: a.topology } : {}),
    stoppedBy: a.stoppedBy,
  };
}

/** The proposer's stated rationale for each accepted step of a final prompt's lineage (seed excluded). */
export function rationaleOf(lineage: AgentResult['lineage']): AgentRationale[] {
  return lineage
    .filter((l) => l.round > 0 || l.generation > 0)
    .map((l) => ({
      hash: l.hash,
      round: l.round,
      generation: l.generation,
      R: l.R,
      text: l.rationale ?? '',
    }));
}

/**
 * An agent's optimization curve: one point per generation it ran (depth = 1, 2, … across rounds), with
 * the generation's misalignment rate, the best candidate reward R, candidates and accepted counts, and
 * the agent's best J after it. Refresh steps and the baselines' joint trials are not generations.
 */
export function curveOf(steps: readonly StepReport[], agent: string): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const s of steps) {
    if (s.kind !== 'generation' || s.agent !== agent) continue;
    const rs = s.candidates.flatMap((c) => (c.R === null ? [] : [c.R]));
    out.push({
      depth: out.length + 1,
      step: s.step,
      round: s.round,
      generation: s.generation,
      misalignmentRate: s.misalignmentRate,
      reward: rs.length > 0 ? Math.max(...rs) : null,
      candidates: s.candidates.length,
      accepted: s.candidates.filter((c) => c.accepted).length,
      bestJ: s.bestJ,
    });
  }
  return out;
}

async function defaultScorer(task: System['task']): Promise<Scorer> {
  const path = '../tasks/index.js';
  try {
    const mod = (await import(path)) as { scorerFor(task: System['task']): Scorer };
    return mod.scorerFor(task);
  } catch (err) {
    // Until the task registry exists, math still has its scorer.
    if (task !== 'math') throw err;
    return (await import('../tasks/math.js')).mathScorer;
  }
}

async function defaultExecute(
  model: string,
  scorer: Scorer,
  signal: AbortSignal | undefined,
): Promise<(system: System, item: Item, prompts: PromptMap, client: LlmClient) => Promise<Trace>> {
  const { executeItem } = await import('../mas/execute.js');
  return (system, item, prompts, client) =>
    executeItem(system, item, {
      client,
      model,
      prompts,
      scorer,
      ...(signal ? { signal } : {}),
      isFatal: (e) => e instanceof BudgetExhaustedError,
    });
}
