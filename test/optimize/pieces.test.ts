import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJudgeRequest } from '../../src/contracts/judge.js';
import { formatProposal, parseProposalRequest } from '../../src/contracts/proposal.js';
import { DEFAULT_WORLD_PATH } from '../../src/llm/sim/index.js';
import type { ChatRequest, ChatResponse, LlmClient } from '../../src/llm/types.js';
import { artifactHashes, isStale, promptArtifactSchema } from '../../src/optimize/artifact.js';
import { childNode, dedupeCandidates, seedNode, selectBeam } from '../../src/optimize/beam.js';
import { CountingClient, pMap } from '../../src/optimize/calls.js';
import { combineVerdicts, judgePair } from '../../src/optimize/judge.js';
import { buildSchedule, drawMinibatch } from '../../src/optimize/maspo.js';
import { CaseBuffer, isMisaligned, misalignmentRate } from '../../src/optimize/misalignment.js';
import { propose, rulesFor, validatePrompt } from '../../src/optimize/propose.js';
import { admits, childScore, jointReward, refreshBaseline, refreshScore } from '../../src/optimize/reward.js';
import { decide } from '../../src/optimize/validate.js';
import { Prng } from '../../src/util/prng.js';

/** A scripted LLM: replies from a function of the request; records every request. */
class Scripted implements LlmClient {
  readonly seen: ChatRequest[] = [];
  constructor(private readonly reply: (r: ChatRequest, n: number) => string) {}
  async complete(r: ChatRequest): Promise<ChatResponse> {
    this.seen.push(r);
    return {
      text: this.reply(r, this.seen.length),
      usage: { inputTokens: 10, outputTokens: 5 },
      finishReason: 'stop',
      model: r.model,
      latencyMs: 0,
      cached: false,
      simulated: false,
    };
  }
}

const W = { local: 0.4, lookahead: 0.4, global: 0.2 };

describe('joint reward', () => {
  it('weights local/lookahead/global and reports each signal', () => {
    const r = jointReward(
      [
        { local: 1, lookahead: 0, global: 1 },
        { local: 1, lookahead: 1, global: 0.5 },
      ],
      W,
    );
    expect(r.local).toBe(1);
    expect(r.lookahead).toBe(0.5);
    expect(r.global).toBe(0.75);
    expect(r.R).toBeCloseTo(0.4 * 1 + 0.4 * 0.5 + 0.2 * 0.75);
  });
  it('drops missing signals and renormalises the weights', () => {
    const r = jointReward([{ local: 1, lookahead: null, global: 0 }], W);
    expect(r.weights.local).toBeCloseTo(2 / 3);
    expect(r.weights.global).toBeCloseTo(1 / 3);
    expect(r.R).toBeCloseTo(2 / 3);
  });
  it('global-only uses the global signal only', () => {
    const r = jointReward([{ local: 1, lookahead: 1, global: 0 }], W, 'global-only');
    expect(r.R).toBe(0);
  });
  it('admission, centred and uncentred cumulative scores, refresh scores', () => {
    expect(admits(0.5)).toBe(false);
    expect(admits(0.51)).toBe(true);
    expect(childScore(0.2, 0.7, true)).toBeCloseTo(0.4);
    expect(childScore(0.2, 0.7, false)).toBeCloseTo(0.9);
    expect(refreshScore(0.8, true)).toBeCloseTo(0.3);
    expect(refreshBaseline(true)).toBe(0);
    expect(refreshScore(0.8, false)).toBeCloseTo(0.8);
    expect(refreshBaseline(false)).toBe(0.5);
  });
});

