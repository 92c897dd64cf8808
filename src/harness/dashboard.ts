import { readFileSync } from 'node:fs';
import { integer as int, percent as pct, pValue, signedPoints, usd } from '../util/format.js';
import { type BenchmarkFlips, computeFlips, FLIP_KINDS, type Flip, flipCounts } from './flips.js';
import { formatFailure, powerLines } from './gate.js';
import { appliesTo, promptDiffs } from './markdown.js';
import type {
  Baseline,
  BenchmarkComparison,
  BenchmarkSummary,
  GateVerdict,
  OptimizationCurvePoint,
  RunRecord,
} from './types.js';

/** The baseline as the dashboard shows it: where it came from and its per-benchmark numbers. */
export interface DashboardBaseline {
  createdAt: string;
  runId?: string;
  benchmarks: Record<string, { n: number; accuracy: number; misalignmentRate: number; errorRate: number }>;
}

/** What the dashboard page is built from; embedded in the page as JSON (`#maspo-data`). */
export interface DashboardData {
  generatedAt: string;
  simulated: boolean;
  /** Some run of the history ran generated code without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: boolean;
  /** Run records oldest first (items dropped to keep the page small). */
  history: Array<Omit<RunRecord, 'items'>>;
  /** Baseline prompts per agent, for the diffs. */
  baselinePrompts?: Record<string, string>;
  baseline?: DashboardBaseline;
  /** Items of the latest run whose outcome changed against the baseline, per benchmark. */
  flips?: BenchmarkFlips[];
}

type HistoryRun = DashboardData['history'][number];

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#6e7781'];
const VERDICT_COLORS = { pass: '#1a7f37', fail: '#cf222e', none: '#8c959f' } as const;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A run's short commit (7 characters of GITHUB_SHA or `git rev-parse HEAD`), else its run id. */
export const runCommit = (r: Pick<RunRecord, 'git' | 'runId'>) => r.git?.sha?.slice(0, 7) ?? r.runId;
/** A run's date, YYYY-MM-DD (UTC). */
export const runDate = (r: Pick<RunRecord, 'createdAt'>) => r.createdAt.slice(0, 10);
const verdictOf = (r: Pick<RunRecord, 'gate'>): keyof typeof VERDICT_COLORS =>
  r.gate ? (r.gate.unusable ? 'none' : r.gate.pass ? 'pass' : 'fail') : 'none';
const VERDICT_TEXT = { pass: 'gate passed', fail: 'gate failed', none: 'no gate verdict' } as const;

interface Series {
  name: string;
  points: Array<{ x: number; y: number; label: string }>;
  /** Drawn as a dashed horizontal line in the series' colour. */
  baseline?: number;
}

interface Tick {
  label: string;
  /** Second line under the label (e.g. the date). */
  sub?: string;
  /** Verdict of the run: colours the label and a square under it. */
  verdict?: keyof typeof VERDICT_COLORS;
}

