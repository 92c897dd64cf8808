/**
 * Sharding figures: (1) item balance of `maspo eval --shard i/n` over the shipped suites' test splits, both
 * as the shipped config runs them (100 items each) and in full; (2) wall time of an unsharded run against
 * three shards run side by side plus the merge, on this machine, on the simulated model with the cache off.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSplit, resolveDataDir } from '../src/datasets/index.js';
import { BENCHMARK_IDS } from '../src/datasets/types.js';
import { itemsOfShard } from '../src/harness/shard.js';

const repo = resolve(import.meta.dirname, '..');

export async function balance(): Promise<void> {
  const dataDir = resolveDataDir();
  const suites = await Promise.all(
    BENCHMARK_IDS.map(async (b) => ({ b, items: await loadSplit(b, 'test', { dataDir }) })),
  );
  for (const limit of [100, undefined]) {
    process.stdout.write(
      `\nitems per shard, test splits ${limit ? `(first ${limit} per suite, as shipped)` : '(full)'}\n`,
    );
    for (const count of [2, 3, 4, 6]) {
      const totals = Array.from({ length: count }, () => 0);
      const perSuite: string[] = [];
      for (const { b, items } of suites) {
        const used = limit ? items.slice(0, limit) : items;
        const sizes = totals.map((_, k) => itemsOfShard(b, used, { index: k + 1, count }).length);
        sizes.forEach((s, k) => {
          totals[k]! += s;
        });
        perSuite.push(`${b} ${Math.min(...sizes)}–${Math.max(...sizes)}`);
      }
      process.stdout.write(
        `  n=${count}: shards ${totals.join(' / ')} (spread ${Math.max(...totals) - Math.min(...totals)}); per suite ${perSuite.join(', ')}\n`,
      );
    }
  }
}

function maspo(args: string[], cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [join(repo, 'bin/maspo.js'), ...args],
      { cwd, env: { ...process.env, GITHUB_STEP_SUMMARY: '' }, maxBuffer: 1 << 26 },
      (err) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code !== 0 && code !== 1) fail(new Error(`maspo ${args.join(' ')} exited ${code}`));
        else done(code);
      },
    );
  });
}

async function wallTime(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-shard-bench-'));
  const suites = ['math500', 'gpqa-diamond', 'aqua', 'agieval-math', 'mbpp', 'humaneval-et'];
  for (const b of suites) copyFileSync(join(repo, `benchmarks/${b}.eval.ts`), join(dir, `${b}.eval.ts`));
  writeFileSync(
    join(dir, 'maspo.config.yaml'),
    [
      'name: shard-bench',
      `benchmarks: [${suites.join(', ')}]`,
      'system: { topology: sequential, rounds: 1 }',
      'models: { agent: sim:sim-small }',
      'llm: { cache: { mode: "off" } }',
      'eval: { split: test, limit: 100 }',
      '',
    ].join('\n'),
  );
  const common = ['eval', '--config', 'maspo.config.yaml', '--seed-prompts'];
  const t0 = performance.now();
  await maspo([...common, '--results', 'whole.json'], dir);
  const whole = performance.now() - t0;
  const t1 = performance.now();
  await Promise.all(
    [1, 2, 3].map((i) => maspo([...common, '--shard', `${i}/3`, '--shard-dir', 'shards'], dir)),
  );
  const shards = performance.now() - t1;
  const t2 = performance.now();
  await maspo(
    ['eval', '--config', 'maspo.config.yaml', '--merge', 'shards', '--results', 'merged.json'],
    dir,
  );
  const merge = performance.now() - t2;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(
    `\nwall time, 6 suites × 100 items, sim, cache off, 2 cores: unsharded ${s(whole)}; ` +
      `3 shards side by side ${s(shards)} + merge ${s(merge)} = ${s(shards + merge)} (${(whole / (shards + merge)).toFixed(2)}×)\n`,
  );
}

export default async function bench(): Promise<void> {
  await balance();
  await wallTime();
}
