import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { HarnessInputError, readBaseline } from '../src/harness/baseline.js';
import { evaluateGate, type GateOptions } from '../src/harness/gate.js';
import { runRecordFor } from '../src/harness/reporting.js';
import type { Baseline } from '../src/harness/types.js';
import { writeFileAtomicSync } from '../src/util/fs.js';
import { DEFAULT_BASELINE } from './gate.js';

export interface JsonReporterOptions extends GateOptions {
  /** History file: one versioned run record per line, appended (default `.maspo/history.jsonl`). */
  history?: string;
  /** The latest run record alone, pretty-printed (default `.maspo/results.json`); `maspo baseline update` reads it. */
  latest?: string;
  /** Baseline used to record the gate verdict in the record when no gate reporter ran before. */
  baseline?: string;
}

export const DEFAULT_HISTORY = '.maspo/history.jsonl';
export const DEFAULT_LATEST = '.maspo/results.json';

/** Appends the run's versioned results record to a history file for dashboards. */
export default class JsonReporter implements Reporter {
  private vitest?: Vitest;
  constructor(private readonly options: JsonReporterOptions = {}) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const run = runRecordFor(modules, this.vitest);
    if (!run) return;
    const root = this.vitest?.config.root ?? process.cwd();
    if (!run.gate) {
      const file = resolve(root, this.options.baseline ?? DEFAULT_BASELINE);
      let baseline: Baseline | undefined;
      try {
        if (existsSync(file)) baseline = readBaseline(file);
      } catch (err) {
        if (!(err instanceof HarnessInputError)) throw err;
      }
      run.gate = evaluateGate(run, baseline, this.options);
    }
    const history = resolve(root, this.options.history ?? DEFAULT_HISTORY);
    mkdirSync(dirname(history), { recursive: true });
    appendFileSync(history, `${JSON.stringify(run)}\n`);
    writeFileAtomicSync(
      resolve(root, this.options.latest ?? DEFAULT_LATEST),
      `${JSON.stringify(run, null, 2)}\n`,
    );
  }
}
