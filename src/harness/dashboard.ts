import { readFileSync } from 'node:fs';
import { percent as pct } from '../util/format.js';
import { powerLines } from './gate.js';
import { appliesTo, promptDiff } from './markdown.js';
import type { GateVerdict, OptimizationCurvePoint, RunRecord } from './types.js';

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
}

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#6e7781'];

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Series {
  name: string;
  points: Array<{ x: number; y: number; label: string }>;
}

/** A line chart as inline SVG; every point carries its value in `data-value` and a `<title>` tooltip. */
function lineChart(
  id: string,
  series: Series[],
  opts: { xLabel: string; xTicks: string[]; yMax?: number },
): string {
  const W = 720;
  const H = 280;
  const L = 48;
  const R = 16;
  const T = 12;
  const B = 40;
  const n = Math.max(1, opts.xTicks.length);
  const yMax = opts.yMax ?? 1;
  const sx = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const sy = (v: number) => T + (1 - v / yMax) * (H - T - B);
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
  opts.xTicks.forEach((t, i) => {
    if (n > 12 && i % Math.ceil(n / 12) !== 0 && i !== n - 1) return;
    parts.push(`<text x="${sx(i)}" y="${H - B + 16}" text-anchor="middle">${esc(t)}</text>`);
  });
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length]!;
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<g class="series" data-series="${esc(s.name)}">`);
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
  return `${parts.join('')}<div class="legend">${legend}</div>`;
}

function accuracyChart(data: DashboardData): string {
  const runs = data.history;
  const names = [...new Set(runs.flatMap((r) => r.benchmarks.map((b) => b.benchmark)))].sort();
  if (names.length === 0) return '<p class="empty">No benchmark results yet.</p>';
  const series: Series[] = names.map((name) => ({
    name,
    points: runs.flatMap((r, i) => {
      const b = r.benchmarks.find((x) => x.benchmark === name);
      return b ? [{ x: i, y: b.accuracy, label: r.runId }] : [];
    }),
  }));
  return lineChart('chart-accuracy', series, { xLabel: 'run', xTicks: runs.map((_, i) => `#${i + 1}`) });
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
  const yMax = Math.max(
    0.25,
    Math.ceil(Math.max(...series.flatMap((s) => s.points.map((p) => p.y))) * 4) / 4,
  );
  return lineChart('chart-misalignment', series, {
    xLabel: 'optimization depth',
    xTicks: Array.from({ length: maxDepth + 1 }, (_, i) => String(i)),
    yMax: Math.min(1, yMax),
  });
}

function diffBlock(diff: string): string {
  const lines = diff.split('\n').map((l) => {
    const cls = l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'ctx';
    return `<span class="${cls}">${esc(l) || ' '}</span>`;
  });
  return `<pre class="diff">${lines.join('')}</pre>`;
}

