/** A run whose generated code ran without bubblewrap (MASPO_SANDBOX=unsafe) says "unsandboxed" in every report. */
import { describe, expect, it } from 'vitest';
import { buildRunRecord } from '../../src/harness/aggregate.js';
import { dashboardData, renderDashboard } from '../../src/harness/dashboard.js';
import { renderMarkdown } from '../../src/harness/markdown.js';
import { summarize } from '../../src/mas/evaluate.js';
import { formatRunSummary } from '../../src/mas/run.js';
import type { System } from '../../src/mas/types.js';
import { outcomes, records } from './synthetic.js';

describe('unsandboxed runs are labelled in every report', () => {
  const recs = records('mbpp', outcomes(4, 2)).map((r) => ({
    ...r,
    unsandboxed: true as const,
    detail: 'failed assert #0: assert f(1) == 2 — AssertionError (0/3 passed)',
  }));

  it('run record, benchmark summary, markdown and dashboard header', () => {
    const run = buildRunRecord(recs);
    expect(run.unsandboxed).toBe(true);
    expect(run.benchmarks[0]!.unsandboxed).toBe(true);
    expect(renderMarkdown(run, undefined, undefined)).toMatch(
      /\*\*Unsandboxed\.\*\* Generated code ran without bubblewrap/,
    );
    const html = renderDashboard(dashboardData([run], undefined), '');
    expect(html).toMatch(/<header>.*<b>unsandboxed<\/b>.*<\/header>/s);
    expect(html).toMatch(/id="unsandboxed-banner"/);
    // A sandboxed run says nothing of the kind.
    const clean = buildRunRecord(records('mbpp', outcomes(4, 2)));
    expect(clean.unsandboxed).toBeUndefined();
    expect(renderMarkdown(clean, undefined, undefined)).not.toMatch(/Unsandboxed/);
    expect(renderDashboard(dashboardData([clean], undefined), '')).not.toMatch(/unsandboxed/i);
  });

  it('maspo run: results.json summary and the printed summary', () => {
    const system = { name: 'single', agents: [{ id: 'solver' }], output: 'solver' } as unknown as System;
    const items = recs.map((r) => ({
      id: r.id,
      correct: r.correct,
      extracted: r.extracted,
      detail: r.detail,
      unsandboxed: true as const,
      misaligned: false,
      agents: {},
      usage: { inputTokens: 0, outputTokens: 0 },
      latencyMs: 1,
    }));
    const usage = {
      total: { calls: 0, cacheHits: 0, inputTokens: 0, outputTokens: 0, usd: 0 },
      unpriced: [],
    } as unknown as Parameters<typeof summarize>[2];
    const results = summarize(system, items, usage, true, { benchmark: 'mbpp' });
    expect(results.unsandboxed).toBe(true);
    expect(results.items[0]!.detail).toMatch(/^failed assert #0/);
    const text = formatRunSummary({ ...results, model: 'sim:sim-small', seed: 1 });
    expect(text).toMatch(/sandbox +UNSANDBOXED: generated code ran without bubblewrap/);
  });
});
