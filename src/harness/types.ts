/**
 * Result records of the Vitest harness. Tests put one {@link ItemResultRecord} per item into
 * `task.meta.maspo`; reporters (running in Vitest's main process) read them back, aggregate them into a
 * {@link RunRecord} and compare it with a {@link Baseline}. Everything here is plain JSON (meta crosses
 * the worker boundary by structured clone and is written by Vitest's json reporter).
 *
 * Versioned: bump the `v`/`version` literal when a field changes meaning; readers reject unknown versions.
 */

export const ITEM_RECORD_VERSION = 1 as const;
export const RUN_RECORD_VERSION = 1 as const;
export const BASELINE_VERSION = 1 as const;

export interface ItemUsage {
  /** Model calls made for this item (cache hits included). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Cost in USD of the calls that were actually spent (cache hits cost nothing). */
  usd: number;
  /** Calls answered from the response cache. */
  cached: number;
}

export interface AgentAnswer {
  extracted: string | null;
  /** null when the agent stated no answer or the task cannot grade intermediate answers. */
  correct: boolean | null;
}

/** Absolute limits a suite declares with `defineBenchmark({ thresholds })`; the gate enforces them. */
export interface BenchmarkThresholds {
  /** Accuracy floor (0–1). */
  minAccuracy?: number;
  /** Error-rate ceiling (0–1). */
  maxErrorRate?: number;
  /** Misalignment-rate ceiling (0–1). */
  maxMisalignmentRate?: number;
}

/** One item's outcome: what `task.meta.maspo` holds. */
export interface ItemResultRecord {
  v: typeof ITEM_RECORD_VERSION;
  benchmark: string;
  split: string;
  system: string;
  /** Default agent model reference. */
  model: string;
  id: string;
  correct: boolean;
  extracted: string | null;
  /** The gold answer (math: LaTeX, choice: the letter); absent for code items, which are graded by tests. */
  gold?: string;
  /** Set when the item could not be judged (provider failure, timeout, sandbox failure…). Never "just wrong". */
  error?: string;
  /** Some agent's own answer was correct but the final answer was wrong. */
  misaligned: boolean;
  agents: Record<string, AgentAnswer>;
  usage: ItemUsage;
  latencyMs: number;
  simulated: boolean;
  /** The scorer's reason for the verdict (code: the failing assert, cpu-timeout, memory, …). */
  detail?: string;
  /** Code ran without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: true;
  /** Hash of the prompts the item ran with. */
  promptsHash?: string;
  thresholds?: BenchmarkThresholds;
}

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  cached: number;
}

/**
 * Aggregate of one benchmark suite. Accuracy and error rate are over all items (an errored item is not
 * correct, and is counted in `errors`); the misalignment rate is over scored (non-error) items, as in
 * `evaluateSystem`.
 */
export interface BenchmarkSummary {
  benchmark: string;
  split: string;
  system: string;
  model: string;
  simulated: boolean;
  /** Some item's code ran without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: true;
  n: number;
  correct: number;
  errors: number;
  misaligned: number;
  accuracy: number;
  /** Wilson ~95% interval of the accuracy. */
  accuracyCi: [number, number];
  errorRate: number;
  misalignmentRate: number;
  /** Per agent: share of items where that agent was right and the final answer was wrong. */
  misalignmentByAgent: Record<string, number>;
  usage: UsageTotals;
  thresholds?: BenchmarkThresholds;
}

/** Compact per-item outcome kept in run records (what the paired tests and the flips table need). */
export interface ItemOutcome {
  id: string;
  correct: boolean;
  misaligned: boolean;
  error?: string;
  /** Final answer, shortened to {@link ANSWER_CHARS} characters. */
  extracted?: string | null;
  /** Gold answer, shortened likewise (absent for code items). */
  gold?: string;
  /** Each agent's own answer (shortened) and whether it was right. */
  agents?: Record<string, AgentAnswer>;
}

/** Answers kept in run records and baselines are cut to this many characters (code answers are whole programs). */
export const ANSWER_CHARS = 80;

export interface AgentPromptInfo {
  prompt: string;
  /** The config's seed prompt of this agent (for the diff against the seed), when the harness knows it. */
  seed?: string;
  /** The optimizer's reason for the latest change, when it recorded one. */
  rationale?: string;
  /** Depth (number of accepted refinements) of this prompt in its lineage. */
  depth?: number;
}

/** Misalignment rate of an agent's prompt at each optimization depth (from the optimizer's artifact). */
export interface OptimizationCurvePoint {
  depth: number;
  misalignmentRate: number;
  score?: number;
}

/** What the harness knows about the prompts a run used. */
export interface PromptsInfo {
  /** Where they came from: a reused artifact, a fresh optimization, or the config's own prompts. */
  source: 'artifact' | 'optimized' | 'config';
  path?: string;
  hash: string;
  agents: Record<string, AgentPromptInfo>;
  /** Per agent, misalignment rate over optimization depth. */
  curves?: Record<string, OptimizationCurvePoint[]>;
  /** Benchmarks the prompts were optimized for; suites of other benchmarks keep their seed prompts. */
  benchmarks?: string[];
  simulated?: boolean;
  /** The pruned topology the prompts are for (`optimize.prune`); suites of those benchmarks run it. */
  topology?: { agents: string[]; edges: Array<[string, string]>; output: string };
}