/** Renders the self-contained dashboard page: inline CSS, inline SVG, no scripts or network fetches. */
export function renderDashboard(data: DashboardData, css: string = readDashboardCss()): string {
  const latest = data.history.at(-1);
  const rows = (latest?.benchmarks ?? [])
    .map(
      (b) =>
        `<tr data-benchmark="${esc(b.benchmark)}"><td>${esc(b.benchmark)}</td><td>${esc(b.split)}</td><td data-field="n">${b.n}</td>` +
        `<td data-field="accuracy" data-value="${b.accuracy}">${pct(b.accuracy)}</td>` +
        `<td data-field="ci">${pct(b.accuracyCi[0])}–${pct(b.accuracyCi[1])}</td>` +
        `<td data-field="misalignmentRate" data-value="${b.misalignmentRate}">${pct(b.misalignmentRate)}</td>` +
        `<td data-field="errors" data-value="${b.errors}">${b.errors}</td>` +
        `<td data-field="calls">${b.usage.calls}</td><td data-field="tokens">${b.usage.inputTokens + b.usage.outputTokens}</td>` +
        `<td data-field="usd">$${b.usage.usd.toFixed(4)}</td></tr>`,
    )
    .join('');
  const gate = latest?.gate;
  const verdict = gate
    ? `<p class="verdict ${gate.pass ? 'pass' : 'fail'}" id="verdict">${gate.pass ? 'Gate passed' : 'Gate failed'}</p>` +
      (gate.failures.length
        ? `<ul class="failures">${gate.failures.map((f) => `<li>${esc(`${f.benchmark} ${f.metric}: ${f.test}`)}</li>`).join('')}</ul>`
        : '') +
      powerList(gate)
    : '<p class="verdict" id="verdict">No gate verdict</p>';
  const agents = latest?.prompts?.agents ?? {};
  const prompts = Object.keys(agents)
    .sort()
    .map((id) => {
      const a = agents[id]!;
      const before = data.baselinePrompts?.[id];
      const diff = before === undefined ? '' : promptDiff(before, a.prompt);
      const body = diff ? diffBlock(diff) : `<pre class="diff">${esc(a.prompt)}</pre>`;
      const state = before === undefined ? 'no baseline prompt' : diff ? 'changed vs baseline' : 'unchanged';
      return (
        `<details class="prompt" data-agent="${esc(id)}"><summary><b>${esc(id)}</b> — ${state}</summary>` +
        (a.rationale ? `<p><b>Optimizer's rationale:</b> ${esc(a.rationale)}</p>` : '') +
        `${body}</details>`
      );
    })
    .join('');
  const scope = latest ? appliesTo(latest as RunRecord) : undefined;
  // `<` is escaped so the JSON can never close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>maspo dashboard</title><style>${css}</style></head>
<body>
<header><h1>maspo dashboard</h1><div class="meta">${data.history.length} run(s) · latest ${esc(latest?.runId ?? '—')} · generated ${esc(data.generatedAt)}${data.unsandboxed ? ' · <b>unsandboxed</b>' : ''}</div></header>
<main>
${data.unsandboxed ? '<div class="banner" id="unsandboxed-banner"><b>Unsandboxed.</b> Generated code ran without bubblewrap (MASPO_SANDBOX=unsafe).</div>' : ''}
${data.simulated ? '<div class="banner" id="simulated-banner"><b>Simulated model.</b> Results produced by maspo\'s offline simulated model, not a real LLM.</div>' : ''}
<section id="latest"><h2>Latest run</h2>${verdict}
<table id="latest-table"><thead><tr><th>benchmark</th><th>split</th><th>n</th><th>accuracy</th><th>95% CI</th><th>misalignment</th><th>errors</th><th>calls</th><th>tokens</th><th>cost</th></tr></thead><tbody>${rows}</tbody></table></section>
<section id="accuracy"><h2>Accuracy per benchmark over history</h2>${accuracyChart(data)}</section>
<section id="misalignment"><h2>Misalignment rate over optimization depth, per agent</h2>${curvesChart(latest?.prompts?.curves)}</section>
<section id="prompts"><h2>Prompts vs baseline</h2>${scope ? `<p id="prompt-scope">${esc(scope.replace(/`/g, ''))}</p>` : ''}${prompts || '<p class="empty">No prompt information recorded.</p>'}</section>
</main>
<script type="application/json" id="maspo-data">${json}</script>
</body></html>
`;
}

export function readDashboardCss(): string {
  return readFileSync(new URL('../../reporters/dashboard/style.css', import.meta.url), 'utf8');
}

/** Dashboard data from a history (oldest first) plus the current run if the history does not hold it yet. */
export function dashboardData(
  history: RunRecord[],
  current: RunRecord | undefined,
  baselinePrompts?: Record<string, string>,
  keep = 50,
): DashboardData {
  const runs = [...history];
  if (current && !runs.some((r) => r.runId === current.runId)) runs.push(current);
  const trimmed = runs.slice(-keep).map(({ items: _items, ...rest }) => rest);
  return {
    generatedAt: new Date().toISOString(),
    simulated: trimmed.some((r) => r.simulated),
    ...(trimmed.some((r) => r.unsandboxed) ? { unsandboxed: true } : {}),
    history: trimmed,
    ...(baselinePrompts ? { baselinePrompts } : {}),
  };
}

/** The gate's stated power per benchmark (80% detectable change), warnings marked. */
function powerList(gate: GateVerdict): string {
  const lines = powerLines(gate);
  if (lines.length === 0) return '';
  return `<ul class="power" id="power">${lines.map((l) => `<li${l.includes('WARNING') ? ' class="warn"' : ''}>${esc(l)}</li>`).join('')}</ul>`;
}
