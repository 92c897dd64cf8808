import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { isAbort } from '../llm/errors.js';
import { registerBaseline } from './commands/baseline.js';
import { registerData } from './commands/data.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerGate } from './commands/gate.js';
import { registerGrade } from './commands/grade.js';
import { registerOptimize } from './commands/optimize.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('maspo')
    .description('Joint prompt optimization (MASPO) for LLM multi-agent systems, gated in your test runner')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError();
  // Each command module registers itself and imports its heavy modules lazily, so `--help` stays fast.
  registerDemo(program);
  registerData(program);
  registerGrade(program);
  registerSim(program);
  registerRun(program);
  registerOptimize(program);
  registerEval(program);
  registerBaseline(program);
  registerGate(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isAbort(err)) {
      process.stderr.write(`maspo: ${(err as Error).message}\n`);
      process.exitCode = 130;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`maspo: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`maspo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
