import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import { HarnessInputError } from './baseline.js';
import { confirmStage } from './confirm-run.js';
import { formatVerdict, type GateOptions } from './gate.js';
import { maspoReporters } from './plugin.js';
import { resolvePrompts } from './prestep.js';
import { sharedState } from './reporting.js';
import type { GateVerdict, HarnessProvided, PromptsInfo, RunRecord } from './types.js';

export interface EvalOptions extends GateOptions {
  config: string;
  prompts?: string;
  baseline?: string;
  summary?: string;
  dashboard?: string;
  history?: string;
  latest?: string;
  noOptimize?: boolean;
  seedPrompts?: boolean;
  limit?: number;
  /**
   * Confirmation (stage 2): fresh samples per discordant item and side. Given (here or as the config's
   * `gate.confirm`), every failing paired metric is confirmed; otherwise only borderline ones, with
   * DEFAULT_CONFIRM_REPEATS samples.
   */
  confirm?: number;
  /** Allow re-sampling the baseline's prompts, which confirmation needs (`--confirm-baseline`). */
  confirmBaseline?: boolean;
  /** Vitest file/name filters. */
  filters?: string[];
  /** Test-file globs (default every `*.eval.ts` under the working directory). */
  include?: string[];
  /** Project root (default the working directory). */
  root?: string;
  /** Extra Vitest reporters (default `['default']`). */
  vitestReporters?: string[];
  log?: (line: string) => void;
}

export interface EvalOutcome {
  /** 0 gate passed, 1 gate failed, 2 unusable input. */
  exitCode: 0 | 1 | 2;
  run?: RunRecord;
  summaryFile?: string;
  dashboardFile?: string;
  historyFile: string;
  latestFile: string;
  message: string;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** `.ts` when running from the sources (this repository, tsx), `.js` when running from the built `dist/`. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * maspo ships TypeScript sources with NodeNext `.js` specifiers. Vite maps those to `.ts` inside the project
 * root, but not for files it serves from outside it (`/@fs/…`, e.g. maspo itself when the eval files live in
 * another project), nor for computed dynamic imports. This resolves such a `.js` id to its `.ts` file.
 */
function tsSourcePlugin() {
  return {
    name: 'maspo:ts-source',
    enforce: 'pre' as const,
    resolveId(id: string, importer?: string) {
      if (!id.endsWith('.js')) return null;
      let path = id.startsWith('/@fs/') ? id.slice(4) : id;
      if (path.startsWith('.') && importer) path = resolve(dirname(importer), path);
      if (!isAbsolute(path) || existsSync(path)) return null;
      const ts = `${path.slice(0, -3)}.ts`;
      return existsSync(ts) ? ts : null;
    },
  };
}

/**
 * `maspo eval`: the pre-step, then the suites through Vitest (programmatically, with maspo's reporters),
 * then the verdict as an exit code. Errored items fail their Vitest tests, but the exit code is the gate's:
 * errors are judged by the gate's error-rate ceiling, not by Vitest's failed-test count.
 */
export async function runEval(o: EvalOptions): Promise<EvalOutcome> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const root = resolve(o.root ?? process.cwd());
  const configPath = resolve(root, o.config);
  const latestFile = resolve(root, o.latest ?? '.maspo/results.json');
  const historyFile = resolve(root, o.history ?? '.maspo/history.jsonl');
  const baselineFile = resolve(root, o.baseline ?? 'baselines/maspo.baseline.json');
  const fail2 = (message: string): EvalOutcome => ({ exitCode: 2, message, historyFile, latestFile });
  if (!existsSync(configPath)) return fail2(`config file ${o.config} not found: pass --config FILE`);
  if (o.baseline && !existsSync(baselineFile)) {
    return fail2(
      `baseline file ${o.baseline} not found: create it with \`maspo baseline update --baseline ${o.baseline}\``,
    );
  }

  let pre: Awaited<ReturnType<typeof resolvePrompts>>;
  try {
    pre = await resolvePrompts({
      configPath,
      ...(o.prompts ? { promptsPath: resolve(root, o.prompts) } : {}),
      ...(o.noOptimize ? { noOptimize: true } : {}),
      ...(o.seedPrompts ? { seedPrompts: true } : {}),
      runsDir: resolve(root, '.maspo/runs'),
      onProgress: log,
    });
  } catch (err) {
    if (
      err instanceof HarnessInputError ||
      (err as Error).name === 'InvalidConfigError' ||
      (err as Error).name === 'DataError'
    ) {
      return fail2((err as Error).message);
    }
    throw err;
  }
  const provided: HarnessProvided = {
    configPath: pre.configPath,
    prompts: pre.prompts,
    ...(pre.dataDir ? { dataDir: pre.dataDir } : {}),
    ...(o.limit ? { limit: o.limit } : {}),
  };
  const state = sharedState();
  state.provided = provided;
  state.last = undefined;

