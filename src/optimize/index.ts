import { join, resolve } from 'node:path';
import type { MaspoConfig } from '../config/index.js';
import type { Item } from '../datasets/types.js';
import { BudgetExhaustedError, Meter } from '../llm/budget.js';
import { parseModelRef } from '../llm/model-ref.js';
import type { ChatRequest, ChatResponse, LlmClient } from '../llm/types.js';
import type { PromptMap, System, Trace } from '../mas/types.js';
import type { Scorer } from '../tasks/types.js';
import { Prng } from '../util/prng.js';
import type { AgentRationale, CurvePoint } from './artifact.js';
import {
  type ArtifactHashes,
  type ArtifactValidation,
  artifactHashes,
  type PromptArtifact,
  writeArtifact,
} from './artifact.js';
import { promptHash } from './beam.js';
import {
  CountingClient,
  DryRunClient,
  type RoleCounts,
  type Spend,
  zeroCounts,
  zeroSpend,
} from './calls.js';
import { LEDGER_FILE, SpendLedger } from './ledger.js';
import { newRunId, nullRecorder, type Recorder, RunDir } from './rundir.js';
import type {
  AgentResult,
  ProgressInfo,
  SearchContext,
  SearchResult,
  StepReport,
  Strategy,
} from './search.js';
import { subCounts } from './spend.js';
import { validateMaps } from './validate.js';

export * from './artifact.js';
export { CountingClient, DryRunClient } from './calls.js';
export { type OptimizeSettings, optimizeSettingsSchema, parseOptimizeSettings } from './config.js';
export { buildSchedule } from './maspo.js';
export type { ProgressInfo, SearchResult, StepReport } from './search.js';

/** Raised when `--resume` cannot continue (no run, or config/dataset/models changed). */
export class ResumeError extends Error {
  override name = 'ResumeError';
}

export interface OptimizeOptions {
  client: LlmClient;
  /** true: the latest run in runsDir; a string: that run id. */
  resume?: boolean | string;
  dryRun?: boolean;
  /** Default `.maspo/runs`. */
  runsDir?: string;
  /** Artifact path; default `maspo.prompts.json`. */
  out?: string;
  /** Which of the config's benchmarks (default the first). */
  /** A built-in benchmark id or one of the config's inline benchmarks. */
  benchmark?: string;
  dataDir?: string;
  signal?: AbortSignal;
  onProgress?(p: ProgressInfo): void;
  /** Injected for tests: executes one item (default: the MAS executor). */
  execute?: (system: System, item: Item, prompts: PromptMap, client: LlmClient) => Promise<Trace>;
  /** Injected for tests: the gold scorer (default: scorerFor(task)). */
  scorer?: Scorer;
  /** Injected for tests: the items of a split (default: the dataset loader). */
  loadSplit?: (benchmark: string, split: 'train' | 'dev' | 'test') => Promise<Item[]>;
}

export interface CallSummary {
  /** Distinct requests made, per role (identical requests are sent once per run). */
  requests: RoleCounts;
  /** Paid calls (requests not answered by the response cache). */
  paid: RoleCounts;
  /** Requests answered by the response cache. */
  cached: RoleCounts;
  /** Duplicate requests answered from the run's memo. */
  deduplicated: RoleCounts;
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
  dryRun: DryRunReport | null;
}

