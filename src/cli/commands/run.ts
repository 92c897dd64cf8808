import type { Command } from 'commander';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run a system on a benchmark and report accuracy')
    .action(() => {
      throw new Error('maspo run is not implemented yet');
    });
}
