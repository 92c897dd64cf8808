import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestModule } from 'vitest/node';
import JsonReporter from '../../reporters/json.js';
import { baselineFromRun, readBaseline, readHistory, writeBaseline } from '../../src/harness/baseline.js';
import { sharedState } from '../../src/harness/reporting.js';
import { RUN_RECORD_VERSION, type RunRecord } from '../../src/harness/types.js';
import { outcomes, perturb, run } from '../harness/synthetic.js';

const repo = resolve(import.meta.dirname, '../..');

/** Hands a synthetic run record to the reporters as if Vitest had just finished `modules`. */
function finish(reporter: JsonReporter, record: RunRecord): void {
  const modules: TestModule[] = [];
  sharedState().runs.set(modules, record);
  reporter.onTestRunEnd(modules);
}

function maspo(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(repo, 'bin/maspo.js'), ...args], { cwd }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}\n${stderr}` }),
    );
  });
}

describe('json reporter: versioned history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-json-'));
  const history = join(dir, 'history.jsonl');
  const latest = join(dir, 'results.json');
  const baselineFile = join(dir, 'baseline.json');
  const base = outcomes(100, 70);

  it('appends one versioned record per run, with the gate verdict, and writes the latest alone', async () => {
    await writeBaseline(baselineFile, baselineFromRun(run({ math500: base })));
    const reporter = new JsonReporter({ history, latest, baseline: baselineFile });
    const first = run({ math500: base });
    first.runId = 'r1';
    const second = run({ math500: perturb(base, 20, 0) });
    second.runId = 'r2';
    finish(reporter, first);
    finish(reporter, second);
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const recs = lines.map((l) => JSON.parse(l) as RunRecord);
    expect(recs.map((r) => [r.version, r.kind, r.runId])).toEqual([
      [RUN_RECORD_VERSION, 'maspo-run', 'r1'],
      [RUN_RECORD_VERSION, 'maspo-run', 'r2'],
    ]);
    expect(recs.map((r) => r.gate?.pass)).toEqual([true, false]);
    expect(recs[1]!.benchmarks[0]).toMatchObject({ benchmark: 'math500', n: 100, accuracy: 0.5 });
    expect(recs[1]!.items.math500).toHaveLength(100);
    const last = JSON.parse(readFileSync(latest, 'utf8')) as RunRecord;
    expect(last.runId).toBe('r2');
  });

  it('readers skip records of another version and name the line of a corrupt one', () => {
    appendFileSync(
      history,
      `${JSON.stringify({ ...run({ math500: base }), version: 99, runId: 'future' })}\n`,
    );
    expect(readHistory(history).map((r) => r.runId)).toEqual(['r1', 'r2']);
    appendFileSync(history, '{not json\n');
    expect(() => readHistory(history)).toThrow(`${history}:4: not valid JSON`);
  });

  it('`maspo baseline update` writes the baseline from the latest results (and --only merges)', async () => {
    const out = join(dir, 'new-baseline.json');
    const two = run({ math500: perturb(base, 10, 0), aqua: outcomes(40, 10) });
    two.runId = 'r3';
    writeFileSync(latest, JSON.stringify(two));
    const a = await maspo(['baseline', 'update', '--results', latest, '--baseline', out], dir);
    expect(a.code).toBe(0);
    expect(a.out).toContain(`wrote ${out} (2 benchmark(s) from run r3) (simulated model)`);
    expect(a.out).toContain('math500: 100 items, accuracy 60.0%');
    const b = readBaseline(out);
    expect(Object.keys(b.benchmarks)).toEqual(['aqua', 'math500']);
    // Each item keeps its final answer (`a`) for the flips table of later runs.
    expect(b.benchmarks.math500!.items['math500/0']).toEqual({ c: 0, m: 0, a: '7' });
    expect(b.benchmarks.math500!.items['math500/99']).toEqual({ c: 0, m: 0, a: '7' });
    expect(b.benchmarks.math500!.items['math500/50']).toEqual({ c: 1, m: 0, a: '42' });

    // --only aqua: math500 stays as it was; an unknown benchmark is unusable input (exit 2).
    const three = run({ math500: base, aqua: outcomes(40, 30) });
    writeFileSync(latest, JSON.stringify(three));
    const c = await maspo(['baseline', 'update', '-r', latest, '-b', out, '--only', 'aqua'], dir);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/aqua: .*\(updated from run/);
    expect(c.out).toMatch(/math500: .*\(kept from the previous baseline\)/);
    const merged = readBaseline(out);
    expect(merged.benchmarks.aqua!.accuracy).toBe(0.75);
    expect(merged.benchmarks.math500!.accuracy).toBe(0.6);
    const d = await maspo(['baseline', 'update', '-r', latest, '-b', out, '--only', 'mbpp'], dir);
    expect(d.code).toBe(2);
    expect(d.out).toContain('--only: mbpp not in');
    const e = await maspo(['baseline', 'update', '-r', join(dir, 'nope.json'), '-b', out], dir);
    expect(e.code).toBe(2);
    expect(e.out).toContain('run `maspo eval` first');
  }, 30_000);
});