/** A line chart as inline SVG; every point carries its value in `data-value` and a `<title>` tooltip. */
function lineChart(
  id: string,
  series: Series[],
  opts: { xLabel: string; ticks: Tick[]; yMax?: number },
): string {
  const W = 560;
  const H = 300;
  const L = 44;
  const R = 64;
  const T = 12;
  const B = opts.ticks.some((t) => t.verdict) ? 72 : 40;
  const n = Math.max(1, opts.ticks.length);
  const yMax = opts.yMax ?? 1;
  const sx = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const sy = (v: number) => T + (1 - Math.min(v, yMax) / yMax) * (H - T - B);
  const parts: string[] = [];
  parts.push(
    `<svg id="${id}" data-chart="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" role="img">`,
  );
  for (let k = 0; k <= 4; k++) {
    const v = (k * yMax) / 4;
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${sy(v)}" y2="${sy(v)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${Number((100 * v).toFixed(1))}%</text>`,
    );
  }
  const every = n > 8 ? Math.ceil(n / 8) : 1;
  opts.ticks.forEach((t, i) => {
    const x = sx(i);
    if (t.verdict) {
      const c = VERDICT_COLORS[t.verdict];
      parts.push(
        `<rect class="verdict-mark" data-verdict="${t.verdict}" x="${x - 5}" y="${H - B + 6}" width="10" height="10" rx="2" fill="${c}"><title>${esc(`${t.label} · ${t.sub ?? ''} · ${VERDICT_TEXT[t.verdict]}`)}</title></rect>`,
      );
    }
    if (i % every !== 0 && i !== n - 1) return;
    const fill = t.verdict ? ` style="fill:${VERDICT_COLORS[t.verdict]}"` : '';
    const y = H - B + (t.verdict ? 30 : 16);
    parts.push(`<text class="tick" x="${x}" y="${y}" text-anchor="middle"${fill}>${esc(t.label)}</text>`);
    if (t.sub) parts.push(`<text x="${x}" y="${y + 13}" text-anchor="middle">${esc(t.sub)}</text>`);
  });
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length]!;
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<g class="series" data-series="${esc(s.name)}">`);
    if (s.baseline !== undefined) {
      const y = sy(s.baseline).toFixed(1);
      parts.push(
        `<g class="baseline" data-baseline="${s.baseline}"><line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="1.5" stroke-dasharray="5 4" opacity="0.8"/>` +
          `<text x="${W - R + 4}" y="${Number(y) + 4}" style="fill:${c}">baseline</text><title>${esc(s.name)} baseline: ${pct(s.baseline)}</title></g>`,
      );
    }
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>`);
    for (const p of s.points) {
      parts.push(
        `<circle class="point" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" fill="${c}" data-value="${p.y}" data-x="${esc(p.label)}"><title>${esc(s.name)} · ${esc(p.label)}: ${pct(p.y)}</title></circle>`,
      );
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  const legend = series
    .map((s, si) => `<span style="--c:${COLORS[si % COLORS.length]}">${esc(s.name)}</span>`)
    .join('');
  const verdicts = opts.ticks.some((t) => t.verdict)
    ? (['pass', 'fail', 'none'] as const)
        .map((v) => `<span class="verdict-key" style="--c:${VERDICT_COLORS[v]}">${VERDICT_TEXT[v]}</span>`)
        .join('')
    : '';
  const dashed = series.some((s) => s.baseline !== undefined)
    ? '<span class="baseline-key">- - baseline</span>'
    : '';
  return `<figure class="chart">${parts.join('')}<div class="legend">${legend}${dashed}${verdicts}</div></figure>`;
}

/** One chart of a benchmark metric over the run history, runs labelled by commit and date, coloured by verdict. */
function historyChart(
  data: DashboardData,
  id: string,
  metric: 'accuracy' | 'misalignmentRate',
  yMax = 1,
): string {
  const runs = data.history;
  const names = [...new Set(runs.flatMap((r) => r.benchmarks.map((b) => b.benchmark)))].sort();
  if (names.length === 0) return '<p class="empty">No benchmark results yet.</p>';
  const series: Series[] = names.map((name) => {
    const base = data.baseline?.benchmarks[name]?.[metric];
    return {
      name,
      ...(base !== undefined ? { baseline: base } : {}),
      points: runs.flatMap((r, i) => {
        const b = r.benchmarks.find((x) => x.benchmark === name);
        return b ? [{ x: i, y: b[metric], label: `${runCommit(r)} · ${runDate(r)}` }] : [];
      }),
    };
  });
  const ticks = runs.map((r) => ({ label: runCommit(r), sub: runDate(r), verdict: verdictOf(r) }));
  return lineChart(id, series, { xLabel: 'run (commit · date)', ticks, yMax });
}

/** y-axis top for rates that are usually small: the next fifth above the largest value (round 5% ticks). */
function rateAxis(values: number[]): number {
  return Math.min(1, Math.max(0.2, Math.ceil(Math.max(0, ...values) * 5) / 5));
}

function curvesChart(curves: Record<string, OptimizationCurvePoint[]> | undefined): string {
  const agents = Object.keys(curves ?? {}).sort();
  if (!curves || agents.length === 0) {
    return '<p class="empty">No optimization curve: the prompts did not come from a maspo optimization with a run report.</p>';
  }
  const maxDepth = Math.max(0, ...agents.flatMap((a) => curves[a]!.map((p) => p.depth)));
  const series: Series[] = agents.map((a) => ({
    name: a,
    points: [...curves[a]!]
      .sort((p, q) => p.depth - q.depth)
      .map((p) => ({ x: p.depth, y: p.misalignmentRate, label: `depth ${p.depth}` })),
  }));
  return lineChart('chart-misalignment', series, {
    xLabel: 'optimization depth',
    ticks: Array.from({ length: maxDepth + 1 }, (_, i) => ({ label: String(i) })),
    yMax: rateAxis(series.flatMap((s) => s.points.map((p) => p.y))),
  });
}

function diffBlock(diff: string): string {
  const lines = diff.split('\n').map((l) => {
    const cls = l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'ctx';
    return `<span class="${cls}">${esc(l) || ' '}</span>`;
  });
  return `<pre class="diff">${lines.join('')}</pre>`;
}

