/** Systems: graph helpers, templates, seed prompts, topologies, validation, execution and evaluation. */
export {
  type EvaluateOptions,
  evaluateSystem,
  type ItemResult,
  type RunResults,
  scoreTrace,
  summarize,
  usageOfTraces,
} from './evaluate.js';
export { type ExecuteOptions, executeItem, executeItems, majorityIndex, summaryPrompt } from './execute.js';
export {
  ancestors,
  descendants,
  findCycle,
  GraphError,
  levels,
  predecessors,
  successors,
  topologicalOrder,
} from './graph.js';
export { SEED_PROMPTS, type SeedPrompts } from './prompts.js';
export { formatRunSummary, type RunRecord, runBenchmark, writeRunOutputs } from './run.js';
export {
  AGENT_ID,
  agentSchema,
  edgeSchema,
  type SystemIssue,
  validatePrompts,
  validateSystem,
} from './schema.js';
export {
  checkPlaceholders,
  type PlaceholderReport,
  renderPrompt,
  type TemplateValues,
  templateProblems,
} from './template.js';
export {
  BUILTIN_TOPOLOGIES,
  type BuiltinTopology,
  buildTopology,
  TOPOLOGIES,
  type Topology,
  type TopologyOptions,
} from './topologies.js';
export type * from './types.js';
