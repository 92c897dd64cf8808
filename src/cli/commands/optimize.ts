import type { Command } from 'commander';

export function registerOptimize(program: Command): void {
  program
    .command('optimize')
    .description("Optimize a system's prompts with MASPO")
    .action(() => {
      throw new Error('maspo optimize is not implemented yet');
    });
}