/** A Δ cell: signed points and the paired p-value, red when worse and green when better. */
function deltaCell(field: string, delta: number | null, p: number | null, worseIfPositive: boolean): string {
  if (delta === null) return `<td data-field="${field}" class="muted">—</td>`;
  const worse = worseIfPositive ? delta > 0 : delta < 0;
  const cls = delta === 0 ? '' : worse ? 'worse' : 'better';
  const pv = p === null ? '' : ` <span class="p">p=${pValue(p)}</span>`;
  return `<td data-field="${field}" data-value="${delta}"${p === null ? '' : ` data-p="${p}"`} class="${cls}">${signedPoints(delta)}${pv}</td>`;
}

function benchmarkRow(
  b: BenchmarkSummary,
  cmp: BenchmarkComparison | undefined,
  data: DashboardData,
): string {
  const base = data.baseline?.benchmarks[b.benchmark];
  // Paired numbers when the gate compared the items; the baseline's own rates otherwise (unpaired).
  const baseAcc = cmp?.baselineAccuracy ?? base?.accuracy ?? null;
  const baseMis = cmp?.baselineMisalignmentRate ?? base?.misalignmentRate ?? null;
  const dAcc = cmp?.accuracyDelta ?? (baseAcc === null ? null : b.accuracy - baseAcc);
  const dMis = cmp?.misalignmentDelta ?? (baseMis === null ? null : b.misalignmentRate - baseMis);
  const rate = (field: string, v: number | null) =>
    v === null
      ? `<td data-field="${field}" class="muted">—</td>`
      : `<td data-field="${field}" data-value="${v}">${pct(v)}</td>`;
  return (
    `<tr data-benchmark="${esc(b.benchmark)}"><td>${esc(b.benchmark)}</td><td>${esc(b.split)}</td><td data-field="n">${int(b.n)}</td>` +
    `<td data-field="accuracy" data-value="${b.accuracy}">${pct(b.accuracy)}</td>` +
    `<td data-field="ci">${pct(b.accuracyCi[0])}–${pct(b.accuracyCi[1])}</td>` +
    rate('baselineAccuracy', baseAcc) +
    deltaCell('accuracyDelta', dAcc, cmp?.accuracyP ?? null, false) +
    `<td data-field="misalignmentRate" data-value="${b.misalignmentRate}">${pct(b.misalignmentRate)}</td>` +
    rate('baselineMisalignmentRate', baseMis) +
    deltaCell('misalignmentDelta', dMis, cmp?.misalignmentP ?? null, true) +
    `<td data-field="errors" data-value="${b.errors}">${int(b.errors)}</td>` +
    `<td data-field="calls">${int(b.usage.calls)}</td>` +
    `<td data-field="tokens">${int(b.usage.inputTokens)} / ${int(b.usage.outputTokens)}</td>` +
    `<td data-field="usd" data-value="${b.usage.usd}">${usd(b.usage.usd)}</td></tr>`
  );
}

const answer = (a: string | null | undefined) =>
  a === undefined
    ? '<span class="muted" title="the baseline predates answers">?</span>'
    : a === null || a === ''
      ? '<span class="muted">none</span>'
      : `<code>${esc(a)}</code>`;

function flipRow(f: Flip): string {
  const agents = f.agents
    .map((a) => {
      const cls = a.correct === true ? 'ok' : a.correct === false ? 'bad' : 'na';
      const mark = a.correct === true ? '✓' : a.correct === false ? '✗' : '–';
      return `<span class="agent ${cls}" data-agent="${esc(a.agent)}" data-correct="${a.correct}">${esc(a.agent)} ${answer(a.extracted)} ${mark}</span>`;
    })
    .join('');
  const kind = f.kind.replace(/ /g, '-');
  return (
    `<tr data-id="${esc(f.id)}" data-kind="${esc(f.kind)}"><td><span class="kind ${kind}">${esc(f.kind)}</span></td>` +
    `<td data-field="id"><code>${esc(f.id)}</code></td>` +
    `<td data-field="answers">${answer(f.before)} → ${answer(f.now)}</td>` +
    `<td data-field="gold">${f.gold === undefined ? '<span class="muted">tests</span>' : answer(f.gold)}</td>` +
    `<td data-field="agents">${agents}</td></tr>`
  );
}

