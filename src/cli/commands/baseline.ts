import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

export function registerBaseline(program: Command): void {
  const cmd = program.command('baseline').description("The gate's committed baseline");
  cmd
    .command('update')
    .description('Write the baseline file from the latest `maspo eval` results')
    .option(
      '-r, --results <file>',
      'results of the run (a results.json or a history .jsonl: its last run)',
      '.maspo/results.json',
    )
    .option('-b, --baseline <file>', 'baseline file to write', 'baselines/maspo.baseline.json')
    .option('--only <ids>', 'comma-separated benchmarks to update (others are kept as they are)')
    .option('--force', 'accept a run that failed the gate as the new baseline (accepts its regression)')
    .action(async (o: { results: string; baseline: string; only?: string; force?: boolean }) => {
      const { readLatestRun, readBaseline, baselineFromRun, writeBaseline, HarnessInputError } = await import(
        '../../harness/baseline.js'
      );
      const { existsSync } = await import('node:fs');
      try {
        const run = readLatestRun(o.results);
        const previous = existsSync(o.baseline) ? readBaseline(o.baseline) : undefined;
        const only = o.only
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (only) {
          const unknown = only.filter((b) => !run.benchmarks.some((s) => s.benchmark === b));
          if (unknown.length)
            throw new UsageError(
              `--only: ${unknown.join(', ')} not in ${o.results} (has ${run.benchmarks.map((b) => b.benchmark).join(', ')})`,
            );
        }
        // A run that failed the gate would make its regression the new normal: only on purpose.
        const failures = (run.gate && !run.gate.pass ? run.gate.failures : []).filter(
          (f) => !only || only.includes(f.benchmark),
        );
        if (failures.length > 0 && !o.force) {
          const { formatFailure } = await import('../../harness/gate.js');
          throw new UsageError(
            `${o.results}: run ${run.runId} failed the gate (${failures.map(formatFailure).join('; ')}); ` +
              `a baseline from it would accept that regression. Fix it and run \`maspo eval\` again, or pass --force to accept it on purpose`,
          );
        }
        const baseline = baselineFromRun(run, {
          ...(previous ? { previous } : {}),
          ...(only ? { only } : {}),
        });
        await writeBaseline(o.baseline, baseline);
        const updated = new Set(
          run.benchmarks.map((s) => s.benchmark).filter((b) => !only || only.includes(b)),
        );
        // Say which benchmarks this run rewrote and which were kept from the previous baseline.
        const lines = Object.entries(baseline.benchmarks).map(
          ([b, s]) =>
            `  ${b}: ${s.n} items, accuracy ${(100 * s.accuracy).toFixed(1)}%, misalignment ${(100 * s.misalignmentRate).toFixed(1)}%` +
            (updated.has(b) ? `  (updated from run ${run.runId})` : '  (kept from the previous baseline)'),
        );
        process.stdout.write(
          `maspo baseline: wrote ${o.baseline} (${updated.size} benchmark(s) from run ${run.runId})${run.simulated ? ' (simulated model)' : ''}\n${lines.join('\n')}\n`,
        );
      } catch (err) {
        if (err instanceof HarnessInputError) throw new UsageError(err.message);
        throw err;
      }
    });
}
