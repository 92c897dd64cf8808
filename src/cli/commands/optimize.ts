import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { OptimizeFlags } from './optimize-action.js';

export function registerOptimize(program: Command): void {
  program
    .command('optimize')
    .description(
      "Optimize a system's prompts with MASPO (or a baseline strategy) and write maspo.prompts.json",
    )
    .requiredOption('-c, --config <file>', 'config file (YAML or TS)')
    .option('--resume [runId]', 'continue the latest run (or the given run id) after a crash or Ctrl-C')
    .option(
      '--dry-run',
      'walk the schedule and print the exact call counts and a cost estimate; spend nothing',
    )
    .option('--json', 'with --dry-run: print the counts as JSON')
    .option(
      '-o, --out <file>',
      'artifact path (default maspo.prompts.json next to the config, where `maspo eval` looks)',
    )
    .option('--runs-dir <dir>', 'where run directories live', '.maspo/runs')
    .option('-b, --benchmark <id>', "which of the config's benchmarks to optimize for (default: the first)")
    .option('--no-progress', 'no progress bar')
    .action(async (flags: OptimizeFlags) => {
      if (flags.json && !flags.dryRun) throw new UsageError('--json is only meaningful with --dry-run');
      if (flags.dryRun && flags.resume) throw new UsageError('--dry-run and --resume cannot be combined');
      const { runOptimizeCommand } = await import('./optimize-action.js');
      await runOptimizeCommand(flags);
    });
}
