import { existsSync } from 'node:fs';
import type { BenchmarkId } from '../../datasets/types.js';
import { UsageError } from '../../errors.js';
import { defaultArtifactPath } from '../../optimize/artifact-path.js';
import { type OptimizeResult, optimize, ResumeError } from '../../optimize/index.js';
import { formatReport } from '../../optimize/report.js';
import type { ProgressInfo } from '../../optimize/search.js';
import { shellCommand } from '../../util/shell.js';
import { abortOnCtrlC } from '../interrupt.js';

/** The flags of `maspo optimize`. */
export interface OptimizeFlags {
  config: string;
  resume?: boolean | string;
  dryRun?: boolean;
  json?: boolean;
  out?: string;
  runsDir?: string;
  benchmark?: string;
  progress?: boolean;
}

/** The body of `maspo optimize` (kept out of the command module so `--help` stays fast). */
export async function runOptimizeCommand(flags: OptimizeFlags): Promise<OptimizeResult> {
  if (!existsSync(flags.config))
    throw new UsageError(
      `${flags.config}: config file not found. Fix: pass --config <file>, e.g. examples/math500-sequential.yaml`,
    );
  const { loadConfig } = await import('../../config/index.js');
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(flags.config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { preflightConfig } = await import('../../config/preflight.js');
  // A dry run or a replayed cache sends nothing, so it needs no API key.
  preflightConfig(config, { needsKeys: !flags.dryRun && config.llm.cache.mode !== 'replay' });
  if (flags.benchmark && !config.benchmarks.includes(flags.benchmark as BenchmarkId)) {
    throw new UsageError(
      `--benchmark ${flags.benchmark}: not one of ${flags.config}'s benchmarks (${config.benchmarks.join(', ')})`,
    );
  }
  const { createLlmClient } = await import('../../llm/client.js');
  const client = createLlmClient(config.llm);
  const resume = resumeCommand(flags);
  const ctrlC = abortOnCtrlC(`interrupted (Ctrl-C); continue with:\n  ${resume()}`);
  const bar = await progressBar(flags.progress !== false && !flags.dryRun && process.stderr.isTTY === true);
  let result: OptimizeResult;
  try {
    result = await optimize(config, {
      client,
      ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
      ...(flags.dryRun ? { dryRun: true } : {}),
      out: flags.out ?? defaultArtifactPath(flags.config),
      ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
      ...(flags.benchmark ? { benchmark: flags.benchmark as BenchmarkId } : {}),
      signal: ctrlC.signal,
      onProgress: (p) => bar.update(p, client.usage().total.usd),
      notify: (m) => process.stderr.write(`maspo: ${m}\n`),
    });
  } catch (err) {
    if (err instanceof ResumeError) throw new UsageError(err.message);
    throw err;
  } finally {
    bar.stop();
    ctrlC.dispose();
  }
  if (result.dryRun) {
    const d = result.dryRun;
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ calls: { agent: d.calls.agent, optimizer: d.calls.optimizer, judge: d.calls.judge }, tokens: d.tokens, usd: d.usd })}\n`,
      );
    } else {
      const line = (name: string, c: typeof d.calls) =>
        `${name.padEnd(12)} ${String(c.agent).padStart(8)} ${String(c.optimizer).padStart(10)} ${String(c.judge).padStart(8)}`;
      process.stdout.write(
        [
          `dry run: ${config.name} (${result.artifact.benchmark}, strategy ${result.artifact.strategy}, ${d.steps} steps); nothing was spent`,
          `${'phase'.padEnd(12)} ${'agent'.padStart(8)} ${'optimizer'.padStart(10)} ${'judge'.padStart(8)}`,
          line('search', d.phases.search),
          line('validation', d.phases.validation),
          line('total', d.calls),
          `proposal retries: up to ${d.proposalRetries} more optimizer calls (one validation retry per proposal; the scenario's proposals are all valid)`,
          `tokens ≈ ${d.tokens.toLocaleString('en-US')}, cost ≈ $${d.usd.toFixed(4)} (price table; unpriced models count 0)`,
          `scenario: ${d.scenario}`,
          '',
        ].join('\n'),
      );
    }
    return result;
  }
  process.stdout.write(formatReport(result, client.usage()));
  if (result.artifact.stoppedBy && result.runId) {
    process.stdout.write(
      `to continue this run, raise the budget (llm.budget in ${flags.config}) and run:\n  ${resume(result.runId)}\n`,
    );
  }
  return result;
}

/**
 * The command that continues this run, as the user can paste it: the same config, runs dir, artifact
 * path and benchmark (each shell-quoted), and the run id once it is known (else the latest run of the
 * config).
 */
function resumeCommand(flags: OptimizeFlags): (runId?: string) => string {
  return (runId) =>
    shellCommand([
      'maspo',
      'optimize',
      '--config',
      flags.config,
      ...(runId ? ['--resume', runId] : ['--resume']),
      ...(flags.runsDir && flags.runsDir !== DEFAULT_RUNS_DIR ? ['--runs-dir', flags.runsDir] : []),
      ...(flags.out && flags.out !== DEFAULT_OUT ? ['--out', flags.out] : []),
      ...(flags.benchmark ? ['--benchmark', flags.benchmark] : []),
    ]);
}

const DEFAULT_RUNS_DIR = '.maspo/runs';
const DEFAULT_OUT = 'maspo.prompts.json';

async function progressBar(
  enabled: boolean,
): Promise<{ update(p: ProgressInfo, usd: number): void; stop(): void }> {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const cp = await import('cli-progress');
  const bar = new cp.default.SingleBar(
    {
      stream: process.stderr,
      format:
        'optimize [{bar}] {value}/{total} steps | {agent} r{round} g{generation} | best J {bestJ} | calls {calls} | USD {usd}',
      hideCursor: true,
    },
    cp.default.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p, usd) {
      const payload = {
        agent: p.agent,
        round: p.round,
        generation: p.generation,
        bestJ: p.bestJ.toFixed(3),
        calls: p.calls,
        usd: usd.toFixed(4),
      };
      if (!started) {
        bar.start(p.steps, p.step, payload);
        started = true;
      } else bar.update(p.step, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
