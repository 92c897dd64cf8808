import { existsSync, readFileSync } from 'node:fs';
import { writeDashboard } from '../../reporters/dashboard.js';
import { loadConfig } from '../config/index.js';
import type { PromptMap } from '../mas/types.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { readBaseline } from './baseline.js';
import { confirmVerdict, needsConfirmation, type Resampler } from './confirm.js';
import { formatVerdict } from './gate.js';
import { renderMarkdown } from './markdown.js';
import { createItemSampler, type ItemSampler } from './resample.js';
import type { Baseline, GateVerdict, PromptsInfo, RunRecord } from './types.js';

/** Fresh samples per discordant item and side when only borderline failures are confirmed. */
export const DEFAULT_CONFIRM_REPEATS = 3;

export interface ConfirmStageOptions {
  configPath: string;
  prompts?: PromptsInfo;
  dataDir?: string;
  limit?: number;
  /** `--confirm n`; else the config's `gate.confirm`; else borderline failures only. */
  confirm?: number;
  confirmBaseline: boolean;
  baselineFile: string;
  log: (line: string) => void;
  /** The reports to rewrite when stage 2 changed the verdict. */
  files: { summaryFile: string; dashboardDir: string; historyFile: string; latestFile: string };
}

/**
 * The baseline side's prompts for a suite: the baseline's recorded prompts where the current run applied
 * an artifact (its scope), else none — such a suite ran the config's own prompts in both runs.
 */
export function baselinePromptsFor(
  baseline: Baseline,
  run: RunRecord,
): (benchmark: string) => PromptMap | undefined {
  return (benchmark) =>
    baseline.prompts && run.prompts?.benchmarks?.includes(benchmark) ? { ...baseline.prompts } : undefined;
}

/**
 * Stage 2 of `maspo eval`: confirms the failures that need it (docs/harness.md, "Confirmation"), prints
 * what it cost, and rewrites the results, history line, summary and dashboard with the final verdict.
 */
export async function confirmStage(
  run: RunRecord,
  gate: GateVerdict,
  o: ConfirmStageOptions,
): Promise<GateVerdict> {
  if (gate.pass || !existsSync(o.baselineFile)) return gate;
  const config = await loadConfig(o.configPath);
  const explicit = o.confirm ?? config.gate?.confirm;
  const all = explicit !== undefined;
  const todo = gate.failures.filter((f) => needsConfirmation(f, all));
  if (todo.length === 0) return gate;
  const baseline = readBaseline(o.baselineFile);
  const repeats = explicit ?? DEFAULT_CONFIRM_REPEATS;
  if (o.confirmBaseline) {
    o.log(
      `maspo gate: confirming ${todo.length} failing metric(s) on ${repeats} fresh sample(s) of their discordant items, with the current and the baseline's prompts (--confirm-baseline)`,
    );
  }
  let sampler: ItemSampler | undefined;
  const lazy: Resampler = {
    async run(benchmark, opts) {
      sampler ??= await createItemSampler({
        configPath: o.configPath,
        ...(o.prompts ? { prompts: o.prompts } : {}),
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        ...(o.limit ? { limit: o.limit } : {}),
      });
      return sampler.run(benchmark, opts);
    },
  };
  let final: GateVerdict;
  try {
    final = await confirmVerdict(run, baseline, gate, lazy, {
      repeats,
      all,
      baselineResample: o.confirmBaseline,
      baselinePromptsFor: baselinePromptsFor(baseline, run),
    });
  } finally {
    await sampler?.close();
  }
  if (final === gate) return gate;
  run.gate = final;
  // The verdict was printed once already; print it again only when confirmation changed it.
  const before = formatVerdict(gate).join('\n');
  if (formatVerdict(final).join('\n') !== before) {
    o.log('maspo gate, after confirmation on fresh samples:');
    for (const line of formatVerdict(final)) o.log(line);
  }
  for (const note of final.notes.slice(gate.notes.length)) o.log(`  note: ${note}`);
  rewriteReports(run, baseline, o.files);
  return final;
}

function rewriteReports(run: RunRecord, baseline: Baseline, f: ConfirmStageOptions['files']): void {
  writeFileAtomicSync(f.latestFile, `${JSON.stringify(run, null, 2)}\n`);
  if (existsSync(f.historyFile)) {
    const lines = readFileSync(f.historyFile, 'utf8').split('\n');
    while (lines.length && !lines.at(-1)!.trim()) lines.pop();
    const last = lines.at(-1);
    if (last && (JSON.parse(last) as RunRecord).runId === run.runId)
      lines[lines.length - 1] = JSON.stringify(run);
    writeFileAtomicSync(f.historyFile, `${lines.join('\n')}\n`);
  }
  writeFileAtomicSync(f.summaryFile, renderMarkdown(run, baseline, run.gate));
  writeDashboard(run, { dir: f.dashboardDir, history: f.historyFile });
}
