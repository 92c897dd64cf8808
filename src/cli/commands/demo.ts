import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('The main job, offline on the simulated model: optimize, evaluate, gate, report')
    .action(() => {
      throw new Error('maspo demo is not implemented yet');
    });
}
