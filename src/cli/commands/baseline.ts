import type { Command } from 'commander';

export function registerBaseline(program: Command): void {
  program
    .command('baseline')
    .description("Write the gate's baseline file from the latest results")
    .action(() => {
      throw new Error('maspo baseline is not implemented yet');
    });
}
