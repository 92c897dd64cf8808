import type { Command } from 'commander';
import type { RunFlags } from './run-action.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run a system on a benchmark and report accuracy, errors, misalignment and cost')
    .requiredOption('-c, --config <file>', 'config file (YAML, or TS with defineConfig)')
    .option('--split <split>', 'train | dev | test (default: eval.split in the config, else test)')
    .option('--limit <n>', 'only the first n items of the split')
    .option('--out <dir>', 'output directory (default: .maspo/out/<config name>)')
    .option('--benchmark <id>', "one of the config's benchmarks (default: all of them)")
    .option(
      '--prompts <file>',
      'prompt overrides: a maspo.prompts.json artifact or a JSON map {agentId: prompt}',
    )
    .option(
      '--data-dir <dir>',
      'benchmark data directory (default: data.dir in the config, else MASPO_DATA_DIR)',
    )
    .option(
      '--concurrency <n>',
      'items in flight at once (default 16; the LLM layer limits calls per endpoint)',
    )
    .option(
      '--max-error-rate <fraction>',
      'most errored items tolerated, as a share of the items (0–1, default 0.05); above it the run exits 1',
    )
    .option('--cache <mode>', 'override llm.cache.mode: off | read-write | replay')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: RunFlags) => {
      const { runCommand } = await import('./run-action.js');
      await runCommand(flags);
    });
}