describe('both-order judging', () => {
  it('agreement gives 1 or 0; disagreement, TIE or unparseable gives 0.5 (a tie)', () => {
    expect(combineVerdicts(['A', 'B']).value).toBe(1); // candidate was A, then B
    expect(combineVerdicts(['B', 'A']).value).toBe(0);
    const flip = combineVerdicts(['A', 'A']); // always the first slot: position bias
    expect(flip.value).toBe(0.5);
    expect(flip.flipped).toBe(true);
    expect(combineVerdicts(['A', null])).toMatchObject({ value: 0.5, parseFailures: 1, flipped: false });
    expect(combineVerdicts(['TIE', 'B']).value).toBe(0.5);
    expect(combineVerdicts(['A']).value).toBe(1); // judgeOrders: 1
    expect(combineVerdicts([null]).value).toBe(0.5);
  });
  it('asks both orders with swapped outputs, and skips identical outputs', async () => {
    const judge = new Scripted((r) => {
      const d = parseJudgeRequest(r.messages)!;
      return `VERDICT: ${d.outputA.includes('good') ? 'A' : 'B'}`;
    });
    const cfg = { client: judge, model: 'm', temperature: 0, orders: 2 as const };
    const base = { signal: 'local' as const, agentRole: 'solver', task: 'math' as const, question: 'q' };
    expect((await judgePair(cfg, { ...base, candidate: 'good', parent: 'bad' })).value).toBe(1);
    expect((await judgePair(cfg, { ...base, candidate: 'bad', parent: 'good' })).value).toBe(0);
    expect(judge.seen).toHaveLength(4);
    const [a, b] = judge.seen.map((r) => parseJudgeRequest(r.messages)!);
    expect([a!.outputA, a!.outputB]).toEqual(['good', 'bad']);
    expect([b!.outputA, b!.outputB]).toEqual(['bad', 'good']);
    const same = await judgePair(cfg, { ...base, candidate: 'x', parent: 'x' });
    expect(same).toMatchObject({ value: 0.5, calls: 0 });
    expect(judge.seen).toHaveLength(4);
  });
});

describe('misalignment buffer', () => {
  it('a case is a local win with a lookahead or global loss', () => {
    expect(isMisaligned({ local: 1, lookahead: 0, global: 1 })).toBe(true);
    expect(isMisaligned({ local: 1, lookahead: 1, global: 0 })).toBe(true);
    expect(isMisaligned({ local: 1, lookahead: 0.5, global: 0.5 })).toBe(false);
    expect(isMisaligned({ local: 0.5, lookahead: 0, global: 0 })).toBe(false);
    expect(isMisaligned({ local: 1, lookahead: null, global: null })).toBe(false);
    expect(
      misalignmentRate([
        { local: 1, lookahead: 0, global: 1 },
        { local: 1, lookahead: 1, global: 1 },
        { local: 0, lookahead: 0, global: 0 },
        { local: 1, lookahead: null, global: 0 },
      ]),
    ).toBe(0.5);
  });
  it('keeps the most recent K cases, one per question', () => {
    const c = (id: string, g: number) => ({
      itemId: id,
      question: id,
      context: '',
      output: '',
      verdicts: '',
      round: 1,
      generation: g,
    });
    const b = new CaseBuffer(3);
    b.addAll([c('a', 1), c('b', 1), c('c', 1), c('d', 2), c('b', 3)]);
    expect(b.itemIds()).toEqual(['c', 'd', 'b']);
    expect(b.list().at(-1)!.generation).toBe(3);
  });
});

describe('beam', () => {
  it('admits children by J, keeps parents eligible, and dedupes prompts', () => {
    const seed = seedNode('p0 {{question}}');
    const c1 = childNode(seed, 'p1 {{question}}', 0.3, 0.8, 1, 1);
    const c2 = childNode(seed, 'p2 {{question}}', 0.1, 0.6, 1, 1);
    const dup = childNode(seed, 'p1 {{question}}', 0.05, 0.55, 1, 1);
    const beam = selectBeam([seed], [c1, c2, dup], 2);
    expect(beam.map((n) => n.prompt)).toEqual(['p1 {{question}}', 'p2 {{question}}']);
    expect(beam[0]!.lineage).toEqual([seed.hash, c1.hash]);
    // A parent that outscores its children stays.
    const strong = { ...seed, J: 1 };
    expect(selectBeam([strong], [c1], 2).map((n) => n.prompt)).toEqual([seed.prompt, c1.prompt]);
    expect(dedupeCandidates('a', ['a ', 'b', 'b', '', 'c'])).toEqual(['b', 'c']);
  });
});