function flipsSection(data: DashboardData, failing: Set<string>): string {
  if (!data.baseline) return '<p class="empty">No baseline: nothing to compare the items with.</p>';
  const all = data.flips ?? [];
  if (all.length === 0) return '<p class="empty">No benchmark of this run has a baseline entry.</p>';
  return all
    .map((b) => {
      const c = flipCounts(b);
      const counts = FLIP_KINDS.map((k) => `${c[k]} ${k}`).join(' · ');
      const body = b.flips.length
        ? `<table class="flips" data-benchmark="${esc(b.benchmark)}"><thead><tr><th>change</th><th>item</th><th>final answer (baseline → now)</th><th>gold</th><th>each agent's answer now</th></tr></thead><tbody>${b.flips.map(flipRow).join('')}</tbody></table>`
        : '<p class="empty">No item changed.</p>';
      return `<details class="flips" data-benchmark="${esc(b.benchmark)}"${failing.has(b.benchmark) || b.flips.length <= 12 ? ' open' : ''}><summary><b>${esc(b.benchmark)}</b> — ${counts} <span class="muted">(of ${int(b.paired)} paired items)</span></summary>${body}</details>`;
    })
    .join('');
}

function promptsSection(latest: HistoryRun | undefined, data: DashboardData): string {
  const agents = latest?.prompts?.agents ?? {};
  return Object.keys(agents)
    .sort()
    .map((id) => {
      const a = agents[id]!;
      const d = promptDiffs(a, data.baselinePrompts?.[id]);
      const block = (title: string, kind: string, diff: string | undefined) =>
        diff ? `<h4>${title}</h4><div data-diff="${kind}">${diffBlock(diff)}</div>` : '';
      const body =
        block('Diff against the baseline prompt', 'baseline', d.baseline) +
        block("Diff against the config's seed prompt", 'seed', d.seed);
      return (
        `<details class="prompt" data-agent="${esc(id)}"${d.baseline ? ' open' : ''}><summary><b>${esc(id)}</b> — ${esc(d.state)}${a.depth !== undefined ? ` <span class="muted">(depth ${a.depth})</span>` : ''}</summary>` +
        (a.rationale ? `<p class="rationale"><b>Optimizer's rationale:</b> ${esc(a.rationale)}</p>` : '') +
        (body || `<div data-diff="none"><pre class="diff">${esc(a.prompt)}</pre></div>`) +
        '</details>'
      );
    })
    .join('');
}

function baselineLine(b: DashboardBaseline | undefined): string {
  if (!b)
    return '<p class="muted" id="baseline-info">No baseline file: Δ columns are empty. Create one with <code>maspo baseline update</code>.</p>';
  return `<p class="muted" id="baseline-info">Baseline: ${b.runId ? `run <code>${esc(b.runId)}</code>, ` : ''}taken ${esc(runDate(b))}. Δ and p are paired (items present in both runs, errored in neither; exact McNemar, one-sided).</p>`;
}

