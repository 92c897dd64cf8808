import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/harness/types.js';
import { runMaspo } from '../support/cli.js';

/**
 * What `maspo eval` prints, counted on the real CLI: the own-benchmark example (36 test items) with a
 * TypeScript config whose scorer throws on some items (errored items fail their Vitest tests).
 */
const repo = resolve(import.meta.dirname, '../..');
const example = join(repo, 'examples/own-benchmark');

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-eval-output-'));
  for (const f of ['arith.jsonl', 'arith.eval.ts']) copyFileSync(join(example, f), join(dir, f));
  writeFileSync(
    join(dir, 'maspo.config.ts'),
    `export default {
  name: 'noisy',
  benchmark: {
    id: 'arith',
    file: 'arith.jsonl',
    task: 'numeric',
    scorer: (output: string, item: { id: string; gold: string }) => {
      if (item.id.endsWith('7')) throw new Error('grader down for ' + item.id);
      const last = output.match(/-?\\d+(?:\\.\\d+)?/g)?.at(-1) ?? null;
      return { correct: last !== null && Number(last) === Number(item.gold), extracted: last };
    },
  },
  system: { topology: 'sequential' },
  models: { agent: 'sim:sim-small' },
};
`,
  );
  return dir;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const args = ['eval', '--config', 'maspo.config.ts', '--seed-prompts', '--max-error-rate', '0.5'];

describe('maspo eval output', () => {
  it('prints no line per passing item, the verdict once and each errored item once', async () => {
    const dir = project();
    const r = await runMaspo(args, dir);
    expect(r.code, r.out).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, '.maspo/results.json'), 'utf8')) as RunRecord;
    const items = run.benchmarks[0]!.n;
    expect(items).toBe(36);
    const errored = ['arith-17', 'arith-37', 'arith-47'];
    // the verdict, once
    expect(count(r.out, 'maspo gate: PASS')).toBe(1);
    // each error, once (one line naming the item and the scorer's message), no stack
    for (const id of errored) expect(count(r.out, `grader down for ${id}`), r.out).toBe(1);
    expect(r.out).not.toMatch(/define\.ts:\d+/);
    expect(r.out).not.toContain('Failed Tests');
    // no line per passing item, no slow-test list
    expect(r.out).not.toMatch(/✓/);
    expect(r.out).not.toMatch(/arith-0[1-9]\b/);
    expect(r.out).toContain('arith.eval.ts: 36 item(s), 3 failed (errored)');
    const lines = r.out.split('\n').filter((l) => l.trim());
    expect(lines.length, r.out).toBeLessThanOrEqual(12);
  }, 90_000);

  it("--verbose gives Vitest's own output: a line per item", async () => {
    const dir = project();
    const r = await runMaspo([...args, '--verbose'], dir);
    expect(r.code, r.out).toBe(0);
    expect(count(r.out, '✓')).toBeGreaterThanOrEqual(30);
    expect(count(r.out, 'maspo gate: PASS')).toBe(1);
  }, 90_000);
});
