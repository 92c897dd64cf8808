import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineFromRun, readBaseline } from '../../src/harness/baseline.js';
import { evaluateGate } from '../../src/harness/gate.js';
import { outcomes, perturb, run } from '../harness/synthetic.js';
import { runMaspo } from '../support/cli.js';

describe('maspo baseline update refuses a run that failed the gate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-baseline-update-'));
  const base = outcomes(100, 70);
  const previous = run({ math500: base });
  // 20 items right → wrong: a real, significant accuracy drop the gate fails.
  const failed = run({ math500: perturb(base, 20, 0), aqua: outcomes(40, 20) });
  failed.runId = 'r-failed';
  failed.gate = evaluateGate(failed, baselineFromRun(previous));
  const results = join(dir, 'results.json');
  writeFileSync(results, JSON.stringify(failed));

  it('exits 2 saying why and how, and writes nothing', async () => {
    expect(failed.gate!.pass).toBe(false);
    const out = join(dir, 'refused.json');
    const r = await runMaspo(['baseline', 'update', '-r', results, '-b', out], dir);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(
      `${results}: run r-failed failed the gate (FAIL math500 accuracy: baseline 70.0%`,
    );
    expect(r.out).toContain('pass --force to accept it on purpose');
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  it('--force accepts it; --only a benchmark that did not fail needs no --force', async () => {
    const forced = join(dir, 'forced.json');
    const f = await runMaspo(['baseline', 'update', '-r', results, '-b', forced, '--force'], dir);
    expect(f.code, f.out).toBe(0);
    expect(readBaseline(forced).benchmarks.math500!.accuracy).toBe(0.5);
    const only = join(dir, 'only.json');
    const o = await runMaspo(['baseline', 'update', '-r', results, '-b', only, '--only', 'aqua'], dir);
    expect(o.code, o.out).toBe(0);
    expect(Object.keys(readBaseline(only).benchmarks)).toEqual(['aqua']);
  }, 30_000);
});
