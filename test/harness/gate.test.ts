import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessInputError, readBaseline, writeBaseline } from '../../src/harness/baseline.js';
import { dashboardData, renderDashboard } from '../../src/harness/dashboard.js';
import { evaluateGate, formatFailure, formatVerdict, powerLines } from '../../src/harness/gate.js';
import { renderMarkdown } from '../../src/harness/markdown.js';
import { baselineOf, outcomes, perturb, run } from './synthetic.js';

const base = outcomes(100, 70);

describe('gate', () => {
  it('fails a real accuracy drop, naming benchmark, metric, baseline, now and the test', () => {
    const now = perturb(base, 20, 2);
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: base }));
    expect(v.pass).toBe(false);
    expect(v.failures).toHaveLength(1);
    const f = v.failures[0]!;
    expect(f).toMatchObject({ benchmark: 'math500', metric: 'accuracy', baseline: 0.7, now: 0.52 });
    const line = formatFailure(f);
    expect(line).toContain('math500');
    expect(line).toContain('accuracy');
    expect(line).toContain('baseline 70.0%');
    expect(line).toContain('now 52.0%');
    expect(line).toMatch(
      /exact McNemar one-sided p=\S+, Holm-adjusted p=\S+ ≤ α=0.05 over 2 paired test\(s\), on 100 paired items \(20 newly wrong, 2 newly right\)/,
    );
    expect(v.comparisons[0]!.accuracyP!).toBeLessThan(0.001);
  });

  it('passes noise: a small insignificant drop', () => {
    const now = perturb(base, 5, 2);
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: base }));
    expect(v.comparisons[0]!.accuracyDelta).toBeCloseTo(-0.03);
    expect(v.comparisons[0]!.accuracyP!).toBeGreaterThan(0.05);
    expect(v.pass).toBe(true);
    expect(v.notes.join('\n')).toMatch(/not significant/);
  });

  it('passes an improvement', () => {
    const now = perturb(base, 1, 20);
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: base }));
    expect(v.pass).toBe(true);
    expect(v.comparisons[0]!.accuracyDelta).toBeCloseTo(0.19);
    expect(v.notes.join('\n')).toMatch(/improved/);
  });

  it('passes a significant drop that stays within the tolerance', () => {
    const big = outcomes(3000, 2100);
    const now = perturb(big, 40, 5); // −1.2 pt, p ≪ 0.05
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: big }), { accuracyTolerance: 0.02 });
    expect(v.comparisons[0]!.accuracyP!).toBeLessThan(0.001);
    expect(v.pass).toBe(true);
    const strict = evaluateGate(run({ math500: now }), baselineOf({ math500: big }), {
      accuracyTolerance: 0.005,
    });
    expect(strict.pass).toBe(false);
  });

  it('respects a configurable alpha', () => {
    const now = perturb(base, 12, 2); // p ≈ 0.0065 one-sided, Holm-adjusted over 2 tests ≈ 0.013
    const at05 = evaluateGate(run({ math500: now }), baselineOf({ math500: base }), { alpha: 0.05 });
    const at01 = evaluateGate(run({ math500: now }), baselineOf({ math500: base }), { alpha: 0.01 });
    expect(at05.comparisons[0]!.accuracyPAdjusted!).toBeGreaterThan(0.01);
    expect(at05.comparisons[0]!.accuracyPAdjusted!).toBeLessThan(0.05);
    expect(at05.pass).toBe(false);
    expect(at01.pass).toBe(true);
  });

  it('fails a significant misalignment-rate rise even when accuracy holds', () => {
    const now = base.map((o, i) => ({ ...o, misaligned: !o.correct && i < 95 }));
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: base }));
    expect(v.pass).toBe(false);
    expect(v.failures.map((f) => f.metric)).toEqual(['misalignmentRate']);
    expect(v.failures[0]).toMatchObject({ baseline: 0, now: 0.25 });
    expect(formatFailure(v.failures[0]!)).toMatch(
      /misalignment rate: baseline 0\.0% → now 25\.0% \(exact McNemar/,
    );
  });

  it('fails when errors exceed the ceiling and keeps errored items out of the paired test', () => {
    const now = base.map((o, i) => (i < 8 ? { correct: false, error: 'provider timeout' } : o));
    const v = evaluateGate(run({ math500: now }), baselineOf({ math500: base }));
    expect(v.comparisons[0]!.paired).toBe(92);
    expect(v.comparisons[0]!.accuracyDelta).toBe(0);
    expect(v.failures).toHaveLength(1);
    expect(v.failures[0]).toMatchObject({ metric: 'errorRate', now: 0.08, baseline: 0 });
    expect(formatFailure(v.failures[0]!)).toContain(
      'error-rate ceiling 5.0% exceeded (8 of 100 items errored)',
    );
    const lenient = evaluateGate(run({ math500: now }), baselineOf({ math500: base }), { maxErrorRate: 0.1 });
    expect(lenient.pass).toBe(true);
  });

  it('enforces absolute floors from options and from the suite thresholds, without a baseline', () => {
    const r = run({ aqua: outcomes(50, 20) });
    const v = evaluateGate(r, undefined, { floors: { aqua: { minAccuracy: 0.5 } } });
    expect(v.pass).toBe(false);
    expect(formatFailure(v.failures[0]!)).toContain(
      'FAIL aqua accuracy: baseline none → now 40.0% (absolute floor minAccuracy=50.0%',
    );
    r.benchmarks[0]!.thresholds = { maxMisalignmentRate: 0.1, minAccuracy: 0.3 };
    r.benchmarks[0]!.misalignmentRate = 0.2;
    const w = evaluateGate(r, undefined);
    expect(w.failures.map((f) => f.metric)).toEqual(['misalignmentRate']);
    expect(v.notes.join()).toMatch(/no baseline entry/);
  });

  it('gates each benchmark separately', () => {
    const b = { math500: base, aqua: outcomes(100, 40) };
    const v = evaluateGate(run({ math500: base, aqua: perturb(b.aqua, 25, 0) }), baselineOf(b));
    expect(v.failures.map((f) => `${f.benchmark}:${f.metric}`)).toEqual(['aqua:accuracy']);
    expect(formatVerdict(v)[0]).toContain('FAILED (1 failing metric');
  });

  it('pairs items by id and ignores items missing from the baseline', () => {
    const v = evaluateGate(run({ math500: outcomes(120, 84) }), baselineOf({ math500: base }));
    expect(v.comparisons[0]!.paired).toBe(100);
    expect(v.notes.join()).toMatch(/20 item\(s\) are not in the baseline/);
  });
});

