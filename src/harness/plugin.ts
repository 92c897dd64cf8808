import type { Plugin } from 'vite';
import type {} from 'vitest/config';
import type { Reporter } from 'vitest/node';
import DashboardReporter, { type DashboardReporterOptions } from '../../reporters/dashboard.js';
import GateReporter, { type GateReporterOptions } from '../../reporters/gate.js';
import JsonReporter, { type JsonReporterOptions } from '../../reporters/json.js';
import MarkdownReporter, { type MarkdownReporterOptions } from '../../reporters/markdown.js';

export interface MaspoReportersOptions extends GateReporterOptions {
  /** Markdown summary file, or false for none. */
  summary?: string | false;
  /** Append the summary to $GITHUB_STEP_SUMMARY (default true). */
  stepSummary?: boolean;
  /** History file of the json reporter. */
  history?: string;
  /** Latest results file of the json reporter. */
  latest?: string;
  /** Dashboard directory, or false for none. */
  dashboard?: string | false;
  links?: MarkdownReporterOptions['links'];
}

/** maspo's reporters sharing one set of options, in the order that lets each see the gate's verdict. */
export function maspoReporters(o: MaspoReportersOptions = {}): Reporter[] {
  const gate: GateReporterOptions = o;
  const out: Reporter[] = [new GateReporter(gate)];
  const json: JsonReporterOptions = {
    ...gate,
    ...(o.history ? { history: o.history } : {}),
    ...(o.latest ? { latest: o.latest } : {}),
  };
  out.push(new JsonReporter(json));
  if (o.summary !== false) {
    out.push(
      new MarkdownReporter({
        ...gate,
        ...(o.summary ? { file: o.summary } : {}),
        ...(o.stepSummary !== undefined ? { stepSummary: o.stepSummary } : {}),
        ...(o.links ? { links: o.links } : {}),
      }),
    );
  }
  if (o.dashboard !== false) {
    const d: DashboardReporterOptions = {
      ...(o.dashboard ? { dir: o.dashboard } : {}),
      ...(o.history ? { history: o.history } : {}),
      ...(o.baseline ? { baseline: o.baseline } : {}),
    };
    out.push(new DashboardReporter(d));
  }
  return out;
}

const INSTALLED = Symbol.for('maspo.reporters.installed');

/**
 * A Vite plugin that installs maspo's reporters through `configureVitest`, so they survive a CLI
 * `--reporter=…` flag (which replaces the reporters of a config) and run once even when several projects
 * inherit the plugin.
 */
export function maspo(o: MaspoReportersOptions = {}): Plugin {
  return {
    name: 'maspo',
    configureVitest({ vitest }) {
      const v = vitest as unknown as Record<symbol, boolean>;
      if (v[INSTALLED]) return;
      v[INSTALLED] = true;
      vitest.config.reporters.push(...(maspoReporters(o) as never[]));
    },
  };
}
