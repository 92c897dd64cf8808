/** `maspo/vitest`: benchmarks as Vitest suites, the optimization pre-step, and maspo's reporters. */
import { fileURLToPath } from 'node:url';
import './augment.js';

export { buildRunRecord, summarizeBenchmark } from './aggregate.js';
export {
  baselineFromRun,
  HarnessInputError,
  readBaseline,
  readHistory,
  readLatestRun,
  writeBaseline,
} from './baseline.js';
export { dashboardData, renderDashboard } from './dashboard.js';
export { type BenchmarkSuiteOptions, defineBenchmark } from './define.js';
export { DEFAULT_GATE, evaluateGate, formatFailure, formatVerdict, type GateOptions } from './gate.js';
export { promptDiff, renderMarkdown, STICKY_MARKER } from './markdown.js';
export { type MaspoReportersOptions, maspo, maspoReporters } from './plugin.js';
export { artifactStaleness, type PrestepOptions, resolvePrompts, StalePromptsError } from './prestep.js';
export * from './types.js';

/** Path of the global-setup module that runs the optimization pre-step (for `test.globalSetup`). */
export const globalSetup: string = fileURLToPath(
  new URL(`./setup${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
