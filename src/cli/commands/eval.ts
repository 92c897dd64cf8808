import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { isAbort } from '../../llm/errors.js';
import { abortOnCtrlC } from '../interrupt.js';

const num = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
  return n;
};

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'Run the benchmark suites (*.eval.ts) through Vitest and gate the result (exit 0 pass, 1 gate failed, 2 unusable input)',
    )
    .argument('[filters...]', 'Vitest file/name filters')
    .option('-c, --config <file>', 'maspo config (YAML or TS)', 'maspo.config.yaml')
    .option('-p, --prompts <file>', 'prompt artifact (default maspo.prompts.json next to the config)')
    .option(
      '-b, --baseline <file>',
      'baseline the gate compares with (default baselines/maspo.baseline.json when present)',
    )
    .option('--summary <file>', 'Markdown summary for the PR comment', '.maspo/summary.md')
    .option('--dashboard <dir>', 'directory of the HTML dashboard', '.maspo/dashboard')
    .option(
      '--history <file>',
      'results history (JSON lines) the json reporter appends to',
      '.maspo/history.jsonl',
    )
    .option(
      '--results <file>',
      'the run record alone (what `maspo baseline update` reads)',
      '.maspo/results.json',
    )
    .option('--no-optimize', 'never optimize: fail when the prompt artifact is missing or stale')
    .option(
      '--update-prompts',
      'when the prompt artifact is stale, re-optimize it in place (default: into .maspo/prompts/<config name>.prompts.json, the artifact unchanged)',
    )
    .option('--seed-prompts', "evaluate the config's own prompts (no artifact, no optimization)")
    .option('--limit <n>', 'at most n items per suite', num('limit', 1, 1e9))
    .option('--alpha <p>', 'significance level of the paired tests', num('alpha', 1e-9, 0.5))
    .option('--tolerance <pt>', 'accuracy drop / misalignment rise tolerated (0–1)', num('tolerance', 0, 1))
    .option('--max-error-rate <r>', 'error-rate ceiling (0–1)', num('max-error-rate', 0, 1))
    .option(
      '--confirm <n>',
      "confirm every failing paired metric on n fresh samples of its discordant items (default: only borderline ones, 3 samples; or the config's gate.confirm)",
      num('confirm', 1, 50),
    )
    .option(
      '--confirm-baseline',
      "allow confirmation to re-sample the baseline's prompts (it needs both sides; never done silently)",
    )
    .option(
      '--shard <i/n>',
      "run only shard i of n (a share of every suite's items; never optimizes, never gates); needs --shard-dir",
    )
    .option('--shard-dir <dir>', 'where --shard writes its results file')
    .option('--merge <dir>', "merge the shards' results in DIR and gate them as one run (runs no suite)")
    .option('--verbose', "Vitest's own output: a line per item and the slow-test list")
    .action(async (filters: string[], o: Record<string, unknown>) => {
      const { runEval } = await import('../../harness/run.js');
      const { parseShard } = await import('../../harness/shard.js');
      let shard: ReturnType<typeof parseShard> | undefined;
      try {
        shard = o.shard !== undefined ? parseShard(o.shard as string) : undefined;
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const baselineGiven =
        program.commands.find((c) => c.name() === 'eval')?.getOptionValueSource('baseline') === 'cli';
      const ctrlC = abortOnCtrlC(
        'interrupted (Ctrl-C); nothing was gated and no results or reports were written. Run `maspo eval` again',
      );
      let out: Awaited<ReturnType<typeof runEval>>;
      try {
        out = await runEval({
          config: o.config as string,
          ...(o.prompts ? { prompts: o.prompts as string } : {}),
          ...(baselineGiven ? { baseline: o.baseline as string } : {}),
          summary: o.summary as string,
          dashboard: o.dashboard as string,
          history: o.history as string,
          latest: o.results as string,
          noOptimize: o.optimize === false,
          ...(o.updatePrompts ? { updatePrompts: true } : {}),
          seedPrompts: Boolean(o.seedPrompts),
          ...(o.limit ? { limit: o.limit as number } : {}),
          ...(o.alpha !== undefined ? { alpha: o.alpha as number } : {}),
          ...(o.tolerance !== undefined
            ? { accuracyTolerance: o.tolerance as number, misalignmentTolerance: o.tolerance as number }
            : {}),
          ...(o.maxErrorRate !== undefined ? { maxErrorRate: o.maxErrorRate as number } : {}),
          ...(o.confirm !== undefined ? { confirm: Math.round(o.confirm as number) } : {}),
          ...(o.confirmBaseline ? { confirmBaseline: true } : {}),
          ...(shard ? { shard } : {}),
          ...(o.shardDir ? { shardDir: o.shardDir as string } : {}),
          ...(o.merge ? { merge: o.merge as string } : {}),
          ...(o.verbose ? { verbose: true } : {}),
          signal: ctrlC.signal,
          filters,
        });
      } catch (err) {
        // An optimization stopped by Ctrl-C: the Ctrl-C message (exit 130), not the layer's own.
        if (ctrlC.signal.aborted && isAbort(err)) throw ctrlC.signal.reason;
        throw err;
      } finally {
        ctrlC.dispose();
      }
      // Unusable input: one line, printed once (by the CLI's error path).
      if (out.exitCode === 2) throw new UsageError(out.message);
      // The gate reporter (and a confirmation stage) already printed the verdict: it is not repeated here.
      const lines = out.run?.gate ? [] : [`maspo eval: ${out.message}`];
      if (out.run && !shard) {
        lines.push(
          `maspo eval: reports${out.run.simulated ? ' (simulated model: these numbers say nothing about a real LLM)' : ''}`,
          `  summary:   ${out.summaryFile}`,
          `  dashboard: ${out.dashboardFile}`,
          `  results:   ${out.latestFile}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = out.exitCode;
    });
}
