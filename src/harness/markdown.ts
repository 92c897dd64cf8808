import { diffLines } from 'diff';
import { integer as int, percent as pct, signedPoints as signedPt, usd } from '../util/format.js';
import { type BenchmarkFlips, computeFlips, FLIP_KINDS, type Flip, flipCounts } from './flips.js';
import { formatFailure, powerLines } from './gate.js';
import type { AgentPromptInfo, Baseline, GateVerdict, RunRecord } from './types.js';

/** GitHub refuses comment bodies above 65,536 characters. */
export const MAX_COMMENT_CHARS = 60_000;
/** Marker that lets a workflow find and update its own sticky comment. */
export const STICKY_MARKER = '<!-- maspo-eval-summary -->';

/** Unified line diff of two prompts ('' when equal). Lines are prefixed with `+`, `-` or a space. */
export function promptDiff(before: string, after: string): string {
  if (before === after) return '';
  const out: string[] = [];
  // A missing final newline would otherwise show an unchanged last line as removed and re-added.
  const nl = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  for (const part of diffLines(nl(before), nl(after))) {
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const l of lines) out.push(`${sign}${l}`);
  }
  return out.join('\n');
}

function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text}\n${f}`;
}

/** Which suites ran the prompts shown (an artifact is optimized for one benchmark; the rest keep seeds). */
export function appliesTo(run: RunRecord): string | undefined {
  const p = run.prompts;
  if (!p) return undefined;
  const ran = run.benchmarks.map((b) => b.benchmark);
  if (p.source === 'config')
    return "These are the config's seed prompts (shown for the first benchmark); every suite ran its own seed prompts.";
  const target = p.benchmarks ?? [];
  const others = ran.filter((b) => !target.includes(b));
  const names = (xs: string[]) => xs.map((x) => `\`${x}\``).join(', ');
  let text = `Optimized for ${target.length ? names(target) : 'an unrecorded benchmark'}: applied to ${
    names(ran.filter((b) => target.includes(b))) || 'no suite of this run'
  }.`;
  if (others.length)
    text += ` ${names(others)} ran their own seed prompts (never the prompts of another task).`;
  return text;
}

export interface MarkdownOptions {
  /** Title line (default "maspo eval"). */
  title?: string;
  /** Links shown under the table (e.g. the dashboard artifact). */
  links?: Array<{ label: string; href: string }>;
  /** Most flipped items listed per benchmark (default 10); the dashboard lists them all. */
  maxFlips?: number;
}

/** The two diffs a reviewer wants per agent: against the baseline's prompt and against the config's seed. */
export function promptDiffs(
  a: AgentPromptInfo,
  baselinePrompt: string | undefined,
): { baseline?: string; seed?: string; state: string } {
  const vsBaseline = baselinePrompt === undefined ? undefined : promptDiff(baselinePrompt, a.prompt);
  const vsSeed = a.seed === undefined ? undefined : promptDiff(a.seed, a.prompt);
  const parts = [
    vsBaseline === undefined
      ? 'no baseline prompt'
      : vsBaseline
        ? 'changed vs baseline'
        : 'unchanged vs baseline',
    ...(vsSeed === undefined ? [] : [vsSeed ? 'differs from the seed' : 'same as the seed']),
  ];
  return {
    ...(vsBaseline ? { baseline: vsBaseline } : {}),
    ...(vsSeed ? { seed: vsSeed } : {}),
    state: parts.join(', '),
  };
}