export interface GateFailure {
  benchmark: string;
  metric: 'accuracy' | 'misalignmentRate' | 'errorRate' | 'coverage';
  baseline: number | null;
  now: number;
  /** Paired tests only: the Holm-adjusted p-value, and whether it lies in the confirmation band. */
  pAdjusted?: number;
  borderline?: boolean;
  /** Human-readable name of the test or rule that failed, with its numbers. */
  test: string;
}

export interface BenchmarkComparison {
  benchmark: string;
  /** Items present in both runs and without error in either. */
  paired: number;
  baselineAccuracy: number | null;
  accuracyDelta: number | null;
  accuracyP: number | null;
  baselineMisalignmentRate: number | null;
  misalignmentDelta: number | null;
  misalignmentP: number | null;
  baselineErrorRate: number | null;
  /** Holm-adjusted p-values over every paired test of the run (see docs/harness.md). */
  accuracyPAdjusted?: number | null;
  misalignmentPAdjusted?: number | null;
  /** Discordant paired items: [worsened, improved] per metric. */
  accuracyDiscordant?: [number, number];
  misalignmentDiscordant?: [number, number];
  /** What this run could detect (80% power at the Holm level α/m). */
  power?: BenchmarkPower;
}

export interface BenchmarkPower {
  /** The per-test level used: α/m, the level the first Holm step faces. */
  alpha: number;
  /** Smallest accuracy drop / misalignment rise (0–1) detected with 80% power; null = none up to 100 pt. */
  accuracyDrop: number | null;
  misalignmentRise: number | null;
  /** The accuracy tolerance is smaller than the detectable drop: a PASS does not rule out a drop of that size. */
  underpowered: boolean;
}

export interface GateVerdict {
  pass: boolean;
  /** Set when the run could not be judged at all (an endpoint could not be reached): exit 2, not a regression. */
  unusable?: string;
  failures: GateFailure[];
  /** Non-failing observations (no baseline for a benchmark, improvements, unpaired items…). */
  notes: string[];
  comparisons: BenchmarkComparison[];
  options: { alpha: number; accuracyTolerance: number; misalignmentTolerance: number; maxErrorRate: number };
  /** Paired tests in the Holm family (m): two per benchmark with paired items. */
  tests?: number;
  /** Stage 2 (confirmation of borderline failures on fresh samples), when it ran. */
  confirmation?: ConfirmationReport;
}

/** What the confirmation stage did (docs/harness.md, "Confirmation"). */
export interface ConfirmationReport {
  /** Fresh samples per discordant item and side. */
  repeats: number;
  /** Whether the baseline's prompts were re-sampled too (`--confirm-baseline`). */
  baselineResampled: boolean;
  metrics: Array<{
    benchmark: string;
    metric: 'accuracy' | 'misalignmentRate';
    items: number;
    /** Fresh discordant pairs: worsened, improved; and the stage-2 p (raw, Holm-adjusted over the confirmed metrics). */
    worsened: number;
    improved: number;
    p: number;
    pAdjusted: number;
    confirmed: boolean;
  }>;
  cost: { calls: number; inputTokens: number; outputTokens: number; usd: number };
}

/** The versioned record the json reporter appends to its history file (one JSON object per line). */
export interface RunRecord {
  version: typeof RUN_RECORD_VERSION;
  kind: 'maspo-run';
  runId: string;
  createdAt: string;
  simulated: boolean;
  /** Some benchmark's code ran without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: true;
  git?: { sha?: string; ref?: string };
  prompts?: PromptsInfo;
  benchmarks: BenchmarkSummary[];
  items: Record<string, ItemOutcome[]>;
  /** Why the run says nothing about the prompts (an unreachable endpoint stopped it); the gate is not evaluated. */
  unusable?: string;
  gate?: GateVerdict;
}

/** One item of a baseline benchmark. */
export interface BaselineItem {
  c: 0 | 1;
  m: 0 | 1;
  e?: 1;
  a?: string;
}

/** The committed baseline the gate compares against (written by `maspo baseline update`). */
export interface Baseline {
  version: typeof BASELINE_VERSION;
  kind: 'maspo-baseline';
  createdAt: string;
  simulated: boolean;
  /** Run this baseline was taken from. */
  runId?: string;
  benchmarks: Record<
    string,
    {
      split: string;
      system: string;
      model: string;
      n: number;
      accuracy: number;
      errorRate: number;
      misalignmentRate: number;
      /**
       * id → outcome; `c` correct, `m` misaligned, `e` errored (1/0 keeps the file small and diffable), `a`
       * the final answer (shortened; absent when none was extracted), for the flips table.
       */
      items: Record<string, BaselineItem>;
    }
  >;
  /** Prompts of the baseline run, per agent (for the markdown prompt diff). */
  prompts?: Record<string, string>;
}

/** Values the harness passes from the global setup to test workers via provide/inject. */
export interface HarnessProvided {
  /** Absolute path of the maspo config the pre-step resolved. */
  configPath?: string;
  prompts?: PromptsInfo;
  dataDir?: string;
  /** `maspo eval --limit`: at most this many items per suite (overrides the suites' own limit). */
  limit?: number;
  /** `maspo eval --shard i/n`: run only this shard's items of every suite. */
  shard?: { index: number; count: number };
}
