import { existsSync, mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { preflightConfig } from '../config/preflight.js';
import { resolveDataDir } from '../datasets/index.js';
import { UsageError } from '../errors.js';
import { runEval } from '../harness/run.js';
import { createLlmClient } from '../llm/client.js';
import { optimize } from '../optimize/index.js';
import { formatReport } from '../optimize/report.js';
import type { ProgressInfo } from '../optimize/search.js';
import { percent } from '../util/format.js';

/** The package root: the demo's suites, config and baseline ship with maspo. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoOptions {
  /** Where everything the demo writes goes (default `.maspo/demo` under the working directory). */
  out?: string;
  dataDir?: string;
  /** Maspo config of the demo (default the shipped `benchmarks/maspo.config.yaml`). */
  config?: string;
  /** Baseline the gate compares with (default the shipped `baselines/maspo.baseline.json`). */
  baseline?: string;
  /** Items per suite (default: the config's `eval.limit`). */
  limit?: number;
  progress?: boolean;
  /** Stops the demo (the CLI aborts it on Ctrl-C). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface DemoOutcome {
  exitCode: 0 | 1 | 2;
  out: string;
  promptsFile: string;
  summaryFile?: string;
  dashboardFile?: string;
}

/**
 * The main job, offline on the simulated model: optimize the sequential system's prompts on a MATH-500
 * train slice with a small budget, run every benchmark suite on the test split with them, gate against
 * the shipped baseline, and write the Markdown summary and the HTML dashboard.
 */
export async function runDemo(o: DemoOptions = {}): Promise<DemoOutcome> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = process.cwd();
  const out = resolve(cwd, o.out ?? '.maspo/demo');
  const configFile = resolve(cwd, o.config ?? resolve(PACKAGE_ROOT, 'benchmarks/maspo.config.yaml'));
  const baseline = resolve(cwd, o.baseline ?? resolve(PACKAGE_ROOT, 'baselines/maspo.baseline.json'));
  const dataDir = resolveDataDir(o.dataDir);
  // Children (the sim, the Vitest workers) find the data through the environment.
  process.env.MASPO_DATA_DIR = dataDir;
  if (!existsSync(configFile))
    throw new UsageError(`${configFile}: demo config not found (pass --config FILE)`);
  mkdirSync(out, { recursive: true });
  const show = (p: string) => relative(cwd, p) || '.';
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  log(
    'maspo demo — the whole pipeline, offline on the SIMULATED MODEL (an offline test world, not a real LLM)',
  );
  log(`  data ${dataDir}`);
  log(`  config ${show(configFile)}, output ${show(out)}`);

  const config = await loadConfig(configFile);
  preflightConfig(config);
  const client = createLlmClient(config.llm);
  const promptsFile = resolve(out, 'maspo.prompts.json');
  log('');
  log(
    `[1/3] optimize: MASPO on a ${config.benchmarks[0]} train slice (${config.system.topology} system, small budget)`,
  );
  const progress = stepLogger(log, o.progress !== false);
  const result = await optimize(config, {
    client,
    out: promptsFile,
    runsDir: resolve(out, 'runs'),
    dataDir,
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: progress,
  });
  log(formatReport(result, client.usage()).trimEnd());
  log(`      prompts written to ${show(promptsFile)} (${elapsed()})`);

  log('');
  log('[2/3] evaluate: every benchmark suite (benchmarks/*.eval.ts) on the test split through Vitest');
  const summaryFile = resolve(out, 'summary.md');
  const dashboardDir = resolve(out, 'dashboard');
  const outcome = await runEval({
    root: PACKAGE_ROOT,
    config: configFile,
    prompts: promptsFile,
    baseline,
    summary: summaryFile,
    dashboard: dashboardDir,
    history: resolve(out, 'history.jsonl'),
    latest: resolve(out, 'results.json'),
    noOptimize: true,
    // The shipped suites only: the package also ships examples (examples/own-benchmark) with their own config.
    include: ['benchmarks/*.eval.ts'],
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    log,
  });
  if (outcome.run) {
    const pct = (x: number) => percent(x).padStart(6);
    log('');
    log('      benchmark      n   accuracy (95% CI)        misalignment  errors   (simulated model)');
    for (const b of outcome.run.benchmarks) {
      log(
        `      ${b.benchmark.padEnd(13)}${String(b.n).padStart(4)}   ${pct(b.accuracy)} (${pct(b.accuracyCi[0]).trim()}–${pct(b.accuracyCi[1]).trim()})    ${pct(b.misalignmentRate)}      ${String(b.errors).padStart(3)}`,
      );
    }
  }
  log('');
  const status =
    outcome.exitCode === 0 ? 'PASS' : outcome.exitCode === 1 ? 'FAIL (regression)' : 'UNUSABLE INPUT';
  // The gate reporter printed the verdict (with its power lines) once, under step 2.
  log(`[3/3] gate against ${show(baseline)}: ${status}`);
  if (!outcome.run?.gate) log(`      ${outcome.message}`);
  log('');
  log(
    `done in ${elapsed()} — simulated model: these numbers show the pipeline works, not how a real LLM performs`,
  );
  log(`  summary    ${outcome.summaryFile ? show(outcome.summaryFile) : '(not written)'}`);
  log(`  dashboard  ${outcome.dashboardFile ? show(outcome.dashboardFile) : '(not written)'}`);
  log(`  results    ${show(outcome.latestFile)}`);
  log(`  prompts    ${show(promptsFile)}`);
  log(`  verdict    ${status}`);
  return {
    exitCode: outcome.exitCode,
    out,
    promptsFile,
    ...(outcome.summaryFile ? { summaryFile: outcome.summaryFile } : {}),
    ...(outcome.dashboardFile ? { dashboardFile: outcome.dashboardFile } : {}),
  };
}

/** One progress line per optimization step (works in CI logs, where a redrawn bar would not). */
function stepLogger(log: (line: string) => void, enabled: boolean): (p: ProgressInfo) => void {
  let last = -1;
  return (p) => {
    if (!enabled || p.step === last) return;
    last = p.step;
    log(
      `      step ${p.step}/${p.steps}  agent ${p.agent}  round ${p.round}  generation ${p.generation}  best J ${p.bestJ.toFixed(3)}  calls ${p.calls}`,
    );
  };
}
