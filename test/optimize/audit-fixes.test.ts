import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type MaspoConfig } from '../../src/config/index.js';
import { parseJudgeRequest } from '../../src/contracts/judge.js';
import { createLlmClient } from '../../src/llm/client.js';
import { RetriesExhaustedError } from '../../src/llm/errors.js';
import type { ChatRequest, ChatResponse, CompleteOptions, LlmClient } from '../../src/llm/types.js';
import { parseOptimizeSettings, rewardVariant } from '../../src/optimize/config.js';
import { optimize, type RunStateFile } from '../../src/optimize/index.js';
import { orderFlipRate } from '../../src/optimize/judge.js';
import { injectedQuestions, judgementsNeeded, type MaspoState } from '../../src/optimize/maspo.js';
import { judgeLines } from '../../src/optimize/report.js';
import { RunDir } from '../../src/optimize/rundir.js';
import { mathScorer } from '../../src/tasks/math.js';
import { hash32 } from '../../src/util/prng.js';
import { requireDataDir } from '../support/data.js';

/** The fixes of the optimizer audit (issue 17), each on a small simulated run or as a unit. */

const root = resolve(import.meta.dirname, '../..');

async function tiny(
  extra: Record<string, unknown> = {},
  llm: Record<string, unknown> = {},
): Promise<MaspoConfig> {
  const dataDir = requireDataDir();
  const config = await loadConfig(join(root, 'examples/math500-sequential.yaml'));
  return {
    ...config,
    data: { dir: dataDir },
    llm: { ...config.llm, cache: { ...config.llm.cache, mode: 'off' }, sim: { dataDir }, ...llm },
    optimize: {
      ...config.optimize,
      rounds: 2,
      generations: 2,
      poolSize: 12,
      minibatch: 4,
      concurrency: 4,
      validation: { ...config.optimize.validation, limit: 12 },
      ...extra,
    },
  } as MaspoConfig;
}

/** Wraps the sim client: records judge requests' signals; fails judge calls chosen by `fail`. */
class JudgeSpy implements LlmClient {
  readonly signals: string[] = [];
  failures = 0;
  constructor(
    private readonly inner: LlmClient,
    private readonly fail: (r: ChatRequest) => boolean = () => false,
  ) {}
  complete(r: ChatRequest, o?: CompleteOptions): Promise<ChatResponse> {
    if (r.role === 'judge') {
      const j = parseJudgeRequest(r.messages);
      if (j) this.signals.push(j.signal);
      if (this.fail(r)) {
        this.failures++;
        return Promise.reject(new RetriesExhaustedError(3, new Error('HTTP 503 from the judge')));
      }
    }
    return this.inner.complete(r, o);
  }
}

const runIn = async (config: MaspoConfig, client: LlmClient) => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-audit-'));
  const r = await optimize(config, {
    client,
    runsDir: join(dir, 'runs'),
    out: join(dir, 'p.json'),
    scorer: mathScorer,
    dataDir: requireDataDir(),
  });
  const runs = join(dir, 'runs');
  const id = RunDir.latest(runs)!;
  const rd = RunDir.create(runs, id);
  return { r, state: rd.readState<RunStateFile>()!, events: rd.readEvents(), dir };
};