/** Inline code for a Markdown table cell: pipes escaped, backticks fenced safely. */
function codeCell(text: string): string {
  const t = text.replace(/\|/g, '\\|');
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

const answerCell = (a: string | null | undefined) =>
  a === undefined ? '?' : a === null || a === '' ? '_none_' : codeCell(a);
const mark = (c: boolean | null) => (c === true ? '✓' : c === false ? '✗' : '–');

/** One flip as a table row: kind, item, final answer before → now, gold, and each agent's own answer. */
function flipRow(f: Flip): string {
  const agents = f.agents.map((a) => `${a.agent} ${answerCell(a.extracted)} ${mark(a.correct)}`).join('<br>');
  return `| ${f.kind} | ${codeCell(f.id)} | ${answerCell(f.before)} → ${answerCell(f.now)} | ${f.gold === undefined ? '_tests_' : answerCell(f.gold)} | ${agents || '—'} |`;
}

/** The flips section: per benchmark a collapsed table of at most `max` items (newly wrong first). */
export function renderFlipsMarkdown(all: BenchmarkFlips[], max: number): string[] {
  const withFlips = all.filter((b) => b.flips.length > 0);
  if (withFlips.length === 0) return [];
  const lines = ['### Flipped items', ''];
  for (const b of withFlips) {
    const c = flipCounts(b);
    const counts = FLIP_KINDS.map((k) => `${c[k]} ${k}`).join(', ');
    lines.push(`<details><summary><b>${b.benchmark}</b>: ${counts} (of ${b.paired} paired)</summary>`, '');
    lines.push(
      '| change | item | final answer (baseline → now) | gold | agents now (✓ right, ✗ wrong) |',
      '|---|---|---|---|---|',
    );
    for (const f of b.flips.slice(0, max)) lines.push(flipRow(f));
    if (b.flips.length > max)
      lines.push('', `… and ${b.flips.length - max} more: the dashboard lists every flipped item.`);
    lines.push('', '</details>', '');
  }
  return lines;
}

/** The PR-ready summary of a run: verdict, per-benchmark table, gate lines, per-agent prompt diffs. */
export function renderMarkdown(
  run: RunRecord,
  baseline: Baseline | undefined,
  verdict: GateVerdict | undefined,
  opts: MarkdownOptions = {},
): string {
  const lines: string[] = [STICKY_MARKER];
  const status = verdict
    ? verdict.unusable
      ? '⚠️ gate not evaluated: a model endpoint could not be reached'
      : verdict.pass
        ? '✅ gate passed'
        : '❌ gate failed'
    : 'no gate';
  lines.push(`## ${opts.title ?? 'maspo eval'} — ${status}`, '');
  if (run.simulated) {
    lines.push(
      '> [!WARNING]',
      "> **Simulated model.** These results were produced by maspo's offline simulated model (`sim:` models),",
      '> not by a real LLM. They exercise the pipeline; they say nothing about real model quality.',
      '',
    );
  }
  if (run.unsandboxed) {
    lines.push(
      '> [!CAUTION]',
      '> **Unsandboxed.** Generated code ran without bubblewrap (`MASPO_SANDBOX=unsafe`): it could reach the',
      '> network and the host filesystem. Install bubblewrap for graded runs (docs/sandbox.md).',
      '',
    );
  }
  lines.push(
    '| benchmark | split | n | accuracy (95% CI) | Δ vs baseline | misalignment | Δ misalignment | errors | calls | tokens (in/out) | cost |',
    '|---|---|--:|---|---|--:|---|--:|--:|--:|--:|',
  );
  for (const s of run.benchmarks) {
    const cmp = verdict?.comparisons.find((c) => c.benchmark === s.benchmark);
    const base = baseline?.benchmarks[s.benchmark];
    const dAcc =
      cmp?.accuracyDelta != null
        ? `${signedPt(cmp.accuracyDelta)} (p=${cmp.accuracyP!.toFixed(3)}, ${int(cmp.paired)} paired)`
        : base
          ? `${signedPt(s.accuracy - base.accuracy)} (unpaired)`
          : '—';
    const dMis =
      cmp?.misalignmentDelta != null
        ? `${signedPt(cmp.misalignmentDelta)} (p=${cmp.misalignmentP!.toFixed(3)})`
        : base
          ? `${signedPt(s.misalignmentRate - base.misalignmentRate)} (unpaired)`
          : '—';
    lines.push(
      `| ${s.benchmark} | ${s.split} | ${int(s.n)} | ${pct(s.accuracy)} (${pct(s.accuracyCi[0])}–${pct(s.accuracyCi[1])}) | ${dAcc} | ${pct(s.misalignmentRate)} | ${dMis} | ${s.errors} (${pct(s.errorRate)}) | ${int(s.usage.calls)} | ${int(s.usage.inputTokens)} / ${int(s.usage.outputTokens)} | ${usd(s.usage.usd)} |`,
    );
  }
  lines.push('');
  const models = [...new Set(run.benchmarks.map((b) => `\`${b.model}\``))].join(', ');
  const systems = [...new Set(run.benchmarks.map((b) => `\`${b.system}\``))].join(', ');
  lines.push(
    `System ${systems} · model ${models} · run \`${run.runId}\`${run.git?.sha ? ` · commit \`${run.git.sha.slice(0, 7)}\`` : ''}`,
  );
  if (!baseline)
    lines.push('', '_No baseline file: Δ columns are empty. Create one with `maspo baseline update`._');
  lines.push('');

  if (verdict) {
    lines.push('### Gate', '');
    if (verdict.pass) {
      lines.push(
        `Passed: no significant regression (exact McNemar, one-sided, Holm-corrected over ${verdict.tests ?? 0} paired tests at family-wise α=${verdict.options.alpha}; tolerance ${pct(verdict.options.accuracyTolerance)} accuracy / ${pct(verdict.options.misalignmentTolerance)} misalignment; error ceiling ${pct(verdict.options.maxErrorRate)}).`,
      );
    } else {
      for (const f of verdict.failures) lines.push(`- ${formatFailure(f)}`);
    }
    const power = powerLines(verdict);
    if (power.length > 0) {
      lines.push('', '**Power** (smallest change this run detects with 80% power):', '');
      for (const l of power) lines.push(`- ${l.includes('WARNING') ? '⚠️ ' : ''}${l}`);
    }
    if (verdict.notes.length > 0) {
      lines.push('', '<details><summary>Notes</summary>', '');
      for (const n of verdict.notes) lines.push(`- ${n}`);
      lines.push('', '</details>');
    }
    lines.push('');
  }

  lines.push(...renderFlipsMarkdown(computeFlips(run, baseline), opts.maxFlips ?? 10));

  const agents = run.prompts?.agents ?? {};
  const ids = Object.keys(agents).sort();
  if (ids.length > 0) {
    lines.push('### Prompts', '');
    lines.push(
      `Source: ${run.prompts!.source}${run.prompts!.path ? ` (\`${run.prompts!.path}\`)` : ''} · hash \`${run.prompts!.hash.slice(0, 12)}\``,
      '',
    );
    const scope = appliesTo(run);
    if (scope) lines.push(scope, '');
    for (const id of ids) {
      const a = agents[id]!;
      const d = promptDiffs(a, baseline?.prompts?.[id]);
      lines.push(
        `<details><summary><b>${id}</b> — ${d.state}${a.depth !== undefined ? ` (depth ${a.depth})` : ''}</summary>`,
        '',
      );
      if (a.rationale)
        lines.push(`**Optimizer's rationale:** ${a.rationale.replace(/\s+/g, ' ').trim()}`, '');
      if (d.baseline) lines.push('Diff against the baseline prompt:', '', fence(d.baseline, 'diff'), '');
      if (d.seed) lines.push("Diff against the config's seed prompt:", '', fence(d.seed, 'diff'), '');
      if (!d.baseline && !d.seed) lines.push(fence(a.prompt));
      else lines.push('<details><summary>Full prompt</summary>', '', fence(a.prompt), '', '</details>');
      lines.push('', '</details>', '');
    }
  }
  if (opts.links?.length) {
    lines.push(opts.links.map((l) => `[${l.label}](${l.href})`).join(' · '), '');
  }
  let text = lines.join('\n');
  if (text.length > MAX_COMMENT_CHARS) {
    text = `${text.slice(0, MAX_COMMENT_CHARS)}\n\n… (truncated: the summary exceeded GitHub's comment size limit; see the dashboard artifact)\n`;
  }
  return text;
}
