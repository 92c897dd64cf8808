import type { Command } from 'commander';

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description('Grade predictions from a JSONL file (math | choice | code)')
    .action(() => {
      throw new Error('maspo grade is not implemented yet');
    });
}
