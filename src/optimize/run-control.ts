import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import type { MaspoConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { Meter } from '../llm/budget.js';
import { parseModelRef } from '../llm/model-ref.js';
import type { ChatRequest, ChatResponse, LlmClient } from '../llm/types.js';
import { type ArtifactHashes, type PromptArtifact, writeArtifact } from './artifact.js';
import { CountingClient, DryRunClient } from './calls.js';
import { LEDGER_FILE, SpendLedger } from './ledger.js';
import { LOCK_FILE, RunLock } from './run-lock.js';
import { newRunId, nullRecorder, type Recorder, RunDir } from './rundir.js';
import { type RoleCounts, type Spend, subCounts, totalCount, zeroCounts, zeroSpend } from './spend.js';

/**
 * Run control: where a run lives, resuming it, its budget across processes (the write-ahead ledger),
 * checkpoints (state.json) and the final files. The search itself (./search.ts strategies) only sees a
 * client and a recorder.
 */

/** Raised when `--resume` cannot continue (no run, or config/dataset/models changed): exit 2. */
export class ResumeError extends UsageError {
  override name = 'ResumeError';
}

const roleCounts = z.object({ agent: z.number(), optimizer: z.number(), judge: z.number() });

/** state.json, validated on resume: a corrupt file is named, never half-used. */
export const runStateSchema = z.object({
  format: z.literal('maspo.run/v1'),
  runId: z.string(),
  strategy: z.string(),
  status: z.enum(['running', 'done', 'stopped']),
  hashes: z.object({ config: z.string(), dataset: z.string(), models: z.string() }),
  models: z.object({ agent: z.string(), optimizer: z.string(), judge: z.string() }),
  benchmark: z.string(),
  configName: z.string().optional(),
  paid: roleCounts,
  spent: z.object({ calls: roleCounts, tokens: roleCounts, usd: roleCounts }).optional(),
  events: z.number().int().nonnegative().optional(),
  search: z.unknown(),
});

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
  /** Paid calls, tokens and USD across every process of this run (the ledger's sum at this checkpoint). */
  spent?: Spend;
  /** Lines in events.jsonl at this checkpoint: on resume, events replayed past it are not logged twice. */
  events?: number;
  search: unknown;
}

export interface CallSummary {
  /** Distinct requests made, per role (identical requests are sent once per run). */
  requests: RoleCounts;
  /** Paid calls: requests sent to a provider (retries included), not answered by the response cache. */
  paid: RoleCounts;
  /** Requests answered by the response cache. */
  cached: RoleCounts;
  /** Duplicate requests answered from the run's memo. */
  deduplicated: RoleCounts;
}

export function summary(c: CountingClient): CallSummary {
  return {
    requests: { ...c.requests },
    paid: c.paid(),
    cached: { ...c.cached },
    deduplicated: { ...c.memoHits },
  };
}

export function diffSummary(a: CallSummary, b: CallSummary): CallSummary {
  return {
    requests: subCounts(a.requests, b.requests),
    paid: subCounts(a.paid, b.paid),
    cached: subCounts(a.cached, b.cached),
    deduplicated: subCounts(a.deduplicated, b.deduplicated),
  };
}

