import { mcnemarOneSidedWorse } from '../stats/index.js';
import { pValue as fmtP, percent as pct } from '../util/format.js';
import type {
  Baseline,
  BenchmarkComparison,
  BenchmarkThresholds,
  GateFailure,
  GateVerdict,
  RunRecord,
} from './types.js';

export interface GateOptions {
  /** Significance level of the one-sided exact McNemar tests (default 0.05). */
  alpha?: number;
  /** An accuracy drop must exceed this (absolute, 0–1) to fail, even when significant (default 0.02). */
  accuracyTolerance?: number;
  /** A misalignment-rate rise must exceed this (absolute, 0–1) to fail (default 0.02). */
  misalignmentTolerance?: number;
  /** Error-rate ceiling for every benchmark (default 0.05); a suite's own `thresholds.maxErrorRate` wins. */
  maxErrorRate?: number;
  /** Absolute limits per benchmark id (or `*` for all), merged over each suite's own thresholds. */
  floors?: Record<string, BenchmarkThresholds>;
}

export const DEFAULT_GATE = {
  alpha: 0.05,
  accuracyTolerance: 0.02,
  misalignmentTolerance: 0.02,
  maxErrorRate: 0.05,
};

const pt = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pt`;

/**
 * The gate's decision. Per benchmark:
 * - accuracy: fails when the drop on paired items (present in both runs, errored in neither) is significant
 *   by a one-sided exact McNemar test at `alpha` AND larger than `accuracyTolerance`;
 * - misalignment rate: the same test on the misaligned flags (a rise fails);
 * - absolute floors/ceilings: `minAccuracy`, `maxMisalignmentRate`, `maxErrorRate`.
 * Improvements, insignificant changes and changes within tolerance pass.
 */
export function evaluateGate(
  run: RunRecord,
  baseline: Baseline | undefined,
  options: GateOptions = {},
): GateVerdict {
  const o = {
    alpha: options.alpha ?? DEFAULT_GATE.alpha,
    accuracyTolerance: options.accuracyTolerance ?? DEFAULT_GATE.accuracyTolerance,
    misalignmentTolerance: options.misalignmentTolerance ?? DEFAULT_GATE.misalignmentTolerance,
    maxErrorRate: options.maxErrorRate ?? DEFAULT_GATE.maxErrorRate,
  };
  const failures: GateFailure[] = [];
  const notes: string[] = [];
  const comparisons: BenchmarkComparison[] = [];

  for (const s of run.benchmarks) {
    const limits: BenchmarkThresholds = {
      ...(s.thresholds ?? {}),
      ...(options.floors?.['*'] ?? {}),
      ...(options.floors?.[s.benchmark] ?? {}),
    };
    const base = baseline?.benchmarks[s.benchmark];
    const cmp: BenchmarkComparison = {
      benchmark: s.benchmark,
      paired: 0,
      baselineAccuracy: null,
      accuracyDelta: null,
      accuracyP: null,
      baselineMisalignmentRate: null,
      misalignmentDelta: null,
      misalignmentP: null,
      baselineErrorRate: base ? base.errorRate : null,
    };
    if (!base) {
      notes.push(
        `${s.benchmark}: no baseline entry; only absolute limits were checked (add one with \`maspo baseline update\`)`,
      );
    } else {
      if (base.split !== s.split)
        notes.push(`${s.benchmark}: baseline split ${base.split} differs from this run's ${s.split}`);
      let n = 0;
      let accB = 0; // right before, wrong now
      let accC = 0; // wrong before, right now
      let baseCorrect = 0;
      let nowCorrect = 0;
      let misB = 0; // aligned before, misaligned now (worse)
      let misC = 0;
      let baseMis = 0;
      let nowMis = 0;
      let unpaired = 0;
      for (const it of run.items[s.benchmark] ?? []) {
        const b = base.items[it.id];
        if (!b) {
          unpaired++;
          continue;
        }
        if (b.e || it.error) continue;
        n++;
        const before = b.c === 1;
        const now = it.correct;
        if (before) baseCorrect++;
        if (now) nowCorrect++;
        if (before && !now) accB++;
        if (!before && now) accC++;
        const mBefore = b.m === 1;
        if (mBefore) baseMis++;
        if (it.misaligned) nowMis++;
        if (!mBefore && it.misaligned) misB++;
        if (mBefore && !it.misaligned) misC++;
      }
      if (unpaired > 0)
        notes.push(`${s.benchmark}: ${unpaired} item(s) are not in the baseline and were not compared`);
      cmp.paired = n;
      if (n === 0) {
        notes.push(`${s.benchmark}: no paired items with the baseline; the paired tests were skipped`);
      } else {
        const bAcc = baseCorrect / n;
        const nAcc = nowCorrect / n;
        const accuracy = pairedCheck(s.benchmark, n, o, failures, notes, {
          metric: 'accuracy',
          label: 'accuracy',
          before: bAcc,
          now: nAcc,
          worsened: accB,
          improved: accC,
          worsenedLabel: 'newly wrong',
          improvedLabel: 'newly right',
          worsening: bAcc - nAcc,
          change: 'drop',
          tolerance: o.accuracyTolerance,
        });
        cmp.baselineAccuracy = bAcc;
        cmp.accuracyDelta = nAcc - bAcc;
        cmp.accuracyP = accuracy;
        if (bAcc - nAcc <= o.accuracyTolerance && nAcc > bAcc) {
          notes.push(`${s.benchmark}: accuracy improved ${pct(bAcc)} → ${pct(nAcc)} on ${n} paired items`);
        }
        const bMis = baseMis / n;
        const nMis = nowMis / n;
        cmp.baselineMisalignmentRate = bMis;
        cmp.misalignmentDelta = nMis - bMis;
        cmp.misalignmentP = pairedCheck(s.benchmark, n, o, failures, notes, {
          metric: 'misalignmentRate',
          label: 'misalignment',
          before: bMis,
          now: nMis,
          worsened: misB,
          improved: misC,
          worsenedLabel: 'newly misaligned',
          improvedLabel: 'newly aligned',
          worsening: nMis - bMis,
          change: 'rise',
          tolerance: o.misalignmentTolerance,
        });
      }
    }
    const maxErr = limits.maxErrorRate ?? o.maxErrorRate;
    if (s.errorRate > maxErr) {
      failures.push({
        benchmark: s.benchmark,
        metric: 'errorRate',
        baseline: base ? base.errorRate : null,
        now: s.errorRate,
        test: `error-rate ceiling ${pct(maxErr)} exceeded (${s.errors} of ${s.n} items errored)`,
      });
    }
    if (limits.minAccuracy !== undefined && s.accuracy < limits.minAccuracy) {
      failures.push({
        benchmark: s.benchmark,
        metric: 'accuracy',
        baseline: cmp.baselineAccuracy ?? base?.accuracy ?? null,
        now: s.accuracy,
        test: `absolute floor minAccuracy=${pct(limits.minAccuracy)} not met (${s.correct} of ${s.n} correct)`,
      });
    }
    if (limits.maxMisalignmentRate !== undefined && s.misalignmentRate > limits.maxMisalignmentRate) {
      failures.push({
        benchmark: s.benchmark,
        metric: 'misalignmentRate',
        baseline: cmp.baselineMisalignmentRate ?? base?.misalignmentRate ?? null,
        now: s.misalignmentRate,
        test: `absolute ceiling maxMisalignmentRate=${pct(limits.maxMisalignmentRate)} exceeded (${s.misaligned} of ${s.n} items)`,
      });
    }
    comparisons.push(cmp);
  }
  if (run.benchmarks.length === 0) notes.push('no benchmark results in this run; nothing was gated');
  return { pass: failures.length === 0, failures, notes, comparisons, options: o };
}

