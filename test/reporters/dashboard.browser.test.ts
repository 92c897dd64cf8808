import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDashboard } from '../../reporters/dashboard.js';
import { baselineFromRun, writeBaseline } from '../../src/harness/baseline.js';
import type { DashboardData } from '../../src/harness/dashboard.js';
import type { Flip } from '../../src/harness/flips.js';
import { evaluateGate, formatFailure } from '../../src/harness/gate.js';
import { promptsInfoFromArtifact } from '../../src/harness/runinfo.js';
import { readArtifact } from '../../src/optimize/artifact.js';
import { pValue, signedPoints } from '../../src/util/format.js';
import { outcomes, perturb, run } from '../harness/synthetic.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/** What a reviewer sees in a flips row, as data.json has it (agents: "name answer ✓/✗"). */
function flipRowsFromData(f: Flip[]) {
  const ans = (a: string | null | undefined) => (a === undefined ? '?' : a === null || a === '' ? 'none' : a);
  return f.map((x) => ({
    id: x.id,
    kind: x.kind,
    answers: `${ans(x.before)} → ${ans(x.now)}`,
    gold: x.gold ?? 'tests',
    agents: x.agents.map(
      (a) => `${a.agent} ${ans(a.extracted)} ${a.correct === true ? '✓' : a.correct === false ? '✗' : '–'}`,
    ),
  }));
}

const SHAS = ['3f2a9c1d0e', 'a71be04c55', 'c0ffee1234', '9d41b7e2aa'];

/**
 * A history of three runs against a baseline taken from the first, and a page for the latest. `failing`
 * makes the latest run drop MATH-500 accuracy and raise misalignment enough for the gate to fail.
 */
function scenario(dir: string, failing: boolean) {
  const history = join(dir, 'history.jsonl');
  const base = outcomes(60, 36);
  const latestMath = failing
    ? base.map((o, i) => (i < 14 ? { correct: false, misaligned: i < 9 } : i === 40 ? { correct: true } : o))
    : perturb(base, 2, 10);
  const runs = [
    run({ math500: base, aqua: outcomes(40, 12) }),
    run({ math500: perturb(base, 0, 6), aqua: outcomes(40, 16) }),
    run({ math500: latestMath, aqua: outcomes(40, failing ? 14 : 20) }),
  ];
  const baseline = baselineFromRun(runs[0]!);
  baseline.prompts = { solver: 'Solve {{question}}.\nBox the answer.', reflector: 'Review {{context}}' };
  runs.forEach((r, i) => {
    r.runId = `run-${i + 1}`;
    r.createdAt = `2025-01-0${i + 1}T00:00:00.000Z`;
    r.git = { sha: SHAS[i]! };
    r.gate = evaluateGate(r, baseline);
  });
  const latest = runs[2]!;
  latest.prompts = {
    source: 'optimized',
    hash: 'f00d',
    simulated: true,
    benchmarks: ['math500'],
    agents: {
      solver: {
        prompt: 'Solve {{question}} carefully.\nBox the answer.',
        seed: 'Solve {{question}}.\nBox the answer.\nShow no work.',
        rationale: 'Be careful <really>.',
        depth: 3,
      },
      reflector: { prompt: 'Review {{context}}', seed: 'Review {{context}}', depth: 1 },
    },
    curves: {
      solver: [
        { depth: 0, misalignmentRate: 0.3 },
        { depth: 1, misalignmentRate: 0.22 },
        { depth: 2, misalignmentRate: 0.15 },
        { depth: 3, misalignmentRate: 0.1 },
      ],
      reflector: [
        { depth: 0, misalignmentRate: 0.2 },
        { depth: 1, misalignmentRate: 0.12 },
      ],
    },
  };
  return { history, baseline, runs, latest };
}

