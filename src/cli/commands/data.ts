import type { Command } from 'commander';

export function registerData(program: Command): void {
  program
    .command('data')
    .description('List, verify and pull benchmark data files')
    .action(() => {
      throw new Error('maspo data is not implemented yet');
    });
}
