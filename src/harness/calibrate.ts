import { minimumDetectableDrop, wilsonInterval } from '../stats/index.js';
import { percent as pct } from '../util/format.js';
import { buildRunRecord } from './aggregate.js';
import { evaluateGate, type GateOptions } from './gate.js';
import type { Baseline, GateVerdict, ItemResultRecord, RunRecord } from './types.js';

/**
 * Noise-only reruns against a baseline: the data behind `maspo gate calibrate` and the gate bench.
 * Each rerun evaluates the same prompts with another seed; any failure is a false alarm.
 */

export interface RerunSource {
  run(benchmark: string, opts: { seed: number }): Promise<ItemResultRecord[]>;
}

export interface BenchmarkNoise {
  benchmark: string;
  /** Mean paired n, accuracy and discordant shares over the reruns. */
  n: number;
  accuracy: number;
  accuracyDiscordance: number;
  misalignmentDiscordance: number;
  /** Reruns in which this benchmark failed (any metric). */
  failures: number;
  /** Smallest accuracy drop detected with 80% power at α/m, from the mean n and discordance. */
  detectableDrop: number | null;
}

export interface CalibrationResult {
  reruns: number;
  /** Reruns whose gate failed. */
  falseAlarms: number;
  /** 95% Wilson interval of the false-alarm rate. */
  interval: [number, number];
  alpha: number;
  tests: number;
  benchmarks: BenchmarkNoise[];
  verdicts: GateVerdict[];
  /** Every failing line of every rerun, to spot a lucky baseline (the same failure again and again). */
  failureLines: string[];
}

/** Runs `seeds.length` noise-only reruns of `benchmarks` and gates each against `baseline`. */
export async function calibrateGate(
  source: RerunSource,
  baseline: Baseline,
  benchmarks: readonly string[],
  seeds: readonly number[],
  gate: GateOptions = {},
  onRerun?: (i: number, run: RunRecord, verdict: GateVerdict) => void,
): Promise<CalibrationResult> {
  const verdicts: GateVerdict[] = [];
  for (const [i, seed] of seeds.entries()) {
    const records: ItemResultRecord[] = [];
    for (const b of benchmarks) records.push(...(await source.run(b, { seed })));
    const run = buildRunRecord(records, { runId: `calibrate-${seed}` });
    const verdict = evaluateGate(run, baseline, gate);
    verdicts.push(verdict);
    onRerun?.(i, run, verdict);
  }
  return summarizeCalibration(verdicts, benchmarks);
}

/** Aggregates the verdicts of noise-only reruns. */
export function summarizeCalibration(
  verdicts: readonly GateVerdict[],
  benchmarks: readonly string[],
): CalibrationResult {
  const k = verdicts.length;
  const falseAlarms = verdicts.filter((v) => !v.pass).length;
  const alpha = verdicts[0]?.options.alpha ?? 0.05;
  const tests = verdicts[0]?.tests ?? 0;
  const rows = benchmarks.map((benchmark): BenchmarkNoise => {
    const cmps = verdicts.map((v) => v.comparisons.find((c) => c.benchmark === benchmark)).filter((c) => !!c);
    const mean = (f: (c: (typeof cmps)[number]) => number) =>
      cmps.length ? cmps.reduce((s, c) => s + f(c), 0) / cmps.length : 0;
    const n = mean((c) => c.paired);
    const disc = (d: [number, number] | undefined, c: { paired: number }) =>
      d && c.paired ? (d[0] + d[1]) / c.paired : 0;
    const accuracyDiscordance = mean((c) => disc(c.accuracyDiscordant, c));
    return {
      benchmark,
      n,
      accuracy: mean((c) => (c.baselineAccuracy ?? 0) + (c.accuracyDelta ?? 0)),
      accuracyDiscordance,
      misalignmentDiscordance: mean((c) => disc(c.misalignmentDiscordant, c)),
      failures: verdicts.filter((v) => v.failures.some((f) => f.benchmark === benchmark)).length,
      detectableDrop: minimumDetectableDrop(Math.round(n), accuracyDiscordance, alpha / Math.max(1, tests)),
    };
  });
  return {
    reruns: k,
    falseAlarms,
    interval: wilsonInterval(falseAlarms, k),
    alpha,
    tests,
    benchmarks: rows,
    verdicts: [...verdicts],
    failureLines: verdicts.flatMap((v, i) =>
      v.failures.map((f) => `rerun ${i + 1}: ${f.benchmark} ${f.metric}: ${f.test}`),
    ),
  };
}

/** The calibration report as text (table rows separated by two spaces). */
export function formatCalibration(r: CalibrationResult): string[] {
  const dd = (x: number | null) => (x === null ? 'none ≤ 100 pt' : `${(100 * x).toFixed(1)} pt`);
  const lines = [
    `false alarms: ${r.falseAlarms} of ${r.reruns} noise-only reruns = ${pct(r.falseAlarms / Math.max(1, r.reruns))} (95% CI ${pct(r.interval[0])}–${pct(r.interval[1])}); target ≤ α = ${r.alpha}, Holm over ${r.tests} paired tests`,
    '',
    '| benchmark | paired n | accuracy | discordant (accuracy) | discordant (misalignment) | reruns failing | 80%-power detectable drop |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...r.benchmarks.map(
      (b) =>
        `| ${b.benchmark} | ${b.n.toFixed(0)} | ${pct(b.accuracy)} | ${pct(b.accuracyDiscordance)} | ${pct(b.misalignmentDiscordance)} | ${b.failures} | ${dd(b.detectableDrop)} |`,
    ),
  ];
  if (r.failureLines.length) lines.push('', 'failing reruns:', ...r.failureLines.map((l) => `  ${l}`));
  return lines;
}
