export { gradeCodeLines } from './cli/commands/grade-code.js';
export {
  BENCHMARK_TASKS,
  buildSystem,
  type ConfigIssue,
  defineConfig,
  InvalidConfigError,
  loadConfig,
  type MaspoConfig,
  type MaspoConfigInput,
  maspoConfigSchema,
  parseConfig,
  systemSectionSchema,
} from './config/index.js';
export * from './contracts/index.js';
export { listData, verifyData } from './datasets/checksums.js';
export {
  assignSplits,
  BENCHMARKS,
  type BenchmarkInfo,
  benchmarkPresent,
  clearBenchmarkCache,
  DATA_FILES,
  DataError,
  type DataFile,
  DEFAULT_SPLIT_SEED,
  dataItemSource,
  isBenchmarkId,
  type LoadOptions,
  loadBenchmark,
  loadBenchmarkSync,
  loadSplit,
  loadSplitSync,
  parseInlineOptions,
  resolveDataDir,
  SOURCES,
  SPLITS,
  type SplitOptions,
  splitSizes,
  upstreamUrl,
} from './datasets/index.js';
export { pullData } from './datasets/pull.js';
export type * from './datasets/types.js';
export { BENCHMARK_IDS } from './datasets/types.js';
export { buildRunRecord, summarizeBenchmark } from './harness/aggregate.js';
export {
  baselineFromRun,
  HarnessInputError,
  readBaseline,
  readHistory,
  readLatestRun,
  writeBaseline,
} from './harness/baseline.js';
export { renderDashboard } from './harness/dashboard.js';
export {
  evaluateGate,
  formatFailure,
  formatVerdict as formatGateVerdict,
  type GateOptions,
} from './harness/gate.js';
export { promptDiff, renderMarkdown } from './harness/markdown.js';
export { resolvePrompts, StalePromptsError } from './harness/prestep.js';
export { type EvalOptions, runEval } from './harness/run.js';
export type {
  AgentAnswer,
  AgentPromptInfo,
  Baseline,
  BenchmarkComparison,
  BenchmarkSummary,
  BenchmarkThresholds,
  GateFailure,
  GateVerdict,
  ItemOutcome,
  ItemResultRecord,
  ItemUsage,
  OptimizationCurvePoint,
  PromptsInfo,
  RunRecord as EvalRunRecord,
  UsageTotals as EvalUsageTotals,
} from './harness/types.js';
export * from './llm/index.js';
export {
  createSimProvider,
  DEFAULT_WORLD_PATH,
  loadWorld,
  parseWorld,
  type SimProvider,
  type SimProviderOptions,
  type World,
  WorldError,
} from './llm/sim/index.js';
export {
  type FaultRates,
  parseFaultRates,
  type SimServer,
  type SimServerOptions,
  startSimServer,
} from './llm/sim/server.js';
export type * from './llm/types.js';
export * from './mas/index.js';
export type * from './mas/types.js';
export {
  type AgentRationale,
  type ArtifactHashes,
  artifactHashes,
  type CurvePoint,
  isStale,
  type PromptArtifact,
  promptArtifactSchema,
  readArtifact,
  writeArtifact,
} from './optimize/artifact.js';
export {
  type OptimizeSettings,
  type OptimizeSettingsInput,
  optimizeSettingsSchema,
  parseOptimizeSettings,
} from './optimize/config.js';
export {
  buildSchedule,
  CountingClient,
  choosePool,
  curveOf,
  DryRunClient,
  type DryRunReport,
  type OptimizeOptions,
  type OptimizeResult,
  optimize,
  ResumeError,
  rationaleOf,
  resolveModels,
} from './optimize/index.js';
export * from './stats/index.js';
export {
  type CodeScorer,
  type CodeScorerOptions,
  createCodeScorer,
  extractCode,
  jobFor,
  normaliseCode,
  probeSandbox,
  resolvePython,
  Sandbox,
  type SandboxJob,
  type SandboxOptions,
  type SandboxResult,
} from './tasks/code/index.js';
export {
  choiceScorer,
  DEFAULT_LETTERS,
  DEFAULT_MATH_DEADLINE_MS,
  extractChoice,
  extractMathAnswer,
  gradeChoice,
  gradeMath,
  type MathCompareOptions,
  mathEquivalent,
  mathScorer,
  normalizeChoiceLetter,
  normalizeMath,
  scorerFor,
} from './tasks/index.js';
export type * from './tasks/types.js';
