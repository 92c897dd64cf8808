import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDashboard } from '../../reporters/dashboard.js';
import { baselineFromRun, writeBaseline } from '../../src/harness/baseline.js';
import type { DashboardData } from '../../src/harness/dashboard.js';
import { evaluateGate } from '../../src/harness/gate.js';
import { promptsInfoFromArtifact } from '../../src/harness/runinfo.js';
import { readArtifact } from '../../src/optimize/artifact.js';
import { outcomes, perturb, run } from '../harness/synthetic.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

describe('dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-dash-'));
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  let page: string;
  let data: DashboardData;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`,
      );
    const history = join(dir, 'history.jsonl');
    const base = outcomes(60, 36);
    const runs = [
      run({ math500: base, aqua: outcomes(40, 12) }),
      run({ math500: perturb(base, 0, 6), aqua: outcomes(40, 16) }),
      run({ math500: perturb(base, 2, 10), aqua: outcomes(40, 20) }),
    ];
    runs.forEach((r, i) => {
      r.runId = `run-${i + 1}`;
      r.createdAt = `2025-01-0${i + 1}T00:00:00.000Z`;
    });
    const latest = runs[2]!;
    latest.prompts = {
      source: 'optimized',
      hash: 'f00d',
      simulated: true,
      agents: {
        solver: {
          prompt: 'Solve {{question}} carefully.\nBox the answer.',
          rationale: 'Be careful <really>.',
          depth: 3,
        },
        reflector: { prompt: 'Review {{context}}', depth: 1 },
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
    const baseline = baselineFromRun(runs[0]!);
    baseline.prompts = { solver: 'Solve {{question}}.\nBox the answer.', reflector: 'Review {{context}}' };
    await writeBaseline(join(dir, 'baseline.json'), baseline);
    latest.gate = evaluateGate(latest, baseline);
    for (const r of runs.slice(0, 2)) appendFileSync(history, `${JSON.stringify(r)}\n`);
    page = writeDashboard(latest, { dir: join(dir, 'dash'), history, baseline: join(dir, 'baseline.json') });
    data = JSON.parse(readFileSync(join(dir, 'dash', 'data.json'), 'utf8'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the charts and shows the same numbers as the JSON, with no network', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const p = await ctx.newPage();
    const requests: string[] = [];
    p.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(pathToFileURL(page).href);

    expect(data.history.map((r) => r.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    // Accuracy chart: one series per benchmark, one point per run, values equal to the JSON's.
    const acc = await p.$$eval('svg[data-chart="chart-accuracy"] g.series', (gs) =>
      gs.map((g) => ({
        name: g.getAttribute('data-series'),
        values: [...g.querySelectorAll('circle.point')].map((c) => Number(c.getAttribute('data-value'))),
        box: (g.querySelector('polyline') as unknown as { getBBox(): { width: number } }).getBBox().width,
      })),
    );
    expect(acc.map((s) => s.name)).toEqual(['aqua', 'math500']);
    for (const s of acc) {
      expect(s.values).toEqual(
        data.history.map((r) => r.benchmarks.find((b) => b.benchmark === s.name)!.accuracy),
      );
      expect(s.box).toBeGreaterThan(100); // really drawn, not collapsed
    }
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
    // Latest-run table: the text shown equals the JSON's numbers.
    const latest = data.history.at(-1)!;
    for (const b of latest.benchmarks) {
      const row = p.locator(`#latest-table tr[data-benchmark="${b.benchmark}"]`);
      expect(await row.locator('td[data-field="accuracy"]').textContent()).toBe(
        `${(100 * b.accuracy).toFixed(1)}%`,
      );
      expect(await row.locator('td[data-field="misalignmentRate"]').textContent()).toBe(
        `${(100 * b.misalignmentRate).toFixed(1)}%`,
      );
      expect(await row.locator('td[data-field="n"]').textContent()).toBe(String(b.n));
      expect(await row.locator('td[data-field="errors"]').textContent()).toBe(String(b.errors));
    }
    expect(await p.locator('#simulated-banner').isVisible()).toBe(true);
    expect(await p.locator('#verdict').textContent()).toBe(latest.gate!.pass ? 'Gate passed' : 'Gate failed');
    // Prompt diffs, with text escaped (not interpreted as HTML).
    await p.locator('details[data-agent="solver"] summary').click();
    expect(await p.locator('details[data-agent="solver"] .add').first().textContent()).toBe(
      '+Solve {{question}} carefully.',
    );
    expect(await p.locator('details[data-agent="solver"]').textContent()).toContain('Be careful <really>.');
    expect(await p.locator('details[data-agent="reflector"] summary').textContent()).toContain('unchanged');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard.png');
    await p.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
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