export interface RunStateFile {
  format: 'maspo.run/v1';
  runId: string;
  strategy: string;
  status: 'running' | 'done' | 'stopped';
  hashes: ArtifactHashes;
  models: { agent: string; optimizer: string; judge: string };
  benchmark: string;
  /** The config's `name`: `--resume` without a run id picks the latest run of the same config. */
  configName?: string;
  /** Paid calls across every process of this run (budget counters; = spent.calls). */
  paid: RoleCounts;
  /** Paid calls, tokens and USD across every process of this run, checked against llm.budget on resume. */
  spent?: Spend;
  /** Lines in events.jsonl at this checkpoint: on resume, events replayed past it are not logged twice. */
  events?: number;
  search: unknown;
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

function summary(c: CountingClient): CallSummary {
  return {
    requests: { ...c.requests },
    paid: c.paid(),
    cached: { ...c.cached },
    deduplicated: { ...c.memoHits },
  };
}
function diffSummary(a: CallSummary, b: CallSummary): CallSummary {
  return {
    requests: subCounts(a.requests, b.requests),
    paid: subCounts(a.paid, b.paid),
    cached: subCounts(a.cached, b.cached),
    deduplicated: subCounts(a.deduplicated, b.deduplicated),
  };
}

/** A client wrapper that prices every dry-run response with the price table (nothing is sent anywhere). */
class PricedClient implements LlmClient {
  usd = 0;
  tokens = 0;
  constructor(
    private readonly inner: LlmClient,
    private readonly meter: Meter,
  ) {}
  async complete(request: ChatRequest): Promise<ChatResponse> {
    const r = await this.inner.complete(request);
    this.tokens += r.usage.inputTokens + r.usage.outputTokens;
    this.usd += this.meter.costOf(parseModelRef(request.model).model, r.usage);
    return r;
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
  const scorer =
    opts.scorer ??
    (config.customBenchmarks?.[benchmark]
      ? (await import('../tasks/index.js')).scorerForBenchmark(config, benchmark, system.task, {
          client: opts.client,
          seed,
        })
      : await defaultScorer(system.task));
  const executeFn = opts.execute ?? (await defaultExecute(models.agent, scorer, opts.signal));

  // Where the run lives.
  const runsDir = resolve(opts.runsDir ?? '.maspo/runs');
  let runDir: RunDir | null = null;
  let runId: string | null = null;
  let resumeState: unknown = null;
  let previousPaid = zeroCounts();
  let previousSpend = zeroSpend();
  /** Events logged when the search state was last checkpointed (what a resume replays from). */
  let eventsAtCheckpoint = 0;
  if (!opts.dryRun) {
    if (opts.resume) {
      // Without a run id: the latest run this very config started, else the latest run of a config with
      // the same name (so the refusal below can say what changed); runs of other configs are not ours.
      runId =
        typeof opts.resume === 'string'
          ? opts.resume
          : (RunDir.latest<RunStateFile>(runsDir, (s) => s.hashes?.config === hashes.config) ??
            RunDir.latest<RunStateFile>(
              runsDir,
              (s) => s.configName === config.name && s.benchmark === benchmark,
            ));
      if (!runId)
        throw new ResumeError(
          `nothing to resume: no run of config "${config.name}" (${benchmark}) with a state.json in ${runsDir}. Start one without --resume, or pass a run id.`,
        );
      runDir = RunDir.create(runsDir, runId);
      const prev = runDir.readState<RunStateFile>();
      if (!prev)
        throw new ResumeError(
          `cannot resume ${runId}: ${runDir.statePath} does not exist. Start a new run without --resume.`,
        );
      const changed: string[] = [];
      if (prev.hashes.config !== hashes.config)
        changed.push('the config (system, optimize settings, seed or benchmarks)');
      if (prev.hashes.dataset !== hashes.dataset) changed.push('the dataset split');
      if (prev.hashes.models !== hashes.models)
        changed.push(`the models (run used ${JSON.stringify(prev.models)})`);
      if (changed.length > 0) {
        throw new ResumeError(
          `cannot resume run ${runId}: since it started, ${changed.join(' and ')} changed. Restore them, or start a new run without --resume.`,
        );
      }
      resumeState =
        prev.status === 'running' || prev.status === 'stopped' || prev.status === 'done' ? prev.search : null;
      previousSpend = prev.spent ?? { ...zeroSpend(), calls: prev.paid ?? zeroCounts() };
      // Steps after the last checkpoint are replayed: their events are in the log already.
      const cursor = (resumeState as { cursor?: unknown } | null)?.cursor;
      eventsAtCheckpoint = await runDir.openForResume(
        prev.events ?? null,
        typeof cursor === 'number' ? cursor : null,
      );
    } else {
      runId = newRunId(hashes.config);
      runDir = RunDir.create(runsDir, runId);
    }
  }

  // The write-ahead ledger: every paid call of every process of this run, reserved before it is sent.
  const ledger = runDir ? SpendLedger.open(join(runDir.dir, LEDGER_FILE), previousSpend) : null;
  if (ledger) {
    previousSpend = ledger.previous;
    previousPaid = { ...ledger.previous.calls };
  }
  const dryMeter = new Meter({}, config.llm?.prices ?? {});
  const priced = opts.dryRun ? new PricedClient(new DryRunClient(), dryMeter) : null;
  // The run's budget holds across a crash: what earlier processes of a resumed run paid counts against it.
  const client = new CountingClient(
    priced ?? opts.client,
    priced
      ? null
      : {
          limits: config.llm?.budget ?? {},
          costOf: (model, usage) => dryMeter.costOf(parseModelRef(model).model, usage),
        },
    ledger ?? undefined,
  );
  const strategy = await strategyFor(settings.strategy);
  let status: RunStateFile['status'] = 'running';
  const stateFile = (search: unknown): RunStateFile => ({
    format: 'maspo.run/v1',
    runId: runId!,
    strategy: strategy.name,
    status,
    hashes,
    models,
    benchmark,
    configName: config.name,
    paid: client.ledger.total().calls,
    spent: client.ledger.total(),
    events: eventsAtCheckpoint,
    search,
  });
  // A deep copy of the last checkpointed search state: a step cut short by a budget may have mutated the
  // live state, and the final state.json must hold the checkpoint (so the step is redone on resume).
  const snapshot = (s: unknown): unknown => (s === null || s === undefined ? null : structuredClone(s));
  let lastSearchState: unknown = snapshot(resumeState);
  const recorder: Recorder = runDir
    ? {
        event: (e) => runDir.event(e),
        writeJson: (name, data) => runDir.writeJson(name, data),
        writeState: (s) => {
          lastSearchState = snapshot(s);
          eventsAtCheckpoint = runDir.eventCount;
          return runDir.writeState(stateFile(s));
        },
      }
    : nullRecorder;

  await recorder.event({
    type: 'run-start',
    runId: runId ?? 'dry-run',
    strategy: strategy.name,
    steps: 0,
    ...(opts.resume ? { resumedAt: Date.now() } : {}),
    ...(opts.resume && typeof (resumeState as { cursor?: unknown } | null)?.cursor === 'number'
      ? { fromStep: (resumeState as { cursor: number }).cursor }
      : {}),
    hashes: { ...hashes },
  });
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
    resumeState,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  let search: SearchResult;
  try {
    search = await strategy.run(ctx);
  } catch (err) {
    // Ctrl-C or an error: checkpoint the spend so far (the search state stays at its last checkpoint).
    if (runDir) await runDir.writeState(stateFile(lastSearchState)).catch(() => {});
    throw err;
  }
  const afterSearch = summary(client);
  const seedPrompts = Object.fromEntries(system.agents.map((a) => [a.id, a.prompt]));

  // Validation on the dev split: seed map vs optimized map.
  let validation: ArtifactValidation | null = null;
  let stoppedBy = search.stoppedBy;
  if (settings.validation.enabled) {
    let items = await loadSplit(benchmark, settings.validation.split);
    if (settings.validation.limit !== undefined) items = items.slice(0, settings.validation.limit);
    // A budget that stopped the search (say, the optimizer's) may leave room for validation's agent calls.
    client.clearBudgetError();
    try {
      validation = await validateMaps({
        system,
        items,
        seedPrompts,
        optimizedPrompts: search.prompts,
        execute: ctx.execute,
        scorer,
        settings: settings.validation,
        concurrency: settings.concurrency,
      });
      client.throwIfBudgetExhausted();
      await recorder.event({
        type: 'validation',
        split: validation.split,
        n: validation.n,
        seedAccuracy: validation.seed.accuracy,
        optimizedAccuracy: validation.optimized.accuracy,
        difference: validation.difference,
        p: validation.p,
        kept: validation.kept,
      });
    } catch (err) {
      if (!(err instanceof BudgetExhaustedError)) throw err;
      validation = null;
      stoppedBy = stoppedBy ?? err.message;
      await recorder.event({ type: 'budget', step: -1, message: `validation skipped: ${err.message}` });
    }
  }
  const total = summary(client);
  const keepSeed = validation?.kept === 'seed';
  const finalPrompts = keepSeed ? seedPrompts : search.prompts;
  const artifact: PromptArtifact = {
    format: 'maspo.prompts/v1',
    system: system.name,
    benchmark,
    strategy: strategy.name,
    seed,
    simulated: [models.agent, models.optimizer, models.judge].some((m) => m.startsWith('sim:')),
    models,
    hashes,
    prompts: finalPrompts,
    agents: Object.fromEntries(
      system.agents.map((a) => {
        const r = search.agents[a.id];
        const prompt = finalPrompts[a.id] ?? a.prompt;
        return [
          a.id,
          {
            prompt,
            seedPrompt: a.prompt,
            changed: prompt !== a.prompt,
            hash: promptHash(prompt),
            J: keepSeed ? 0 : (r?.J ?? 0),
            lineage: keepSeed ? [] : (r?.lineage ?? []).map(({ rationale: _r, ...l }) => l),
            rationale: keepSeed ? [] : rationaleOf(r?.lineage ?? []),
            curve: curveOf(search.steps, a.id),
          },
        ];
      }),
    ),
    validation,
    stoppedBy,
  };

  let artifactPath: string | null = null;
  if (!opts.dryRun && runDir) {
    artifactPath = resolve(opts.out ?? 'maspo.prompts.json');
    await writeArtifact(artifactPath, artifact);
    await writeArtifact(resolve(runDir.dir, 'maspo.prompts.json'), artifact);
    status = stoppedBy ? 'stopped' : 'done';
    await runDir.writeState(stateFile(lastSearchState));
    await runDir.writeJson('report.json', {
      search: search.steps,
      judge: search.judge,
      validation,
      calls: { search: afterSearch, total },
      previousPaid,
    });
    await recorder.event({ type: 'run-end', status, artifact: artifactPath });
  }
  const validationCalls = diffSummary(total, afterSearch);
  return {
    runId,
    runDir: runDir?.dir ?? null,
    artifact,
    artifactPath,
    search,
    calls: { search: afterSearch, validation: validationCalls, total },
    previousPaid,
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