const METRIC_NAMES: Record<GateFailure['metric'], string> = {
  accuracy: 'accuracy',
  misalignmentRate: 'misalignment rate',
  errorRate: 'error rate',
  coverage: 'coverage',
};

/** One line per failing metric: benchmark, metric, baseline, now, and the test used. */
export function formatFailure(f: GateFailure): string {
  const base = f.baseline === null ? 'none' : pct(f.baseline);
  return `FAIL ${f.benchmark} ${METRIC_NAMES[f.metric]}: baseline ${base} → now ${pct(f.now)} (${f.test})`;
}

export function formatVerdict(v: GateVerdict): string[] {
  if (v.pass) return [`maspo gate: PASS (${v.comparisons.length} benchmark(s); α=${v.options.alpha})`];
  return [
    `maspo gate: FAILED (${v.failures.length} failing metric(s))`,
    ...v.failures.map((f) => `  ${formatFailure(f)}`),
  ];
}

interface PairedMetric {
  metric: GateFailure['metric'];
  label: string;
  before: number;
  now: number;
  /** Paired items that got worse (right → wrong, aligned → misaligned) and better. */
  worsened: number;
  improved: number;
  worsenedLabel: string;
  improvedLabel: string;
  /** How much worse the metric got (positive = worse). */
  worsening: number;
  change: 'drop' | 'rise';
  tolerance: number;
}

/**
 * One paired regression check: fails only when the exact one-sided McNemar test is significant AND the
 * change is beyond the tolerance; a large but insignificant change is noted as noise. Returns the p-value.
 */
function pairedCheck(
  benchmark: string,
  n: number,
  o: { alpha: number },
  failures: GateFailure[],
  notes: string[],
  m: PairedMetric,
): number {
  const p = mcnemarOneSidedWorse(m.worsened, m.improved);
  if (p < o.alpha && m.worsening > m.tolerance) {
    failures.push({
      benchmark,
      metric: m.metric,
      baseline: m.before,
      now: m.now,
      test: `exact McNemar one-sided p=${fmtP(p)} < α=${o.alpha} on ${n} paired items (${m.worsened} ${m.worsenedLabel}, ${m.improved} ${m.improvedLabel}), ${m.change} ${pt(m.now - m.before)} beyond tolerance ${pt(m.tolerance).slice(1)}`,
    });
  } else if (m.worsening > m.tolerance) {
    notes.push(
      `${benchmark}: ${m.label} ${pct(m.before)} → ${pct(m.now)} is not significant (p=${fmtP(p)} ≥ α=${o.alpha}); passes as noise`,
    );
  }
  return p;
}