describe('success-case sampling and misalignment injection', () => {
  const cases = [[{ itemId: 'a' }, { itemId: 'b' }], [{ itemId: 'c' }]];
  it("injects predecessors' misalignment questions only with misalignment sampling and without success cases", () => {
    expect(injectedQuestions({ misalignmentSampling: true, successCaseSampling: false }, cases)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(injectedQuestions({ misalignmentSampling: true, successCaseSampling: true }, cases)).toEqual([]);
    expect(injectedQuestions({ misalignmentSampling: false, successCaseSampling: false }, cases)).toEqual([]);
  });
});

describe('reward variants: named switches, and only the judgements a variant uses', () => {
  it('reward: joint | global-only | local-only; jointReward: false means global-only', () => {
    expect(rewardVariant(parseOptimizeSettings({}))).toBe('joint');
    expect(rewardVariant(parseOptimizeSettings({ jointReward: false }))).toBe('global-only');
    expect(rewardVariant(parseOptimizeSettings({ reward: 'local-only' }))).toBe('local-only');
    expect(() => parseOptimizeSettings({ jointReward: false, reward: 'local-only' })).toThrow(
      /optimize\.reward: `jointReward: false` means `reward: global-only`/,
    );
    expect(judgementsNeeded('joint', false)).toEqual({ local: true, lookahead: true, global: true });
    expect(judgementsNeeded('global-only', false)).toEqual({ local: false, lookahead: false, global: true });
    expect(judgementsNeeded('local-only', false)).toEqual({ local: true, lookahead: false, global: false });
    // The terminal agent's own output is the final output: one judgement, under the global rubric.
    expect(judgementsNeeded('global-only', true)).toEqual({ local: true, lookahead: false, global: false });
  });

  it('a local-only run asks no lookahead or global judgement; global-only asks no local or lookahead one', async () => {
    const local = new JudgeSpy(createLlmClient((await tiny()).llm));
    const l = await runIn(await tiny({ reward: 'local-only' }), local);
    // solver (non-terminal): local judgements; reflector (terminal): its own output, under the global rubric.
    expect(new Set(local.signals)).toEqual(new Set(['local', 'global']));
    expect(local.signals.filter((s) => s === 'lookahead')).toHaveLength(0);
    for (const step of l.r.search.steps.filter((s) => s.agent === 'solver'))
      for (const c of step.candidates) expect([c.lookahead, c.global]).toEqual([null, null]);
    // Misalignment needs local and downstream verdicts: not measured by a single-signal reward.
    expect(l.r.search.steps.every((s) => s.misalignmentRate === null)).toBe(true);

    const global = new JudgeSpy(createLlmClient((await tiny()).llm));
    const g = await runIn(await tiny({ reward: 'global-only' }), global);
    expect(new Set(global.signals)).toEqual(new Set(['global']));
    for (const step of g.r.search.steps.filter((s) => s.agent === 'solver'))
      for (const c of step.candidates) expect([c.local, c.lookahead]).toEqual([null, null]);

    const joint = new JudgeSpy(createLlmClient((await tiny()).llm));
    await runIn(await tiny(), joint);
    expect(new Set(joint.signals)).toEqual(new Set(['local', 'lookahead', 'global']));
    expect(global.signals.length).toBeLessThan(joint.signals.length);
    expect(local.signals.length).toBeLessThan(joint.signals.length);
  }, 60_000);
});

describe('judge failures after retries', () => {
  // About one judge call in six fails (chosen by the request's content, so the same calls fail every time).
  const flaky = (r: ChatRequest) => hash32(JSON.stringify(r.messages)) % 6 === 0;

  it('count as errors of their items within the error budget; the run finishes and says so', async () => {
    const spy = new JudgeSpy(createLlmClient((await tiny()).llm), flaky);
    const { r, events } = await runIn(await tiny({ judgeErrorBudget: 1000 }), spy);
    expect(spy.failures).toBeGreaterThan(0);
    // An item counts once, however many of its judge calls failed.
    const errors = r.search.judge.errors!;
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThanOrEqual(spy.failures);
    expect(events.filter((e) => e.type === 'judge-error')).toHaveLength(errors);
    expect(r.artifact.validation).not.toBeNull();
    expect(judgeLines(r)[0]).toContain(`items failed after retries ${errors}`);
  }, 60_000);

  it('beyond the budget the run stops loudly, naming the budget and the last failure', async () => {
    const spy = new JudgeSpy(createLlmClient((await tiny()).llm), flaky);
    await expect(runIn(await tiny({ judgeErrorBudget: 2 }), spy)).rejects.toThrow(
      /items' judge calls failed after retries, over optimize\.judgeErrorBudget \(2\); last: .*HTTP 503/,
    );
    expect(spy.failures).toBeGreaterThan(2);
  }, 60_000);
});

describe('misalignment buffer, budget stop, judge statistics, dry run', () => {
  it('buffers hold cases of admitted candidates only', async () => {
    const { state } = await runIn(await tiny({ rounds: 3 }), createLlmClient((await tiny()).llm));
    const search = state.search as MaspoState;
    let cases = 0;
    for (const ag of Object.values(search.agents)) {
      for (const c of [...ag.misaligned, ...ag.successes]) {
        cases++;
        expect(c.candidate).toBeDefined();
        expect(Object.keys(ag.nodes)).toContain(c.candidate);
      }
    }
    expect(cases).toBeGreaterThan(0);
  }, 60_000);

  it("a budget stop's report matches the checkpoint: no judgements of the rolled-back step", async () => {
    const config = await tiny({}, { budget: { judge: { calls: 80 } } });
    const { r, state } = await runIn(config, createLlmClient(config.llm));
    expect(r.artifact.stoppedBy).toMatch(/judge budget exhausted/);
    const search = state.search as MaspoState;
    expect(r.search.judge).toEqual(search.judge);
    expect(r.search.steps).toHaveLength(search.cursor);
  }, 60_000);

  it('order-flip rate: measured with two orders, "not measured" with one', async () => {
    const one = await runIn(await tiny({ judgeOrders: 1 }), createLlmClient((await tiny()).llm));
    expect(orderFlipRate(one.r.search.judge)).toBeNull();
    expect(judgeLines(one.r)[0]).toContain('order-flip rate not measured (one order)');
    const two = await runIn(await tiny(), createLlmClient((await tiny()).llm));
    expect(orderFlipRate(two.r.search.judge)).toBe(two.r.search.judge.flips / two.r.search.judge.orderPairs!);
    // Requests split into paid calls and memo hits.
    const c = two.r.calls.total;
    expect(c.paid.judge + c.deduplicated.judge + c.cached.judge).toBeGreaterThanOrEqual(c.paid.judge);
    expect(judgeLines(two.r)[0]).toContain(`${c.paid.judge} paid calls, ${c.deduplicated.judge} answered`);
  }, 60_000);

  it('the dry run counts the worst case of proposal retries', async () => {
    const config = await tiny();
    const r = await optimize(config, {
      client: createLlmClient(config.llm),
      dryRun: true,
      scorer: mathScorer,
      dataDir: requireDataDir(),
    });
    expect(r.dryRun!.proposalRetries).toBe(r.dryRun!.phases.search.optimizer);
    expect(r.dryRun!.proposalRetries).toBeGreaterThan(0);
  }, 30_000);
});
