import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBaseline } from './commands/baseline.js';
import { registerData } from './commands/data.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerGate } from './commands/gate.js';
import { registerGrade } from './commands/grade.js';
import { registerOptimize } from './commands/optimize.js';
import { registerRun } from './commands/run.js';
import { registerSim } from './commands/sim.js';
import { debugEnabled, exitFor } from './exit-codes.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('maspo')
    .description('Joint prompt optimization (MASPO) for LLM multi-agent systems, gated in your test runner')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError()
    // Set before the commands are registered: each inherits it when created, so a mistyped flag or a
    // missing option of any command (and sub-command) throws a CommanderError instead of exiting 1.
    .exitOverride();
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

/** Runs the CLI; the exit code follows the one table in ./exit-codes.ts (docs/cli.md). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const { code, message } = exitFor(err, debugEnabled());
    if (message) process.stderr.write(`${message}\n`);
    process.exitCode = code;
  }
}