describe('baseline file', () => {
  it('round-trips and rejects invalid files with the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-baseline-'));
    const file = join(dir, 'b.json');
    const b = baselineOf({ math500: base });
    await writeBaseline(file, b);
    expect(readBaseline(file)).toEqual(b);
    writeFileSync(
      file,
      JSON.stringify({ ...b, benchmarks: { math500: { ...b.benchmarks.math500, accuracy: 2 } } }),
    );
    expect(() => readBaseline(file)).toThrow(HarnessInputError);
    expect(() => readBaseline(file)).toThrow(/benchmarks\.math500\.accuracy/);
    expect(() => readBaseline(join(dir, 'missing.json'))).toThrow(/maspo baseline update/);
    writeFileSync(file, '{oops');
    expect(() => readBaseline(file)).toThrow(/not valid JSON/);
  });

  it('controls the family-wise error: a lone p≈0.02 among six suites passes, real damage still fails', () => {
    const suites = ['math500', 'aqua', 'gpqa-diamond', 'agieval-math', 'mbpp', 'humaneval-et'];
    const base6 = Object.fromEntries(suites.map((b) => [b, base]));
    const noisy = { ...base6, aqua: perturb(base, 10, 2) }; // raw p ≈ 0.019: would fail without correction
    const v = evaluateGate(run(noisy), baselineOf(base6));
    expect(v.tests).toBe(12);
    const aqua = v.comparisons.find((c) => c.benchmark === 'aqua')!;
    expect(aqua.accuracyP!).toBeLessThan(0.05);
    expect(aqua.accuracyPAdjusted!).toBeGreaterThan(0.05);
    expect(v.pass).toBe(true);
    expect(v.notes.join('\n')).toMatch(/aqua: accuracy .* not significant after Holm's correction/);

    const damaged = evaluateGate(run({ ...base6, math500: perturb(base, 20, 2) }), baselineOf(base6));
    expect(damaged.pass).toBe(false);
    expect(damaged.failures.map((f) => `${f.benchmark} ${f.metric}`)).toEqual(['math500 accuracy']);
    expect(damaged.failures[0]!.borderline).toBe(false); // adjusted p ≈ 7e-4 < α/10
  });

  it('flags a failure with weak evidence as borderline (adjusted p in (α/10, α])', () => {
    const v = evaluateGate(run({ math500: perturb(base, 12, 2) }), baselineOf({ math500: base }));
    expect(v.pass).toBe(false);
    expect(v.failures[0]!.pAdjusted!).toBeGreaterThan(0.005);
    expect(v.failures[0]!.borderline).toBe(true);
  });

  it('states power per benchmark and warns when n cannot detect the tolerance', () => {
    const small = outcomes(30, 20);
    const v = evaluateGate(run({ math500: perturb(small, 2, 2) }), baselineOf({ math500: small }));
    const pw = v.comparisons[0]!.power!;
    expect(pw.alpha).toBeCloseTo(0.025);
    expect(pw.underpowered).toBe(true);
    expect(pw.accuracyDrop === null || pw.accuracyDrop > 0.1).toBe(true);
    const [line] = powerLines(v);
    expect(line).toMatch(
      /^math500: with 30 paired items this run detects an accuracy drop of .* with 80% power/,
    );
    expect(line).toMatch(/WARNING: n is too small to detect the 2\.0 pt tolerance/);
    const r = run({ math500: perturb(small, 2, 2) });
    r.gate = v;
    expect(renderMarkdown(r, baselineOf({ math500: small }), v)).toContain(`- ⚠️ ${line}`);
    expect(renderDashboard(dashboardData([], r, undefined))).toMatch(
      /<ul class="power" id="power"><li class="warn">math500: with 30 paired items/,
    );
    const loose = evaluateGate(
      run({ math500: perturb(outcomes(3000, 2100), 30, 30) }),
      baselineOf({ math500: outcomes(3000, 2100) }),
      { accuracyTolerance: 0.05 },
    );
    expect(loose.comparisons[0]!.power!.underpowered).toBe(false);
    expect(powerLines(loose)[0]).not.toMatch(/WARNING/);
  });
});
