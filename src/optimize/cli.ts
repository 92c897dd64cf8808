import { existsSync } from 'node:fs';
import { UsageError } from '../cli/errors.js';
import { abortOnCtrlC } from '../cli/interrupt.js';
import type { BenchmarkId } from '../datasets/types.js';
import { type OptimizeResult, optimize, ResumeError } from './index.js';
import { orderFlipRate } from './judge.js';
import type { ProgressInfo } from './search.js';

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
  const { loadConfig } = await import('../config/index.js');
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(flags.config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (flags.benchmark && !config.benchmarks.includes(flags.benchmark as BenchmarkId)) {
    throw new UsageError(
      `--benchmark ${flags.benchmark}: not one of ${flags.config}'s benchmarks (${config.benchmarks.join(', ')})`,
    );
  }
  const { createLlmClient } = await import('../llm/client.js');
  const client = createLlmClient(config.llm);
  const ctrlC = abortOnCtrlC('interrupted (Ctrl-C); continue with `maspo optimize --resume`');
  const bar = await progressBar(flags.progress !== false && !flags.dryRun && process.stderr.isTTY === true);
  let result: OptimizeResult;
  try {
    result = await optimize(config, {
      client,
      ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
      ...(flags.dryRun ? { dryRun: true } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
      ...(flags.benchmark ? { benchmark: flags.benchmark as BenchmarkId } : {}),
      signal: ctrlC.signal,
      onProgress: (p) => bar.update(p, client.usage().total.usd),
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
  return result;
}

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

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? '  -  ' : x.toFixed(3));

/** The final report: per agent per generation, validation, calls spent and saved. */
export function formatReport(
  r: OptimizeResult,
  usage?: { total: { usd: number; savedUsd: number } },
): string {
  const a = r.artifact;
  const out: string[] = [];
  out.push(
    `${a.simulated ? '[SIMULATED] ' : ''}${a.system} on ${a.benchmark}: strategy ${a.strategy}, seed ${a.seed}`,
  );
  const label = (s: (typeof r.search.steps)[number]) =>
    `${s.agent}${s.kind === 'refresh' ? ' (refresh)' : ''}`;
  const w = Math.max(14, ...r.search.steps.map((s) => label(s).length)) + 1;
  out.push(`step ${'agent'.padEnd(w)}round gen   cands acc    R     local  look   global misalign  best J`);
  for (const s of r.search.steps) {
    const best = s.candidates.reduce<(typeof s.candidates)[number] | null>(
      (m, c) => (c.R !== null && (m === null || (m.R ?? -1) < c.R) ? c : m),
      null,
    );
    out.push(
      `${String(s.step).padStart(4)} ${label(s).padEnd(w)}${String(s.round).padStart(5)} ${String(s.generation).padStart(3)} ${String(s.candidates.length).padStart(7)} ${String(s.candidates.filter((c) => c.accepted).length).padStart(3)}  ${num(best?.R)} ${num(best?.local)} ${num(best?.lookahead)} ${num(best?.global)}  ${pct(s.misalignmentRate)}  ${s.bestJ.toFixed(3)}`,
    );
  }
  out.push(...judgeLines(r));
  const v = a.validation;
  if (v) {
    out.push(
      `validation on ${v.split} (n = ${v.n}, errors ${v.errors}): seed ${pct(v.seed.accuracy)} → optimized ${pct(v.optimized.accuracy)}, difference ${(100 * v.difference).toFixed(1)} pts, 95% CI [${(100 * v.ci[0]).toFixed(1)}, ${(100 * v.ci[1]).toFixed(1)}], McNemar p = ${v.p.toFixed(4)}; misalignment ${pct(v.seed.misalignmentRate)} → ${pct(v.optimized.misalignmentRate)}`,
    );
    out.push(`kept: ${v.kept} (${v.reason})`);
  }
  const c = r.calls.total;
  out.push(
    `calls paid: agent ${c.paid.agent}, optimizer ${c.paid.optimizer}, judge ${c.paid.judge}; saved by cache: ${c.cached.agent + c.cached.optimizer + c.cached.judge}; deduplicated in run: ${c.deduplicated.agent + c.deduplicated.optimizer + c.deduplicated.judge}`,
  );
  if (usage)
    out.push(
      `cost: $${usage.total.usd.toFixed(4)} spent, $${usage.total.savedUsd.toFixed(4)} saved by cache`,
    );
  if (a.stoppedBy) out.push(`stopped early: ${a.stoppedBy} — the best map so far was validated and written`);
  if (r.artifactPath) out.push(`artifact: ${r.artifactPath}`);
  if (r.runDir) out.push(`run dir: ${r.runDir}`);
  return `${out.join('\n')}\n`;
}

/** The judge statistics lines: pairs, requests split into paid calls and memo hits, ties, order flips. */
export function judgeLines(r: Pick<OptimizeResult, 'search' | 'calls'>): string[] {
  const j = r.search.judge;
  if (j.pairs === 0 && (j.errors ?? 0) === 0) return [];
  const flips = orderFlipRate(j);
  const c = r.calls.total;
  return [
    `judge: ${j.pairs} pairs, ${j.calls} requests (${c.paid.judge} paid calls, ${c.deduplicated.judge} answered from the run's memo, ${c.cached.judge} from the cache), ties ${pct(j.pairs ? j.ties / j.pairs : null)}, order-flip rate ${flips === null ? 'not measured (one order)' : pct(flips).trim()}, unparseable ${j.parseFailures}, items failed after retries ${j.errors ?? 0}`,
  ];
}