describe('dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-dash-'));
  let browser: Awaited<ReturnType<typeof chromium.launch>>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`,
      );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Writes the scenario's page and opens it; records every non-file request and page error. */
  async function open(name: string, failing: boolean) {
    const sub = join(dir, name);
    mkdirSync(sub, { recursive: true });
    const s = scenario(sub, failing);
    await writeBaseline(join(sub, 'baseline.json'), s.baseline);
    for (const r of s.runs.slice(0, 2)) appendFileSync(s.history, `${JSON.stringify(r)}\n`);
    const page = writeDashboard(s.latest, {
      dir: join(sub, 'dash'),
      history: s.history,
      baseline: join(sub, 'baseline.json'),
    });
    const data = JSON.parse(readFileSync(join(sub, 'dash', 'data.json'), 'utf8')) as DashboardData;
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const requests: string[] = [];
    p.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(pathToFileURL(page).href);
    return { ...s, data, ctx, p, requests, errors };
  }

  /** No executable script: the only script element is the embedded JSON data; nothing was fetched. */
  async function expectInert(v: Awaited<ReturnType<typeof open>>) {
    const scripts = await v.p.$$eval('script', (els) => els.map((e) => e.getAttribute('type')));
    expect(scripts).toEqual(['application/json']);
    expect(await v.p.$$eval('[onclick],[onload],[onerror]', (els) => els.length)).toBe(0);
    expect(v.requests).toEqual([]);
    expect(v.errors).toEqual([]);
  }

  async function shoot(v: Awaited<ReturnType<typeof open>>, file: string) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, file);
    await v.p.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  }

  it('a passing run: charts and table equal the JSON, history by commit and verdict, diffs, no network', async () => {
    const v = await open('passing', false);
    const { p, data } = v;
    expect(data.history.map((r) => r.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    // Accuracy chart: one series per benchmark, one point per run, values equal to the JSON's.
    const acc = await p.$$eval('svg[data-chart="chart-accuracy"] g.series', (gs) =>
      gs.map((g) => ({
        name: g.getAttribute('data-series'),
        values: [...g.querySelectorAll('circle.point')].map((c) => Number(c.getAttribute('data-value'))),
        baseline: Number(g.querySelector('g.baseline')?.getAttribute('data-baseline')),
        box: (g.querySelector('polyline') as unknown as { getBBox(): { width: number } }).getBBox().width,
      })),
    );
    expect(acc.map((s) => s.name)).toEqual(['aqua', 'math500']);
    for (const s of acc) {
      expect(s.values).toEqual(
        data.history.map((r) => r.benchmarks.find((b) => b.benchmark === s.name)!.accuracy),
      );
      expect(s.baseline).toBe(v.baseline.benchmarks[s.name]!.accuracy); // the baseline marker
      expect(s.box).toBeGreaterThan(100); // really drawn, not collapsed
    }
    // Misalignment rate over the same history, beside accuracy.
    const misHist = await p.$$eval('svg[data-chart="chart-misalignment-history"] g.series', (gs) =>
      gs.map((g) => [...g.querySelectorAll('circle.point')].map((c) => Number(c.getAttribute('data-value')))),
    );
    expect(misHist).toEqual(
      ['aqua', 'math500'].map((n) =>
        data.history.map((r) => r.benchmarks.find((b) => b.benchmark === n)!.misalignmentRate),
      ),
    );
    // Runs are labelled by short commit and date, and marked by verdict.
    const ticks = await p.$$eval('svg[data-chart="chart-accuracy"] text.tick', (ts) =>
      ts.map((t) => t.textContent),
    );
    expect(ticks).toEqual(SHAS.slice(0, 3).map((s) => s.slice(0, 7)));
    const marks = await p.$$eval('svg[data-chart="chart-accuracy"] rect.verdict-mark', (rs) =>
      rs.map((r) => r.getAttribute('data-verdict')),
    );
    expect(marks).toEqual(data.history.map((r) => (r.gate!.pass ? 'pass' : 'fail')));
    expect(await p.locator('header .meta b').textContent()).toBe('c0ffee1 · 2025-01-03');
    // Misalignment over optimization depth per agent.
    const mis = await p.$$eval('svg[data-chart="chart-misalignment"] g.series', (gs) =>
      gs.map((g) => ({
        name: g.getAttribute('data-series'),
        values: [...g.querySelectorAll('circle.point')].map((c) => Number(c.getAttribute('data-value'))),
      })),
    );
    expect(mis).toEqual([
      { name: 'reflector', values: [0.2, 0.12] },
      { name: 'solver', values: [0.3, 0.22, 0.15, 0.1] },
    ]);
    // Latest-run table: the text shown equals the JSON's numbers, with the baseline and paired Δ beside.
    const latest = data.history.at(-1)!;
    for (const b of latest.benchmarks) {
      const cmp = latest.gate!.comparisons.find((c) => c.benchmark === b.benchmark)!;
      const row = p.locator(`#latest-table tr[data-benchmark="${b.benchmark}"]`);
      const cell = (f: string) => row.locator(`td[data-field="${f}"]`).textContent();
      expect(await cell('accuracy')).toBe(`${(100 * b.accuracy).toFixed(1)}%`);
      expect(await cell('misalignmentRate')).toBe(`${(100 * b.misalignmentRate).toFixed(1)}%`);
      expect(await cell('n')).toBe(String(b.n));
      expect(await cell('errors')).toBe(String(b.errors));
      expect(await cell('baselineAccuracy')).toBe(`${(100 * cmp.baselineAccuracy!).toFixed(1)}%`);
      expect(await cell('accuracyDelta')).toBe(
        `${signedPoints(cmp.accuracyDelta!)} p=${pValue(cmp.accuracyP!)}`,
      );
      expect(await cell('misalignmentDelta')).toBe(
        `${signedPoints(cmp.misalignmentDelta!)} p=${pValue(cmp.misalignmentP!)}`,
      );
      expect(await cell('tokens')).toBe(
        `${b.usage.inputTokens.toLocaleString('en-US')} / ${b.usage.outputTokens.toLocaleString('en-US')}`,
      );
      expect(await cell('usd')).toMatch(/^\$\d/);
    }
    expect(await p.locator('#simulated-banner').isVisible()).toBe(true);
    expect(await p.locator('#verdict').textContent()).toBe('Gate passed');
    // Prompt diffs against the baseline and against the seed, with text escaped (not interpreted as HTML).
    const solver = p.locator('details[data-agent="solver"]');
    expect(await solver.locator('[data-diff="baseline"] .add').first().textContent()).toBe(
      '+Solve {{question}} carefully.',
    );
    expect(await solver.locator('[data-diff="seed"] .del').allTextContents()).toEqual([
      '-Solve {{question}}.',
      '-Show no work.',
    ]);
    expect(await solver.textContent()).toContain('Be careful <really>.');
    expect(await p.locator('details[data-agent="reflector"] summary').textContent()).toContain(
      'unchanged vs baseline, same as the seed',
    );
    await expectFlipsEqualData(p, data);
    await shoot(v, 'dashboard-passing.png');
    await expectInert(v);
    await v.ctx.close();
  }, 60_000);

  /** Every flips table shows exactly the rows of data.json, in order. */
  async function expectFlipsEqualData(p: Awaited<ReturnType<typeof open>>['p'], data: DashboardData) {
    expect(data.flips!.length).toBeGreaterThan(0);
    for (const b of data.flips!) {
      await p.locator(`details.flips[data-benchmark="${b.benchmark}"] summary`).scrollIntoViewIfNeeded();
      const shown = await p.$$eval(`table.flips[data-benchmark="${b.benchmark}"] tbody tr`, (trs) =>
        trs.map((tr) => ({
          id: tr.querySelector('[data-field="id"]')!.textContent,
          kind: tr.getAttribute('data-kind'),
          answers: tr.querySelector('[data-field="answers"]')!.textContent,
          gold: tr.querySelector('[data-field="gold"]')!.textContent,
          agents: [...tr.querySelectorAll('.agent')].map((a) => a.textContent),
        })),
      );
      expect(shown).toEqual(flipRowsFromData(b.flips));
    }
  }

  it('a failing run: console-worded failure lines, the flipped items and why, baseline beside now', async () => {
    const v = await open('failing', true);
    const { p, data } = v;
    const latest = data.history.at(-1)!;
    expect(latest.gate!.pass).toBe(false);
    expect(await p.locator('#verdict').textContent()).toBe('Gate failed');
    // Worded exactly as on the console, with human metric names.
    const lines = await p.locator('ul.failures li').allTextContents();
    expect(lines).toEqual(latest.gate!.failures.map(formatFailure));
    expect(lines.some((l) => l.startsWith('FAIL math500 accuracy: baseline 60.0% → now'))).toBe(true);
    expect(lines.some((l) => l.startsWith('FAIL math500 misalignment rate: baseline 0.0% → now'))).toBe(true);
    // The flips: 14 newly wrong, 1 newly right, 9 newly misaligned, the misaligned ones with the solver right.
    await expectFlipsEqualData(p, data);
    const math = data.flips!.find((b) => b.benchmark === 'math500')!;
    expect(math.flips.filter((f) => f.kind === 'newly wrong')).toHaveLength(14);
    expect(math.flips.filter((f) => f.kind === 'newly right').map((f) => f.id)).toEqual(['math500/40']);
    const misRow = p
      .locator('table.flips[data-benchmark="math500"] tr[data-kind="newly misaligned"]')
      .first();
    expect(await misRow.locator('[data-field="answers"]').textContent()).toBe('42 → 7');
    expect(await misRow.locator('[data-field="gold"]').textContent()).toBe('42');
    expect(await misRow.locator('.agent[data-agent="solver"]').getAttribute('data-correct')).toBe('true');
    expect(await misRow.locator('.agent[data-agent="reflector"]').getAttribute('data-correct')).toBe('false');
    expect(await p.locator('details.flips[data-benchmark="math500"]').getAttribute('open')).not.toBeNull();
    // Baseline beside now, in red.
    const delta = p.locator('#latest-table tr[data-benchmark="math500"] td[data-field="accuracyDelta"]');
    expect(await delta.getAttribute('class')).toBe('worse');
    const marks = await p.$$eval('svg[data-chart="chart-accuracy"] rect.verdict-mark', (rs) =>
      rs.map((r) => r.getAttribute('data-verdict')),
    );
    expect(marks.at(-1)).toBe('fail');
    await shoot(v, 'dashboard-failing.png');
    await expectInert(v);
    await v.ctx.close();
  }, 60_000);

  it('draws the misalignment curves and rationale from the shipped prompt artifact on a clean clone', async () => {
    // A fresh clone has no optimizer run directory (.maspo/runs is not committed): only the artifact.
    const artifact = readArtifact(resolve(import.meta.dirname, '../../benchmarks/maspo.prompts.json'));
    const emptyRuns = join(dir, 'no-runs');
    const clean = run({ math500: outcomes(20, 8) });
    clean.prompts = promptsInfoFromArtifact(artifact, { source: 'artifact', runsDir: emptyRuns });
    const history = join(dir, 'clean-history.jsonl');
    const file = writeDashboard(clean, { dir: join(dir, 'clean'), history });
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(pathToFileURL(file).href);
    const mis = await p.$$eval('svg[data-chart="chart-misalignment"] g.series', (gs) =>
      gs.map((g) => ({
        name: g.getAttribute('data-series'),
        values: [...g.querySelectorAll('circle.point')].map((c) => Number(c.getAttribute('data-value'))),
      })),
    );
    const expected = Object.entries(artifact.agents)
      .filter(([, a]) => a.curve?.some((pt) => pt.misalignmentRate !== null))
      .map(([name, a]) => ({
        name,
        values: a.curve!.flatMap((pt) => (pt.misalignmentRate === null ? [] : [pt.misalignmentRate])),
      }))
      .sort((x, y) => x.name.localeCompare(y.name));
    expect(expected.length).toBeGreaterThan(0);
    expect(mis).toEqual(expected);
    const changed = Object.entries(artifact.agents).find(([, a]) => a.changed)!;
    const text = changed[1].rationale!.at(-1)!.text;
    await p.locator(`details[data-agent="${changed[0]}"] summary`).click();
    expect(await p.locator(`details[data-agent="${changed[0]}"]`).textContent()).toContain(text);
    expect(await p.locator('#prompt-scope').textContent()).toBe('Optimized for math500: applied to math500.');
    await p.screenshot({ path: join(ARTIFACTS, 'dashboard-artifact-curves.png'), fullPage: true });
    await ctx.close();
  }, 60_000);
});
