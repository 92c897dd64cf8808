import { existsSync } from 'node:fs';
import { HarnessInputError, readBaseline } from '../src/harness/baseline.js';
import { evaluateGate, formatVerdict, type GateOptions, powerLines } from '../src/harness/gate.js';
import { DEFAULT_BASELINE, RunRecordReporter } from '../src/harness/reporter-base.js';
import { raiseExitCode } from '../src/harness/reporting.js';
import type { Baseline, RunRecord } from '../src/harness/types.js';

export interface GateReporterOptions extends GateOptions {
  /** Committed baseline file. Missing file: only absolute limits are checked, unless `requireBaseline`. */
  baseline?: string;
  /** Treat a missing baseline file as unusable input (exit 2). Default: true when `baseline` is given explicitly. */
  requireBaseline?: boolean;
}

export { DEFAULT_BASELINE };

/**
 * Fails the run (process exit code 1) when a benchmark regressed against the committed baseline, with one
 * line per failing metric. An unusable baseline file sets exit code 2.
 */
export default class GateReporter extends RunRecordReporter {
  constructor(private readonly options: GateReporterOptions = {}) {
    super();
  }

  protected report(run: RunRecord): void {
    const file = this.path(this.options.baseline ?? DEFAULT_BASELINE);
    const required = this.options.requireBaseline ?? this.options.baseline !== undefined;
    let baseline: Baseline | undefined;
    try {
      if (required || existsSync(file)) baseline = readBaseline(file);
    } catch (err) {
      if (!(err instanceof HarnessInputError)) throw err;
      this.write(`maspo gate: ${err.message}`, true);
      raiseExitCode(2);
      return;
    }
    const verdict = evaluateGate(run, baseline, this.options);
    run.gate = verdict;
    for (const line of formatVerdict(verdict)) this.write(line, !verdict.pass);
    for (const note of verdict.notes) this.write(`  note: ${note}`, false);
    for (const line of powerLines(verdict)) this.write(`  power: ${line}`, false);
    if (!verdict.pass) raiseExitCode(verdict.unusable ? 2 : 1);
  }

  private write(line: string, error: boolean): void {
    const logger = this.vitest?.logger;
    if (logger) (error ? logger.error : logger.log).call(logger, line);
    else (error ? process.stderr : process.stdout).write(`${line}\n`);
  }
}
