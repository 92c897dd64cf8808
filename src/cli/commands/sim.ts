import type { Command } from 'commander';

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('The simulated model (offline test world)')
    .action(() => {
      throw new Error('maspo sim is not implemented yet');
    });
}
