import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { isAbort } from '../../llm/errors.js';
import { abortOnCtrlC } from '../interrupt.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The main job, offline on the simulated model: optimize, run every benchmark suite, gate, write the PR summary and dashboard',
    )
    .option('--data-dir <dir>', 'benchmark data directory (default MASPO_DATA_DIR)')
    .option('-o, --out <dir>', 'where the demo writes its outputs', '.maspo/demo')
    .option('-c, --config <file>', 'demo config (default the shipped benchmarks/maspo.config.yaml)')
    .option(
      '-b, --baseline <file>',
      'baseline for the gate (default the shipped baselines/maspo.baseline.json)',
    )
    .option('--limit <n>', 'items per benchmark suite (default the config’s eval.limit)')
    .option('--no-progress', 'no per-step progress lines')
    .action(
      async (o: {
        dataDir?: string;
        out: string;
        config?: string;
        baseline?: string;
        limit?: string;
        progress: boolean;
      }) => {
        const limit = o.limit === undefined ? undefined : Number(o.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
          throw new UsageError(`--limit must be a positive integer, got "${o.limit}"`);
        const { runDemo } = await import('../../demo/index.js');
        const ctrlC = abortOnCtrlC(
          `interrupted (Ctrl-C); nothing was gated, and the outputs in ${o.out} are incomplete. Run \`maspo demo\` again`,
        );
        try {
          const r = await runDemo({
            out: o.out,
            progress: o.progress,
            signal: ctrlC.signal,
            ...(o.dataDir ? { dataDir: o.dataDir } : {}),
            ...(o.config ? { config: o.config } : {}),
            ...(o.baseline ? { baseline: o.baseline } : {}),
            ...(limit ? { limit } : {}),
          });
          process.exitCode = r.exitCode;
        } catch (err) {
          // Whichever layer noticed the abort first, report the Ctrl-C message, not its own.
          if (ctrlC.signal.aborted && isAbort(err)) throw ctrlC.signal.reason;
          throw err;
        } finally {
          ctrlC.dispose();
        }
      },
    );
}