/** A client wrapper that prices every dry-run response with the price table (nothing is sent anywhere). */
export class PricedClient implements LlmClient {
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

/** Where a resumed run continues: the step (and its agent, round, generation when known) and what was paid. */
export interface ResumePoint {
  runId: string;
  step: number | null;
  agent?: string;
  round?: number;
  generation?: number;
  /** Calls earlier processes of the run paid (the ledger). */
  paid: RoleCounts;
}

/** What a run is: fixed by the config before run control starts. */
export interface RunIdentity {
  config: MaspoConfig;
  benchmark: string;
  hashes: ArtifactHashes;
  models: { agent: string; optimizer: string; judge: string };
  strategy: string;
}

export interface RunControlOptions {
  client: LlmClient;
  /** true: the latest run of this config in runsDir; a string: that run id. */
  resume?: boolean | string;
  dryRun?: boolean;
  /** Default `.maspo/runs`. */
  runsDir?: string;
  /** Notices for the user (resume point, a repaired event log). */
  notify?: (message: string) => void;
}

/** Opens the run: a new run dir, or the resumed one (validated, refused when its inputs changed). */
export async function openRun(id: RunIdentity, opts: RunControlOptions): Promise<RunControl> {
  const notify = opts.notify ?? (() => {});
  const dryMeter = new Meter({}, id.config.llm?.prices ?? {});
  if (opts.dryRun) {
    const priced = new PricedClient(new DryRunClient(), dryMeter);
    return new RunControl(id, null, null, new CountingClient(priced), priced, null, 0, null, null);
  }
  const runsDir = resolve(opts.runsDir ?? '.maspo/runs');
  let runDir: RunDir;
  let resumeState: unknown = null;
  let carried: Spend | undefined;
  let eventsAtCheckpoint = 0;
  let cursor: number | null = null;
  let lock: RunLock;
  if (opts.resume) {
    const runId = typeof opts.resume === 'string' ? opts.resume : findRunToResume(id, runsDir);
    runDir = RunDir.create(runsDir, runId);
    lock = RunLock.acquire(join(runDir.dir, LOCK_FILE), runId, notify);
    try {
      const prev = runDir.readState(runStateSchema) as RunStateFile | null;
      if (!prev)
        throw new ResumeError(
          `cannot resume ${runId}: ${runDir.statePath} does not exist. Start a new run without --resume.`,
        );
      refuseChangedInputs(runId, prev, id);
      resumeState = prev.search ?? null;
      carried = prev.spent ?? { ...zeroSpend(), calls: prev.paid ?? zeroCounts() };
      // Steps after the last checkpoint are replayed: their events are in the log already.
      const c = (resumeState as { cursor?: unknown } | null)?.cursor;
      cursor = typeof c === 'number' ? c : null;
      eventsAtCheckpoint = await runDir.openForResume(prev.events ?? null, cursor, notify);
    } catch (err) {
      lock.release();
      throw err;
    }
  } else {
    const runId = newRunId(id.hashes.config);
    runDir = RunDir.create(runsDir, runId);
    lock = RunLock.acquire(join(runDir.dir, LOCK_FILE), runId, notify);
  }
  // The write-ahead ledger: every paid call of every process of this run, reserved before it is sent.
  const ledger = SpendLedger.open(join(runDir.dir, LEDGER_FILE), carried);
  // The run's budget holds across a crash: what earlier processes reserved counts against it.
  const client = new CountingClient(
    opts.client,
    {
      limits: id.config.llm?.budget ?? {},
      costOf: (model, usage) => dryMeter.costOf(parseModelRef(model).model, usage),
    },
    ledger,
  );
  const runId = basename(runDir.dir);
  let resumed: ResumePoint | null = null;
  if (opts.resume) {
    resumed = resumePoint(runId, runDir, cursor, ledger.previous.calls);
    notify(describeResume(resumed));
  }
  return new RunControl(id, runId, runDir, client, null, resumeState, eventsAtCheckpoint, resumed, lock);
}

/** Without a run id: the latest run this very config started, else the latest of a config of the same
 *  name (so the refusal can say what changed); runs of other configs are not ours. */
function findRunToResume(id: RunIdentity, runsDir: string): string {
  const schema = runStateSchema as z.ZodType<RunStateFile>;
  const runId =
    RunDir.latest<RunStateFile>(runsDir, { accept: (s) => s.hashes?.config === id.hashes.config, schema }) ??
    RunDir.latest<RunStateFile>(runsDir, {
      accept: (s) => s.configName === id.config.name && s.benchmark === id.benchmark,
      schema,
    });
  if (!runId)
    throw new ResumeError(
      `nothing to resume: no run of config "${id.config.name}" (${id.benchmark}) with a state.json in ${runsDir}. Start one without --resume, or pass a run id.`,
    );
  return runId;
}

function refuseChangedInputs(runId: string, prev: RunStateFile, id: RunIdentity): void {
  const changed: string[] = [];
  if (prev.hashes.config !== id.hashes.config)
    changed.push('the config (system, optimize settings, seed or benchmarks)');
  if (prev.hashes.dataset !== id.hashes.dataset) changed.push('the dataset split');
  if (prev.hashes.models !== id.hashes.models)
    changed.push(`the models (run used ${JSON.stringify(prev.models)})`);
  if (changed.length > 0) {
    throw new ResumeError(
      `cannot resume run ${runId}: since it started, ${changed.join(' and ')} changed. Restore them, or start a new run without --resume.`,
    );
  }
}

function resumePoint(runId: string, runDir: RunDir, step: number | null, paid: RoleCounts): ResumePoint {
  const start =
    step === null
      ? undefined
      : runDir
          .readEvents()
          .findLast(
            (e): e is Extract<typeof e, { type: 'step-start' }> => e.type === 'step-start' && e.step === step,
          );
  return {
    runId,
    step,
    ...(start ? { agent: start.agent, round: start.round, generation: start.generation } : {}),
    paid: { ...paid },
  };
}

export function describeResume(r: ResumePoint): string {
  const where =
    r.step === null
      ? 'from the start (no step was checkpointed)'
      : `at step ${r.step}${r.agent !== undefined ? ` (agent ${r.agent}, round ${r.round}, generation ${r.generation})` : ''}`;
  const p = r.paid;
  return `resuming run ${r.runId} ${where}; ${totalCount(p)} calls already paid (agent ${p.agent}, optimizer ${p.optimizer}, judge ${p.judge})`;
}

/** One run's control: the counting client, the recorder with checkpoints, and the final files. */
export class RunControl {
  private status: RunStateFile['status'] = 'running';
  /**
   * A deep copy of the last checkpointed search state: a step cut short by a budget may have mutated
   * the live state, and the final state.json must hold the checkpoint (so the step is redone on resume).
   */
  private lastSearchState: unknown;
  readonly recorder: Recorder;
  readonly previousPaid: RoleCounts;