/** Renders the self-contained dashboard page: inline CSS, inline SVG, no scripts or network fetches. */
export function renderDashboard(data: DashboardData, css: string = readDashboardCss()): string {
  const latest = data.history.at(-1);
  const gate = latest?.gate;
  const rows = (latest?.benchmarks ?? [])
    .map((b) =>
      benchmarkRow(
        b,
        gate?.comparisons.find((c) => c.benchmark === b.benchmark),
        data,
      ),
    )
    .join('');
  const verdict = gate
    ? `<p class="verdict ${gate.pass ? 'pass' : 'fail'}" id="verdict">${gate.unusable ? 'Gate not evaluated: a model endpoint could not be reached' : gate.pass ? 'Gate passed' : 'Gate failed'}</p>` +
      (gate.failures.length
        ? `<ul class="failures">${gate.failures.map((f) => `<li>${esc(formatFailure(f))}</li>`).join('')}</ul>`
        : '') +
      powerList(gate) +
      (gate.notes.length
        ? `<details class="notes"><summary>Notes (${gate.notes.length})</summary><ul>${gate.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></details>`
        : '')
    : '<p class="verdict" id="verdict">No gate verdict</p>';
  const failing = new Set(gate?.failures.map((f) => f.benchmark) ?? []);
  const scope = latest ? appliesTo(latest as RunRecord) : undefined;
  const latestLabel = latest ? `${runCommit(latest)} · ${runDate(latest)}` : '—';
  const misMax = rateAxis([
    ...data.history.flatMap((r) => r.benchmarks.map((b) => b.misalignmentRate)),
    ...Object.values(data.baseline?.benchmarks ?? {}).map((b) => b.misalignmentRate),
  ]);
  // `<` is escaped so the JSON can never close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>maspo dashboard</title><style>${css}</style></head>
<body>
<header><h1>maspo dashboard</h1><div class="meta">${data.history.length} run(s) · latest <b>${esc(latestLabel)}</b> (run ${esc(latest?.runId ?? '—')}) · generated ${esc(data.generatedAt)}${data.unsandboxed ? ' · <b>unsandboxed</b>' : ''}</div></header>
<main>
${data.unsandboxed ? '<div class="banner" id="unsandboxed-banner"><b>Unsandboxed.</b> Generated code ran without bubblewrap (MASPO_SANDBOX=unsafe).</div>' : ''}
${data.simulated ? '<div class="banner" id="simulated-banner"><b>Simulated model.</b> Results produced by maspo\'s offline simulated model, not a real LLM.</div>' : ''}
<section id="latest"><h2>Latest run</h2>${verdict}${baselineLine(data.baseline)}
<div class="scroll"><table id="latest-table"><thead><tr><th>benchmark</th><th>split</th><th>n</th><th>accuracy</th><th>95% CI</th><th>baseline</th><th>Δ accuracy</th><th>misalignment</th><th>baseline</th><th>Δ misalignment</th><th>errors</th><th>calls</th><th>tokens in / out</th><th>cost</th></tr></thead><tbody>${rows}</tbody></table></div></section>
<section id="flips"><h2>Flipped items vs baseline</h2><p class="muted">Per benchmark, the paired items whose outcome changed: the final answer before → now, the gold answer, and each agent's own answer now (✓ right, ✗ wrong). Only ids and answers are shown, never question text.</p>${flipsSection(data, failing)}</section>
<section id="history"><h2>History</h2><div class="charts"><div id="accuracy"><h3>Accuracy per benchmark</h3>${historyChart(data, 'chart-accuracy', 'accuracy')}</div><div id="misalignment-history"><h3>Misalignment rate per benchmark</h3>${historyChart(data, 'chart-misalignment-history', 'misalignmentRate', misMax)}</div></div></section>
<section id="misalignment"><h2>Misalignment rate over optimization depth, per agent</h2>${curvesChart(latest?.prompts?.curves)}</section>
<section id="prompts"><h2>Prompts</h2>${scope ? `<p id="prompt-scope">${esc(scope.replace(/`/g, ''))}</p>` : ''}${promptsSection(latest, data) || '<p class="empty">No prompt information recorded.</p>'}</section>
</main>
<script type="application/json" id="maspo-data">${json}</script>
</body></html>
`;
}

export function readDashboardCss(): string {
  return readFileSync(new URL('../../reporters/dashboard/style.css', import.meta.url), 'utf8');
}

/** The baseline's numbers as the dashboard keeps them (the per-item outcomes stay out of the page). */
function dashboardBaseline(b: Baseline): DashboardBaseline {
  return {
    createdAt: b.createdAt,
    ...(b.runId ? { runId: b.runId } : {}),
    benchmarks: Object.fromEntries(
      Object.entries(b.benchmarks).map(([k, v]) => [
        k,
        { n: v.n, accuracy: v.accuracy, misalignmentRate: v.misalignmentRate, errorRate: v.errorRate },
      ]),
    ),
  };
}

/**
 * Dashboard data from a history (oldest first) plus the current run if the history does not hold it yet.
 * With a baseline: its numbers (Δ columns, chart markers), its prompts (diffs) and the latest run's flips.
 */
export function dashboardData(
  history: RunRecord[],
  current: RunRecord | undefined,
  baseline?: Baseline,
  keep = 50,
): DashboardData {
  const runs = [...history];
  if (current && !runs.some((r) => r.runId === current.runId)) runs.push(current);
  const latest = current ?? runs.at(-1);
  const trimmed = runs.slice(-keep).map(({ items: _items, ...rest }) => rest);
  return {
    generatedAt: new Date().toISOString(),
    simulated: trimmed.some((r) => r.simulated),
    ...(trimmed.some((r) => r.unsandboxed) ? { unsandboxed: true } : {}),
    history: trimmed,
    ...(baseline?.prompts ? { baselinePrompts: baseline.prompts } : {}),
    ...(baseline ? { baseline: dashboardBaseline(baseline) } : {}),
    ...(baseline && latest ? { flips: computeFlips(latest, baseline) } : {}),
  };
}

/** The gate's stated power per benchmark (80% detectable change), warnings marked. */
function powerList(gate: GateVerdict): string {
  const lines = powerLines(gate);
  if (lines.length === 0) return '';
  return `<ul class="power" id="power">${lines.map((l) => `<li${l.includes('WARNING') ? ' class="warn"' : ''}>${esc(l)}</li>`).join('')}</ul>`;
}
