import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EvalOptions, runEval } from '../../src/harness/run.js';
import type { RunRecord } from '../../src/harness/types.js';
import { runMaspo } from '../support/cli.js';

/**
 * Sharding as CI runs it: three `maspo eval --shard i/3` processes (in parallel, as a matrix would), then
 * `maspo eval --merge`, against one unsharded `maspo eval` of the same config — same items, same verdict.
 */
const repo = resolve(import.meta.dirname, '../..');
const baseline = join(repo, 'baselines/maspo.baseline.json');

const maspo = runMaspo;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-shard-e2e-'));
  for (const b of ['math500', 'aqua'])
    copyFileSync(join(repo, `benchmarks/${b}.eval.ts`), join(dir, `${b}.eval.ts`));
  // The cache is off so that usage counts (calls answered from cache) cannot differ between the runs.
  writeFileSync(
    join(dir, 'maspo.config.yaml'),
    [
      'name: shard-e2e',
      'seed: 1',
      'benchmarks: [math500, aqua]',
      'system: { topology: sequential, rounds: 1 }',
      'models: { agent: sim:sim-small }',
      'llm: { cache: { mode: "off" } }',
      'eval: { split: test, limit: 10 }',
      '',
    ].join('\n'),
  );
  return dir;
}

const outputs = (dir: string, tag: string) => [
  '--baseline',
  baseline,
  '--summary',
  join(dir, `${tag}.md`),
  '--dashboard',
  join(dir, `${tag}-dash`),
  '--history',
  join(dir, `${tag}-history.jsonl`),
  '--results',
  join(dir, `${tag}.json`),
];

const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as RunRecord;

describe('maspo eval --shard / --merge', () => {
  it('three shards merged equal one unsharded run: items, summaries and verdict', {
    timeout: 240_000,
  }, async () => {
    const dir = workspace();
    const common = ['eval', '--config', 'maspo.config.yaml', '--seed-prompts'];
    const [whole, ...shards] = await Promise.all([
      maspo([...common, ...outputs(dir, 'whole')], dir),
      ...[1, 2, 3].map((i) => maspo([...common, '--shard', `${i}/3`, '--shard-dir', 'shards'], dir)),
    ]);
    for (const [k, s] of shards.entries()) {
      expect(s.out, `shard ${k + 1}`).toContain(`shard ${k + 1}/3:`);
      expect(s.code, s.out).toBe(0);
      // A shard neither gates nor writes the run's reports.
      expect(s.out).not.toContain('maspo gate:');
    }
    const merged = await maspo(
      ['eval', '--config', 'maspo.config.yaml', '--merge', 'shards', ...outputs(dir, 'merged')],
      dir,
    );
    expect(merged.code, merged.out).toBe(whole.code);
    expect([0, 1]).toContain(whole.code);

    const a = read(join(dir, 'whole.json'));
    const b = read(join(dir, 'merged.json'));
    expect(b.items).toEqual(a.items);
    expect(Object.values(b.items).flat()).toHaveLength(20);
    expect(b.benchmarks).toEqual(a.benchmarks);
    expect(b.prompts).toEqual(a.prompts);
    expect(b.simulated).toBe(true);
    expect(b.gate).toEqual(a.gate);
    // The summaries differ only in their run id and time.
    const strip = (s: string) =>
      s.replace(/\d{8}-\d{6}/g, 'RUN').replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, 'TIME');
    expect(strip(readFileSync(join(dir, 'merged.md'), 'utf8'))).toEqual(
      strip(readFileSync(join(dir, 'whole.md'), 'utf8')),
    );

    // Never gate on partial results: a missing shard is unusable input (exit 2), naming the shard.
    rmSync(join(dir, 'shards/maspo-shard-2-of-3.json'));
    const partial = await maspo(
      ['eval', '--config', 'maspo.config.yaml', '--merge', 'shards', ...outputs(dir, 'partial')],
      dir,
    );
    expect(partial.code).toBe(2);
    expect(partial.out).toContain('shard 2/3 missing');
  });

  it('rejects unusable shard flags with exit 2 before running anything', async () => {
    const dir = workspace();
    const cases: Array<[Partial<EvalOptions>, RegExp]> = [
      [{ shard: { index: 1, count: 3 } }, /--shard needs --shard-dir/],
      [{ shardDir: 's' }, /--shard-dir goes with --shard/],
      [{ shard: { index: 1, count: 2 }, shardDir: 's', merge: 's' }, /give one of the two/],
      [{ merge: 's', seedPrompts: true }, /drop --seed-prompts/],
    ];
    for (const [flags, message] of cases) {
      const r = await runEval({ config: 'maspo.config.yaml', root: dir, log: () => {}, ...flags });
      expect(r.exitCode).toBe(2);
      expect(r.message).toMatch(message);
    }
    // Through the CLI, a malformed --shard is a usage error (exit 2) too.
    const cli = await maspo(
      ['eval', '--config', 'maspo.config.yaml', '--shard', '4/3', '--shard-dir', 's'],
      dir,
    );
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/--shard must be i\/n/);
  });
});
