/**
 * Code sandbox throughput and correctness sweep.
 *  1. All 164 HumanEval-ET reference solutions with their full ET asserts through the sandbox
 *     (bubblewrap fork servers, one per core), side by side with a naive runner that starts one
 *     unisolated `python -c program` per task (same interpreter, same concurrency, asserts joined).
 *     Target: sandbox < 15 s on 2 cores. Prints both times and the ratio.
 *  2. The full reference sweep: every HumanEval-ET and MBPP reference solution must pass (except the
 *     documented upstream-broken tasks) and every mutant must fail. Sets a failing exit code otherwise.
 */
import { availableParallelism, loadavg } from 'node:os';
import { execa } from 'execa';
import { loadBenchmarkSync } from '../src/datasets/index.js';
import type { Item } from '../src/datasets/types.js';
import { createCodeScorer, jobFor, resolvePython } from '../src/tasks/code/index.js';
import {
  checkReferenceSolutions,
  type SelfCheckReport,
  UPSTREAM_BROKEN,
} from '../src/tasks/code/selfcheck.js';
import { dataDir, requireDataDir } from '../test/support/data.js';

const workers = availableParallelism();

async function naive(items: readonly Item[], python: string): Promise<{ ms: number; passed: number }> {
  const t0 = performance.now();
  let next = 0;
  let passed = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const job = jobFor(item, item.meta.canonicalSolution ?? '');
      const program = `${job.prelude}\n${job.code}\n${job.tests.join('\n')}\n`;
      const r = await execa(python, ['-c', program], { reject: false, timeout: 21_000 });
      if (r.exitCode === 0) passed++;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return { ms: performance.now() - t0, passed };
}

function summarise(name: string, r: SelfCheckReport): boolean {
  const line = (k: string, v: unknown) => process.stdout.write(`  ${k.padEnd(28)} ${v}\n`);
  process.stdout.write(`${name}: ${r.n} reference solutions in ${(r.ms / 1000).toFixed(1)} s\n`);
  line('passed', `${r.passed.length}/${r.n}`);
  line('upstream-broken (allowed)', r.broken.map((b) => b.id).join(', ') || '-');
  line('unexpected failures', r.unexpected.length);
  for (const u of r.unexpected) line(`  ${u.id}`, u.score.detail);
  line('mutants that survived', r.survivors.length);
  for (const u of r.survivors) line(`  ${u.id}`, u.score.detail);
  line('sandbox errors', r.errors.length);
  for (const u of r.errors) line(`  ${u.id}`, u.score.error);
  return r.unexpected.length === 0 && r.survivors.length === 0 && r.errors.length === 0;
}

export default async function bench(): Promise<void> {
  requireDataDir();
  const he = loadBenchmarkSync('humaneval-et', { dataDir });
  const mbpp = loadBenchmarkSync('mbpp', { dataDir });
  const py = await resolvePython();
  const asserts = he.reduce((n, i) => n + (i.meta.tests?.length ?? 0), 0);
  process.stdout.write(
    `machine: ${workers} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; python ${py.version} at ${py.executable}\n`,
  );

  // 1. Throughput: sandbox vs naive, HumanEval-ET references, full ET asserts.
  const scorer = createCodeScorer({ workers, cacheSize: 0 });
  const sb = await scorer.sandbox();
  const t0 = performance.now();
  const scores = await Promise.all(he.map((i) => scorer.run(i, i.meta.canonicalSolution ?? '')));
  const sandboxMs = performance.now() - t0;
  const sandboxPassed = scores.filter((s) => s.correct).length;
  const n = await naive(he, py.executable);
  process.stdout.write(`HumanEval-ET, 164 reference solutions, ${asserts} asserts, ${workers} workers:\n`);
  process.stdout.write(
    `  sandbox (${sb.isolation}, fork server per core)   ${(sandboxMs / 1000).toFixed(2)} s  (${sandboxPassed}/164 pass; target < 15 s)\n`,
  );
  process.stdout.write(
    `  naive (python -c per task, no isolation)  ${(n.ms / 1000).toFixed(2)} s  (${n.passed}/164 pass; asserts joined, MapCoder style)\n`,
  );
  process.stdout.write(`  ratio naive / sandbox                     ${(n.ms / sandboxMs).toFixed(2)}x\n`);

  // 2. Full correctness sweep with mutants.
  const okHe = summarise('HumanEval-ET', await checkReferenceSolutions(he, scorer, { mutants: true }));
  const okMbpp = summarise(
    'MBPP (sanitized)',
    await checkReferenceSolutions(mbpp, scorer, { mutants: true }),
  );
  await scorer.close();
  process.stdout.write(`allow-list: ${Object.keys(UPSTREAM_BROKEN).join(', ')} (see docs/sandbox.md)\n`);
  if (!okHe || !okMbpp) {
    process.stdout.write('FULL SWEEP FAILED\n');
    process.exitCode = 1;
  } else process.stdout.write('full sweep: OK\n');
}