  const summaryFile = resolve(root, o.summary ?? '.maspo/summary.md');
  const dashboardDir = resolve(root, o.dashboard ?? '.maspo/dashboard');
  const collectErrors: string[] = [];
  let unhandled = 0;
  const watcher: Reporter = {
    onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) {
      unhandled = errors.length;
      for (const m of modules) {
        for (const e of m.errors()) collectErrors.push(`${relative(root, m.moduleId)}: ${e.message}`);
      }
    },
  };
  const reporters = [
    ...(o.vitestReporters ?? ['default']),
    ...maspoReporters({
      ...o,
      baseline: baselineFile,
      requireBaseline: o.baseline !== undefined,
      summary: summaryFile,
      dashboard: dashboardDir,
      history: historyFile,
      latest: latestFile,
    }),
    watcher,
  ];
  const { startVitest } = await import('vitest/node');
  const before = process.exitCode;
  await startVitest(
    'test',
    o.filters ?? [],
    {
      config: false,
      root,
      run: true,
      watch: false,
      include: o.include ?? ['**/*.eval.?(c|m)[jt]s'],
      exclude: ['**/node_modules/**', '**/.maspo/**', '**/dist/**', '**/.git/**'],
      globalSetup: [here(`./setup${EXT}`)],
      provide: { maspo: provided },
      reporters: reporters as never,
      testTimeout: 300_000,
      hookTimeout: 120_000,
      maxConcurrency: 16,
      maxWorkers: 1,
      passWithNoTests: true,
    },
    {
      plugins: [tsSourcePlugin()],
      resolve: {
        alias: [
          { find: /^maspo\/vitest$/, replacement: here(`./index${EXT}`) },
          { find: /^maspo\/reporters\/(.*)$/, replacement: `${here('../../reporters')}/$1${EXT}` },
          { find: /^maspo$/, replacement: here(`../index${EXT}`) },
        ],
      },
    },
  );
  const vitestCode = process.exitCode;
  process.exitCode = before;
  const run = state.last as RunRecord | undefined;
  const written = {
    historyFile,
    latestFile,
    ...(run ? { summaryFile, dashboardFile: resolve(dashboardDir, 'index.html') } : {}),
  };
  if (collectErrors.length > 0) {
    return {
      exitCode: 2,
      message: `suites could not run:\n  ${collectErrors.join('\n  ')}`,
      ...written,
      ...(run ? { run } : {}),
    };
  }
  if (vitestCode === 2)
    return { exitCode: 2, message: 'the baseline file is unusable (see above)', ...written };
  if (!run) {
    return {
      exitCode: 2,
      message: `no benchmark results: no *.eval.ts suite ran${o.filters?.length ? ` for the filters ${o.filters.join(' ')}` : ''} (or the config lists none of their benchmarks)`,
      ...written,
    };
  }
  if (unhandled > 0)
    return {
      exitCode: 2,
      message: `${unhandled} unhandled error(s) during the run (see above)`,
      run,
      ...written,
    };
  if (!run.gate) return { exitCode: 2, message: 'the gate produced no verdict', run, ...written };
  const gate = await confirmIfNeeded(run, run.gate, pre, o, baselineFile, log, {
    summaryFile,
    dashboardDir,
    historyFile,
    latestFile,
  });
  return { exitCode: gate.pass ? 0 : 1, message: formatVerdict(gate)[0]!, run, ...written };
}

/** Runs the confirmation stage when a paired failure calls for it, and rewrites the run's reports. */
async function confirmIfNeeded(
  run: RunRecord,
  gate: GateVerdict,
  pre: { configPath: string; prompts?: PromptsInfo; dataDir?: string },
  o: EvalOptions,
  baselineFile: string,
  log: (line: string) => void,
  files: { summaryFile: string; dashboardDir: string; historyFile: string; latestFile: string },
): Promise<GateVerdict> {
  const final = await confirmStage(run, gate, {
    configPath: pre.configPath,
    ...(pre.prompts ? { prompts: pre.prompts } : {}),
    ...(pre.dataDir ? { dataDir: pre.dataDir } : {}),
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.confirm !== undefined ? { confirm: o.confirm } : {}),
    confirmBaseline: o.confirmBaseline === true,
    baselineFile,
    log,
    files,
  });
  return final;
}
