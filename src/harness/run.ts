import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import type { MaspoConfig } from '../config/index.js';
import { hashValue } from '../util/hash.js';
import { buildRunRecord } from './aggregate.js';
import { HarnessInputError } from './baseline.js';
import { confirmStage } from './confirm-run.js';
import { EvalProgressReporter } from './eval-reporter.js';
import { formatVerdict, type GateOptions } from './gate.js';
import { maspoReporters } from './plugin.js';
import { resolvePrompts } from './prestep.js';
import type { RunRecordReporter } from './reporter-base.js';
import { collectItemRecords, fatalError, gitInfo, sharedState } from './reporting.js';
import {
  mergeShards,
  SHARD_FILE_VERSION,
  type ShardIdentity,
  type ShardSpec,
  type SuiteShardInfo,
  writeShardFile,
} from './shard.js';
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
  /** Re-optimize a stale `--prompts` file in place (default: into `.maspo/prompts/`, the file unchanged). */
  updatePrompts?: boolean;
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
  /**
   * Ctrl-C: stops an optimization the pre-step started; during the suites, prints the signal's reason
   * (Vitest then ends the process with exit code 130, before any reporter wrote anything).
   */
  signal?: AbortSignal;
  /** Vitest file/name filters. */
  filters?: string[];
  /** Test-file globs (default every `*.eval.ts` under the working directory). */
  include?: string[];
  /** Project root (default the working directory). */
  root?: string;
  /** Vitest's own reporters (default: {@link EvalProgressReporter}; `['default']` with `verbose`). */
  vitestReporters?: Array<string | Reporter>;
  /** Vitest's default reporter: a line per item and the slow-test list (`--verbose`). */
  verbose?: boolean;
  /** Run one shard of the items (needs `shardDir`); never optimizes, never gates. */
  shard?: ShardSpec;
  /** Where a shard writes its results file. */
  shardDir?: string;
  /** Merge the shard files in this directory and gate them as one run (runs no suite). */
  merge?: string;
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
  if (o.shard && o.merge) return fail2('--shard runs one shard and --merge merges them: give one of the two');
  if (o.shard && !o.shardDir)
    return fail2('--shard needs --shard-dir DIR (where the shard writes its results)');
  if (o.shardDir && !o.shard) return fail2('--shard-dir goes with --shard i/n');
  if (o.merge && o.seedPrompts) return fail2('--merge takes the prompts the shards ran: drop --seed-prompts');
  if (!existsSync(configPath)) return fail2(`config file ${o.config} not found: pass --config FILE`);
  if (o.baseline && !existsSync(baselineFile)) {
    return fail2(
      `baseline file ${o.baseline} not found: create it with \`maspo baseline update --baseline ${o.baseline}\``,
    );
  }

  const summaryFile = resolve(root, o.summary ?? '.maspo/summary.md');
  const dashboardDir = resolve(root, o.dashboard ?? '.maspo/dashboard');
  const gateReporters = (): RunRecordReporter[] =>
    maspoReporters({
      ...o,
      baseline: baselineFile,
      requireBaseline: o.baseline !== undefined,
      summary: summaryFile,
      dashboard: dashboardDir,
      history: historyFile,
      latest: latestFile,
    }) as RunRecordReporter[];
  const written = (run: RunRecord | undefined) => ({
    historyFile,
    latestFile,
    ...(run ? { summaryFile, dashboardFile: resolve(dashboardDir, 'index.html') } : {}),
  });

  if (o.merge) {
    let merged: ReturnType<typeof mergeShards>;
    try {
      const { loadConfig } = await import('../config/index.js');
      merged = mergeShards(resolve(root, o.merge), { config: configIdentity(await loadConfig(configPath)) });
    } catch (err) {
      if (err instanceof HarnessInputError || (err as Error).name === 'InvalidConfigError')
        return fail2((err as Error).message);
      throw err;
    }
    log(`maspo: merging ${merged.count} shard(s), ${merged.items.length} items`);
    const git = gitInfo();
    const run = buildRunRecord(merged.items, {
      ...(merged.prompts ? { prompts: merged.prompts } : {}),
      ...(git ? { git } : {}),
    });
    sharedState().last = run;
    const before = process.exitCode;
    process.exitCode = 0;
    for (const r of gateReporters()) r.reportRun(run, root);
    const reporterCode = process.exitCode;
    process.exitCode = before;
    return verdictOutcome(run, reporterCode === 2, written(run));
  }

  let pre: Awaited<ReturnType<typeof resolvePrompts>>;
  try {
    pre = await resolvePrompts({
      configPath,
      ...(o.prompts ? { promptsPath: resolve(root, o.prompts) } : {}),
      // A shard never optimizes: the pre-step runs once, before the matrix.
      ...(o.noOptimize || o.shard ? { noOptimize: true } : {}),
      ...(o.seedPrompts ? { seedPrompts: true } : {}),
      runsDir: resolve(root, '.maspo/runs'),
      root,
      ...(o.updatePrompts ? { updatePrompts: true } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
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
    ...(o.shard ? { shard: o.shard } : {}),
  };
  const state = sharedState();
  state.provided = provided;
  state.last = undefined;

  const collectErrors: string[] = [];
  let unhandled = 0;
  /** An error that makes the whole run unusable (an unreachable endpoint), from the items' tests. */
  let fatal: string | undefined;
  const watcher: Reporter = {
    onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) {
      unhandled = errors.length;
      fatal = fatalError(modules);
      for (const m of modules) {
        for (const e of m.errors()) collectErrors.push(`${relative(root, m.moduleId)}: ${e.message}`);
      }
    },
  };
  let shardOut: { file: string; items: number } | undefined;
  const shardWriter: Reporter = {
    onTestRunEnd(modules: ReadonlyArray<TestModule>) {
      if (!o.shard || !o.shardDir || collectErrors.length > 0) return;
      const suites: SuiteShardInfo[] = [];
      for (const m of modules) {
        for (const s of m.children.allSuites()) {
          const info = s.meta().maspoShard;
          if (info) suites.push(info);
        }
      }
      const items = collectItemRecords(modules);
      const file = writeShardFile(resolve(root, o.shardDir), {
        version: SHARD_FILE_VERSION,
        kind: 'maspo-shard',
        shard: o.shard,
        createdAt: new Date().toISOString(),
        identity: shardIdentity,
        prompts: pre.prompts,
        suites,
        items,
      });
      shardOut = { file, items: items.length };
    },
  };
  const shardIdentity: ShardIdentity = {
    config: o.shard ? configIdentity(await (await import('../config/index.js')).loadConfig(configPath)) : '',
    prompts: pre.prompts.hash,
    limit: o.limit ?? null,
    filters: o.filters ?? [],
    maspoVersion: await maspoVersion(),
  };
  const reporters = [
    ...(o.vitestReporters ?? (o.verbose ? ['default'] : [new EvalProgressReporter(root, log)])),
    ...(o.shard ? [shardWriter] : gateReporters()),
    watcher,
  ];
  const { startVitest } = await import('vitest/node');
  const before = process.exitCode;
  // Vitest ends the process on SIGINT itself (after its own cleanup, before the reporters run); the
  // reason (the CLI's message) is printed first, since the signal's listeners run before Vitest's.
  if (o.signal?.aborted) throw o.signal.reason;
  const onInterrupt = () => {
    const reason = o.signal?.reason as { message?: string } | undefined;
    log(`maspo: ${reason?.message ?? 'interrupted'}`);
    process.exitCode = 130;
  };
  o.signal?.addEventListener('abort', onInterrupt, { once: true });
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
  o.signal?.removeEventListener('abort', onInterrupt);
  if (o.signal?.aborted) throw o.signal.reason;
  const vitestCode = process.exitCode;
  process.exitCode = before;
  // Not a regression: the models could not be reached, so there is nothing to gate.
  if (fatal) return { exitCode: 2, message: fatal, ...written(state.last as RunRecord | undefined) };
  if (collectErrors.length > 0) {
    const run = state.last as RunRecord | undefined;
    return {
      exitCode: 2,
      message: `suites could not run:\n  ${collectErrors.join('\n  ')}`,
      ...written(run),
      ...(run ? { run } : {}),
    };
  }
  if (o.shard) {
    if (!shardOut || (shardOut.items === 0 && unhandled > 0))
      return fail2(`shard ${o.shard.index}/${o.shard.count} produced no results (see above)`);
    if (unhandled > 0) return fail2(`${unhandled} unhandled error(s) during the shard (see above)`);
    return {
      exitCode: 0,
      message: `shard ${o.shard.index}/${o.shard.count}: ${shardOut.items} items written to ${shown(root, shardOut.file)}; gate them all with \`maspo eval --merge ${o.shardDir}\``,
      historyFile,
      latestFile,
    };
  }
  const run = state.last as RunRecord | undefined;
  if (vitestCode === 2)
    return { exitCode: 2, message: 'the baseline file is unusable (see above)', ...written(run) };
  if (!run) {
    return {
      exitCode: 2,
      message: `no benchmark results: no *.eval.ts suite ran${o.filters?.length ? ` for the filters ${o.filters.join(' ')}` : ''} (or the config lists none of their benchmarks)`,
      ...written(run),
    };
  }
  if (unhandled > 0)
    return {
      exitCode: 2,
      message: `${unhandled} unhandled error(s) during the run (see above)`,
      run,
      ...written(run),
    };
  if (!run.gate) return { exitCode: 2, message: 'the gate produced no verdict', run, ...written(run) };
  const gate = await confirmIfNeeded(run, run.gate, pre, o, baselineFile, log, {
    summaryFile,
    dashboardDir,
    historyFile,
    latestFile,
  });
  return { exitCode: gate.pass ? 0 : 1, message: formatVerdict(gate)[0]!, run, ...written(run) };
}

/** A path as a user would type it: relative to the root when inside it. */
function shown(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The outcome of a run whose record the reporters have seen: the gate's verdict as an exit code. */
function verdictOutcome(
  run: RunRecord,
  baselineUnusable: boolean,
  files: Pick<EvalOutcome, 'historyFile' | 'latestFile' | 'summaryFile' | 'dashboardFile'>,
): EvalOutcome {
  if (baselineUnusable)
    return { exitCode: 2, message: 'the baseline file is unusable (see above)', ...files };
  const gate = run.gate;
  if (!gate) return { exitCode: 2, message: 'the gate produced no verdict', run, ...files };
  return { exitCode: gate.pass ? 0 : 1, message: formatVerdict(gate)[0]!, run, ...files };
}

/**
 * What identifies a config across CI runners: everything that changes results, without the paths that
 * differ from runner to runner (the config file's own path, the data directory; the data itself is
 * compared by hash per suite).
 */
export function configIdentity(config: MaspoConfig): string {
  const { file: _file, data: _data, ...rest } = config;
  return hashValue({ ...rest, llm: { ...rest.llm, sim: { ...rest.llm.sim, dataDir: undefined } } });
}

/** maspo's own version (package.json is two levels up from the sources, three from the built `dist/src`). */
async function maspoVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (const p of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(here(p), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'maspo' && pkg.version) return pkg.version;
    } catch {}
  }
  return 'unknown';
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
