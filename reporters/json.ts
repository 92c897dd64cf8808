import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { evaluateGate, type GateOptions } from '../src/harness/gate.js';
import { RunRecordReporter } from '../src/harness/reporter-base.js';
import type { RunRecord } from '../src/harness/types.js';
import { writeFileAtomicSync } from '../src/util/fs.js';

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
export default class JsonReporter extends RunRecordReporter {
  constructor(private readonly options: JsonReporterOptions = {}) {
    super();
  }

  protected report(run: RunRecord): void {
    run.gate ??= evaluateGate(run, this.optionalBaseline(this.options.baseline), this.options);
    const history = this.path(this.options.history ?? DEFAULT_HISTORY);
    mkdirSync(dirname(history), { recursive: true });
    appendFileSync(history, `${JSON.stringify(run)}\n`);
    writeFileAtomicSync(
      this.path(this.options.latest ?? DEFAULT_LATEST),
      `${JSON.stringify(run, null, 2)}\n`,
    );
  }
}
