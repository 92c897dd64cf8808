import { appendFileSync } from 'node:fs';
import { evaluateGate, type GateOptions } from '../src/harness/gate.js';
import { renderMarkdown } from '../src/harness/markdown.js';
import { RunRecordReporter } from '../src/harness/reporter-base.js';
import type { RunRecord } from '../src/harness/types.js';
import { writeFileAtomicSync } from '../src/util/fs.js';

export interface MarkdownReporterOptions extends GateOptions {
  /** File for the sticky PR comment (default `.maspo/summary.md`). */
  file?: string;
  /** Append to $GITHUB_STEP_SUMMARY when it is set (default true). */
  stepSummary?: boolean;
  /** Baseline for the Δ columns and prompt diffs (default `baselines/maspo.baseline.json` when present). */
  baseline?: string;
  title?: string;
  links?: Array<{ label: string; href: string }>;
}

export const DEFAULT_SUMMARY = '.maspo/summary.md';

/** Writes the PR-ready Markdown summary to a file and to the GitHub job summary. */
export default class MarkdownReporter extends RunRecordReporter {
  /** Path of the last summary written (absolute). */
  written?: string;
  constructor(private readonly options: MarkdownReporterOptions = {}) {
    super();
  }

  protected report(run: RunRecord): void {
    // An unusable baseline is the gate's to report; the summary is still written, without deltas.
    const baseline = this.optionalBaseline(this.options.baseline);
    const verdict = run.gate ?? evaluateGate(run, baseline, this.options);
    const md = renderMarkdown(run, baseline, verdict, {
      ...(this.options.title ? { title: this.options.title } : {}),
      ...(this.options.links ? { links: this.options.links } : {}),
    });
    const file = this.path(this.options.file ?? DEFAULT_SUMMARY);
    writeFileAtomicSync(file, md);
    this.written = file;
    const step = process.env.GITHUB_STEP_SUMMARY;
    if (step && this.options.stepSummary !== false) appendFileSync(step, `${md}\n`);
  }
}
