import type { OptimizeResult } from './index.js';
import { orderFlipRate } from './judge.js';

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