describe('schedule and minibatch', () => {
  it('rounds × agents (topological) × generations, refresh before revisits', () => {
    const s = buildSchedule(['s', 'r'], {
      rounds: 2,
      generations: 2,
      serialSearch: false,
      beamRefresh: true,
    });
    expect(s.map((x) => `${x.kind[0]}:${x.agent}:${x.round}:${x.generation}`)).toEqual([
      'g:s:1:1',
      'g:s:1:2',
      'g:r:1:1',
      'g:r:1:2',
      'r:s:2:0',
      'g:s:2:1',
      'g:s:2:2',
      'r:r:2:0',
      'g:r:2:1',
      'g:r:2:2',
    ]);
    expect(
      buildSchedule(['s', 'r'], { rounds: 2, generations: 2, serialSearch: false, beamRefresh: false }),
    ).toHaveLength(8);
    const serial = buildSchedule(['s', 'r'], {
      rounds: 3,
      generations: 3,
      serialSearch: true,
      beamRefresh: true,
    });
    expect(serial.filter((x) => x.agent === 's').map((x) => x.generation)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(serial.every((x) => x.kind === 'generation')).toBe(true);
    expect(serial.findIndex((x) => x.agent === 'r')).toBe(9);
  });
  it('injects predecessor cases first (at most half), carries over, fills from the pool, seeded', () => {
    const pool = Array.from({ length: 30 }, (_, i) => `q${i}`);
    const mb = drawMinibatch(new Prng(1), pool, 10, ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'], [], 0);
    expect(mb).toHaveLength(10);
    expect(new Set(mb).size).toBe(10);
    expect(mb.slice(0, 5).every((id) => ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'].includes(id))).toBe(true);
    const prev = ['q20', 'q21', 'q22', 'q23', 'q24', 'q25', 'q26', 'q27', 'q28', 'q29'];
    const carried = drawMinibatch(new Prng(2), pool, 10, [], prev, 0.5);
    expect(carried.filter((id) => prev.includes(id)).length).toBeGreaterThanOrEqual(5);
    expect(drawMinibatch(new Prng(3), pool, 10, [], prev, 0)).toEqual(
      drawMinibatch(new Prng(3), pool, 10, [], prev, 0),
    );
  });
});

describe('proposals', () => {
  const rules = rulesFor('Solve {{question}} using {{context}}', true, 200);
  it('validates placeholders exactly once, unknown placeholders, length', () => {
    expect(validatePrompt('Solve {{question}} with {{context}}', rules)).toBeNull();
    expect(validatePrompt('Solve {{question}}', rules)).toMatch(
      /\{\{context\}\} must appear exactly once \(found 0\)/,
    );
    expect(validatePrompt('{{question}} {{question}} {{context}}', rules)).toMatch(/found 2/);
    expect(validatePrompt('{{question}} {{context}} {{answer}}', rules)).toMatch(/unknown placeholder/);
    expect(validatePrompt(`{{question}} {{context}} ${'x'.repeat(300)}`, rules)).toMatch(/over the limit/);
    expect(validatePrompt('  ', rules)).toMatch(/empty/);
    expect(validatePrompt('\\boxed{x} {{question}} {{context}}', rules)).toBeNull();
  });
  it('retries once with the validator message, then gives up', async () => {
    const opt = new Scripted((_r, n) =>
      n === 1
        ? formatProposal({ rationale: 'r1', prompt: 'no placeholders' })
        : formatProposal({ rationale: 'fixed', prompt: 'Better: {{question}} {{context}}' }),
    );
    const input = {
      agentId: 'a',
      agentRole: 'solver',
      currentPrompt: 'Solve {{question}} using {{context}}',
      traces: [],
      failureCases: [],
      successCases: [],
      rules,
    };
    const out = await propose({ client: opt, model: 'm', temperature: 0.7, seed: 1 }, input);
    expect(out).toMatchObject({
      ok: true,
      prompt: 'Better: {{question}} {{context}}',
      rationale: 'fixed',
      attempts: 2,
    });
    const second = parseProposalRequest(opt.seen[1]!.messages)!;
    expect(second.validatorFeedback).toMatch(/must appear exactly once/);
    expect(opt.seen[0]!.temperature).toBe(0.7);
    const bad = new Scripted(() => 'I refuse');
    const fail = await propose({ client: bad, model: 'm', temperature: 0.7, seed: 1 }, input);
    expect(fail.ok).toBe(false);
    expect(bad.seen).toHaveLength(2);
  });
});

describe('calls, validation decision and staleness', () => {
  it('sends identical requests once and counts distinct requests per role', async () => {
    const inner = new Scripted(() => 'x');
    const c = new CountingClient(inner);
    const req = { model: 'm', role: 'agent' as const, messages: [{ role: 'user' as const, content: 'hi' }] };
    await Promise.all([c.complete(req), c.complete(req), c.complete({ ...req, role: 'judge' })]);
    expect(inner.seen).toHaveLength(2);
    expect(c.requests).toEqual({ agent: 1, optimizer: 0, judge: 1 });
    expect(c.memoHits.agent).toBe(1);
    expect(await pMap([3, 1, 2], 2, async (x) => x * 2)).toEqual([6, 2, 4]);
  });
  it('keeps the optimized map unless significantly worse', () => {
    const o = (correct: boolean) => ({ correct, error: false, misaligned: false });
    const seed = Array.from({ length: 30 }, () => o(true));
    const worse = Array.from({ length: 30 }, (_, i) => o(i < 10));
    const s = { enabled: true, split: 'dev' as const, keep: 'unless-worse' as const, alpha: 0.05 };
    expect(decide(seed, worse, s, 'dev').kept).toBe('seed');
    const slightly = Array.from({ length: 30 }, (_, i) => o(i !== 0));
    const d = decide(seed, slightly, s, 'dev');
    expect(d.kept).toBe('optimized');
    expect(d.p).toBe(1);
    expect(d.difference).toBeCloseTo(-1 / 30);
    // Errored items are excluded from the pairs, never counted as wrong.
    const withErr = [...seed.slice(0, 29), { correct: false, error: true, misaligned: null }];
    expect(decide(withErr, seed, s, 'dev')).toMatchObject({ n: 29, errors: 1 });
  });
  it('artifacts without the optional rationale and curve fields (older versions) still parse', () => {
    const agent = { prompt: 'p', seedPrompt: 'p', changed: false, hash: 'h', J: 0, lineage: [] };
    const base = {
      format: 'maspo.prompts/v1',
      system: 's',
      benchmark: 'math500',
      strategy: 'maspo',
      seed: 1,
      simulated: true,
      models: { agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' },
      hashes: { config: 'c', dataset: 'd', models: 'm' },
      prompts: { a: 'p' },
      validation: null,
      stoppedBy: null,
    };
    expect(promptArtifactSchema.safeParse({ ...base, agents: { a: agent } }).success).toBe(true);
    const withNew = {
      ...agent,
      rationale: [{ hash: 'x', round: 1, generation: 1, R: 0.7, text: 'why' }],
      curve: [
        {
          depth: 1,
          step: 0,
          round: 1,
          generation: 1,
          misalignmentRate: 0.2,
          reward: 0.7,
          candidates: 2,
          accepted: 1,
          bestJ: 0.2,
        },
      ],
    };
    expect(promptArtifactSchema.parse({ ...base, agents: { a: withNew } }).agents.a!.curve![0]!.reward).toBe(
      0.7,
    );
    expect(
      promptArtifactSchema.safeParse({ ...base, agents: { a: { ...withNew, curve: [{ depth: 1 }] } } })
        .success,
    ).toBe(false);
  });
  it('artifact hashes change with config, dataset and models', () => {
    const items = [{ id: '1', question: 'q', gold: '1' }];
    const models = { agent: 'a', optimizer: 'o', judge: 'j' };
    const h = artifactHashes(
      { seed: 1, system: { topology: 'sequential' }, optimize: { rounds: 3 } },
      items,
      models,
    );
    expect(isStale({ hashes: h }, h).stale).toBe(false);
    const h2 = artifactHashes(
      { seed: 2, system: { topology: 'sequential' }, optimize: { rounds: 3 } },
      items,
      models,
    );
    expect(isStale({ hashes: h }, h2).reasons).toEqual([expect.stringMatching(/config/)]);
    const h3 = artifactHashes(
      { seed: 1, system: { topology: 'sequential' }, optimize: { rounds: 3 } },
      [{ ...items[0]!, gold: '2' }],
      { ...models, judge: 'x' },
    );
    expect(isStale({ hashes: h }, h3).reasons).toHaveLength(2);
    // A simulated model's world is part of what the prompts were optimized for.
    const sim = { agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' };
    const world = join(mkdtempSync(join(tmpdir(), 'maspo-world-')), 'w.yaml');
    writeFileSync(
      world,
      readFileSync(DEFAULT_WORLD_PATH, 'utf8').replace(/accuracy: 0\.85/, 'accuracy: 0.9'),
    );
    const onDefault = artifactHashes({ seed: 1 }, items, sim);
    expect(artifactHashes({ seed: 1 }, items, sim)).toEqual(onDefault);
    const onOther = artifactHashes({ seed: 1, llm: { sim: { worldPath: world } } }, items, sim);
    expect(isStale({ hashes: onDefault }, onOther).reasons).toEqual([expect.stringMatching(/models/)]);
    // Concurrency does not change results, so it does not make an artifact stale.
    expect(
      artifactHashes(
        { seed: 1, system: { topology: 'sequential' }, optimize: { rounds: 3, concurrency: 4 } },
        items,
        models,
      ),
    ).toEqual(h);
  });
});
