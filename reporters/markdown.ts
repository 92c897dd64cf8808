import { appendFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { HarnessInputError, readBaseline } from '../src/harness/baseline.js';
import { evaluateGate, type GateOptions } from '../src/harness/gate.js';
import { renderMarkdown } from '../src/harness/markdown.js';
import { runRecordFor } from '../src/harness/reporting.js';
import type { Baseline } from '../src/harness/types.js';
import { writeFileAtomicSync } from '../src/util/fs.js';
import { DEFAULT_BASELINE } from './gate.js';

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
export default class MarkdownReporter implements Reporter {
  private vitest?: Vitest;
  /** Path of the last summary written (absolute). */
  written?: string;
  constructor(private readonly options: MarkdownReporterOptions = {}) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const run = runRecordFor(modules, this.vitest);
    if (!run) return;
    const root = this.vitest?.config.root ?? process.cwd();
    const baselineFile = resolve(root, this.options.baseline ?? DEFAULT_BASELINE);
    let baseline: Baseline | undefined;
    try {
      if (existsSync(baselineFile)) baseline = readBaseline(baselineFile);
    } catch (err) {
      if (!(err instanceof HarnessInputError)) throw err;
      // The gate reports an unusable baseline; the summary is still written, without deltas.
    }
    const verdict = run.gate ?? evaluateGate(run, baseline, this.options);
    const md = renderMarkdown(run, baseline, verdict, {
      ...(this.options.title ? { title: this.options.title } : {}),
      ...(this.options.links ? { links: this.options.links } : {}),
    });
    const file = resolve(root, this.options.file ?? DEFAULT_SUMMARY);
    writeFileAtomicSync(file, md);
    this.written = file;
    const step = process.env.GITHUB_STEP_SUMMARY;
    if (step && this.options.stepSummary !== false) appendFileSync(step, `${md}\n`);
  }
}
