import type { Command } from 'commander';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Run the benchmark suites through Vitest and gate the result')
    .action(() => {
      throw new Error('maspo eval is not implemented yet');
    });
}
