import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessInputError, readBaseline, readHistory } from '../src/harness/baseline.js';
import { dashboardData, renderDashboard } from '../src/harness/dashboard.js';
import { DEFAULT_BASELINE, RunRecordReporter } from '../src/harness/reporter-base.js';
import type { Baseline, RunRecord } from '../src/harness/types.js';
import { writeFileAtomicSync } from '../src/util/fs.js';
import { DEFAULT_HISTORY } from './json.js';

export interface DashboardReporterOptions {
  /** Output directory; the page is `<dir>/index.html` (default `.maspo/dashboard`). */
  dir?: string;
  /** History file written by the json reporter (default `.maspo/history.jsonl`). */
  history?: string;
  baseline?: string;
  /** Most runs shown (default 50). */
  keep?: number;
}

export const DEFAULT_DASHBOARD_DIR = '.maspo/dashboard';

/** Writes a static, self-contained HTML dashboard (inline SVG charts, no network at view time). */
export default class DashboardReporter extends RunRecordReporter {
  /** Path of the last page written (absolute). */
  written?: string;
  constructor(private readonly options: DashboardReporterOptions = {}) {
    super();
  }

  protected report(run: RunRecord): void {
    this.written = writeDashboard(run, {
      dir: this.path(this.options.dir ?? DEFAULT_DASHBOARD_DIR),
      history: this.path(this.options.history ?? DEFAULT_HISTORY),
      baseline: this.path(this.options.baseline ?? DEFAULT_BASELINE),
      ...(this.options.keep ? { keep: this.options.keep } : {}),
    });
  }
}

/** Builds the page from a history file and the current run; returns the path of index.html and data.json. */
export function writeDashboard(
  run: RunRecord | undefined,
  o: { dir: string; history: string; baseline?: string; keep?: number },
): string {
  let history: RunRecord[] = [];
  try {
    history = readHistory(o.history);
  } catch (err) {
    if (!(err instanceof HarnessInputError)) throw err;
  }
  let baseline: Baseline | undefined;
  try {
    if (o.baseline && existsSync(o.baseline)) baseline = readBaseline(o.baseline);
  } catch (err) {
    if (!(err instanceof HarnessInputError)) throw err;
  }
  const data = dashboardData(history, run, baseline, o.keep);
  const file = join(o.dir, 'index.html');
  writeFileAtomicSync(file, renderDashboard(data));
  writeFileAtomicSync(join(o.dir, 'data.json'), `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