  constructor(
    private readonly id: RunIdentity,
    readonly runId: string | null,
    readonly runDir: RunDir | null,
    readonly client: CountingClient,
    /** The dry run's pricing client (null for a real run). */
    readonly priced: PricedClient | null,
    /** The search state to continue from (null: from the start). */
    readonly resumeState: unknown,
    /** Events logged when the search state was last checkpointed (what a resume replays from). */
    private eventsAtCheckpoint: number,
    readonly resumed: ResumePoint | null,
    /** This process's hold on the run dir (null for a dry run). */
    private readonly lock: RunLock | null,
  ) {
    this.previousPaid = { ...client.ledger.previous.calls };
    this.lastSearchState = snapshot(resumeState);
    const dir = runDir;
    this.recorder = dir
      ? {
          event: (e) => dir.event(e),
          writeJson: (name, data) => dir.writeJson(name, data),
          writeState: (s) => {
            this.lastSearchState = snapshot(s);
            this.eventsAtCheckpoint = dir.eventCount;
            return dir.writeState(this.stateFile(s));
          },
        }
      : nullRecorder;
  }

  private stateFile(search: unknown): RunStateFile {
    const spent = this.client.ledger.total();
    return {
      format: 'maspo.run/v1',
      runId: this.runId!,
      strategy: this.id.strategy,
      status: this.status,
      hashes: this.id.hashes,
      models: this.id.models,
      benchmark: this.id.benchmark,
      configName: this.id.config.name,
      paid: spent.calls,
      spent,
      events: this.eventsAtCheckpoint,
      search,
    };
  }

  /**
   * Logs the run-start event (with the resume point on a resumed run). A new run first writes its
   * state.json (no search state yet), so a run killed before its first checkpoint can still be resumed,
   * from the start, with what it paid counted.
   */
  async start(): Promise<void> {
    if (this.runDir && !this.resumed) await this.runDir.writeState(this.stateFile(null));
    const step = this.resumed?.step;
    await this.recorder.event({
      type: 'run-start',
      runId: this.runId ?? 'dry-run',
      strategy: this.id.strategy,
      steps: 0,
      ...(this.resumed ? { resumedAt: Date.now() } : {}),
      ...(typeof step === 'number' ? { fromStep: step } : {}),
      hashes: { ...this.id.hashes },
    });
  }

  /** Ctrl-C or an error: checkpoints the spend so far (the search state stays at its last checkpoint). */
  async saveAfterFailure(): Promise<void> {
    if (this.runDir) await this.runDir.writeState(this.stateFile(this.lastSearchState)).catch(() => {});
    this.lock?.release();
  }

  /**
   * Writes the artifact (at `out` and in the run dir), the final state and report.json, and logs run-end.
   * Returns the artifact path (null for a dry run).
   */
  async finish(artifact: PromptArtifact, out: string | undefined, report: unknown): Promise<string | null> {
    if (!this.runDir) return null;
    const artifactPath = resolve(out ?? 'maspo.prompts.json');
    await writeArtifact(artifactPath, artifact);
    await writeArtifact(resolve(this.runDir.dir, 'maspo.prompts.json'), artifact);
    this.status = artifact.stoppedBy ? 'stopped' : 'done';
    await this.runDir.writeState(this.stateFile(this.lastSearchState));
    await this.runDir.writeJson('report.json', report);
    await this.recorder.event({ type: 'run-end', status: this.status, artifact: artifactPath });
    this.client.ledger.close();
    this.lock?.release();
    return artifactPath;
  }
}

const snapshot = (s: unknown): unknown => (s === null || s === undefined ? null : structuredClone(s));
