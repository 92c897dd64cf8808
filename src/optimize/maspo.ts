import { createTwoFilesPatch } from 'diff';
import type { ProposalCase } from '../contracts/proposal.js';
import type { Item } from '../datasets/types.js';
import { BudgetExhaustedError } from '../llm/budget.js';
import { isAbort, LlmError } from '../llm/errors.js';
import type { AgentRecord, PromptMap, Trace } from '../mas/types.js';
import { hash32, Prng } from '../util/prng.js';
import { type BeamNode, childNode, dedupeCandidates, promptHash, seedNode, selectBeam } from './beam.js';
import { pMap } from './calls.js';
import {
  DEFAULT_JUDGE_ERROR_BUDGET,
  type OptimizeSettings,
  type RewardVariant,
  rewardVariant,
} from './config.js';
import { predecessorsOf, successorsOf, topoOrder } from './dag.js';
import {
  addJudgement,
  emptyJudgeStats,
  type JudgeConfig,
  type JudgeStats,
  judgePair,
  type PairJudgement,
} from './judge.js';
import {
  CaseBuffer,
  type CaseRecord,
  describeVerdicts,
  isMisaligned,
  isSuccess,
  misalignmentRate,
} from './misalignment.js';
import { propose, rulesFor } from './propose.js';
import {
  admits,
  childScore,
  type ItemSignals,
  jointReward,
  type RewardBreakdown,
  refreshBaseline,
  refreshScore,
} from './reward.js';
import type {
  AgentResult,
  CandidateReport,
  SearchContext,
  SearchResult,
  StepReport,
  Strategy,
} from './search.js';
import { totalCount } from './spend.js';

/** The MASPO schedule: rounds × agents (topological) × generations, with beam refresh on revisits. */

export interface Step {
  kind: 'generation' | 'refresh';
  agent: string;
  round: number;
  /** 1-based generation within the visit (0 for a refresh). */
  generation: number;
}

export function buildSchedule(
  order: readonly string[],
  s: Pick<OptimizeSettings, 'rounds' | 'generations' | 'serialSearch' | 'beamRefresh'>,
): Step[] {
  const steps: Step[] = [];
  if (s.serialSearch) {
    for (const agent of order) {
      for (let g = 1; g <= s.rounds * s.generations; g++)
        steps.push({ kind: 'generation', agent, round: 1, generation: g });
    }
    return steps;
  }
  for (let round = 1; round <= s.rounds; round++) {
    for (const agent of order) {
      if (round >= 2 && s.beamRefresh) steps.push({ kind: 'refresh', agent, round, generation: 0 });
      for (let g = 1; g <= s.generations; g++)
        steps.push({ kind: 'generation', agent, round, generation: g });
    }
  }
  return steps;
}

interface AgentState {
  beam: BeamNode[];
  best: BeamNode;
  misaligned: CaseRecord[];
  successes: CaseRecord[];
  /** The agent's previous minibatch in the current visit (for carry-over). */
  lastMinibatch: string[];
  lastVisitRound: number;
  /** Every admitted node, by hash (lineage lookups). */
  nodes: Record<
    string,
    {
      round: number;
      generation: number;
      R: number | null;
      J: number;
      parent: string | null;
      /** The proposer's stated rationale (admitted children only). */
      rationale?: string;
    }
  >;
}

export interface MaspoState {
  strategy: 'maspo';
  cursor: number;
  prng: number;
  published: PromptMap;
  agents: Record<string, AgentState>;
  judge: JudgeStats;
  steps: StepReport[];
  stoppedBy: string | null;
  /** Items whose judge calls failed after retries so far (absent in older state files). */
  judgeErrors?: number;
}

/** Raised when more judge calls failed than `judgeErrorBudget` allows: the run stops loudly. */
export class JudgeErrorBudgetError extends Error {
  override name = 'JudgeErrorBudgetError';
}

/**
 * The questions injected into agent a's minibatch: its predecessors' misalignment cases, only when
 * misalignment sampling is on and success-case sampling (the ablation that replaces those cases) is off.
 */
export function injectedQuestions(
  s: Pick<OptimizeSettings, 'misalignmentSampling' | 'successCaseSampling'>,
  predecessorCases: ReadonlyArray<readonly Pick<CaseRecord, 'itemId'>[]>,
): string[] {
  if (!s.misalignmentSampling || s.successCaseSampling) return [];
  return predecessorCases.flatMap((cases) => cases.map((c) => c.itemId));
}

/** Which judgements a reward variant needs for an agent (the terminal agent's own output is the final one). */
export function judgementsNeeded(
  variant: RewardVariant,
  terminal: boolean,
): { local: boolean; lookahead: boolean; global: boolean } {
  if (terminal) return { local: true, lookahead: variant === 'joint', global: false };
  return {
    local: variant !== 'global-only',
    lookahead: variant === 'joint',
    global: variant !== 'local-only',
  };
}

/** A judge failure that counts as an item error (a failed call after retries), not one that stops the run. */
export function isItemJudgeError(err: unknown): boolean {
  return err instanceof LlmError && !(err instanceof BudgetExhaustedError) && !isAbort(err);
}

const EPS = 1e-9;

export function initialState(ctx: SearchContext): MaspoState {
  const agents: Record<string, AgentState> = {};
  const published: PromptMap = {};
  for (const a of ctx.system.agents) {
    const node = seedNode(a.prompt);
    published[a.id] = a.prompt;
    agents[a.id] = {
      beam: [node],
      best: node,
      misaligned: [],
      successes: [],
      lastMinibatch: [],
      lastVisitRound: 0,
      nodes: { [node.hash]: { round: 0, generation: 0, R: null, J: 0, parent: null } },
    };
  }
  return {
    strategy: 'maspo',
    cursor: 0,
    prng: new Prng(hash32(`maspo|${ctx.seed}`)).state,
    published,
    agents,
    judge: emptyJudgeStats(),
    steps: [],
    stoppedBy: null,
  };
}

/** The last record of an agent in a trace. */
export function recordOf(trace: Trace, agentId: string): AgentRecord | undefined {
  for (let i = trace.records.length - 1; i >= 0; i--)
    if (trace.records[i]!.agentId === agentId) return trace.records[i];
  return undefined;
}

/**
 * One generation's minibatch: injected misalignment questions first (at most half), then questions
 * carried over from the agent's previous minibatch in this visit, then fresh pool questions.
 */
export function drawMinibatch(
  prng: Prng,
  poolIds: readonly string[],
  size: number,
  injected: readonly string[],
  previous: readonly string[],
  carryOver: number,
): string[] {
  const n = Math.min(size, poolIds.length);
  const inPool = new Set(poolIds);
  let inj = [...new Set(injected)].filter((id) => inPool.has(id));
  const maxInj = Math.floor(n / 2);
  if (inj.length > maxInj) inj = prng.shuffle(inj).slice(0, maxInj);
  const chosen = new Set(inj);
  const carryN = Math.min(Math.floor(carryOver * n), n - chosen.size);
  const carried =
    carryN > 0
      ? prng.shuffle(previous.filter((id) => !chosen.has(id) && inPool.has(id))).slice(0, carryN)
      : [];
  for (const id of carried) chosen.add(id);
  const fresh = prng.shuffle(poolIds.filter((id) => !chosen.has(id))).slice(0, n - chosen.size);
  return [...inj, ...carried, ...fresh];
}

interface Evaluation {
  reward: RewardBreakdown;
  signals: ItemSignals[];
  judged: number;
  errors: number;
  /** Items whose judging failed (included in errors). */
  judgeErrors: number;
  ties: number;
  flips: number;
  parseFailures: number;
  misaligned: CaseRecord[];
  successes: CaseRecord[];
}

class MaspoRun {
  readonly order: string[];
  readonly steps: Step[];
  readonly byId: Map<string, Item>;
  readonly poolIds: string[];
  prng: Prng;
  readonly judgeCfg: JudgeConfig;
  readonly variant: RewardVariant;

  constructor(
    readonly ctx: SearchContext,
    readonly state: MaspoState,
  ) {
    this.order = topoOrder(ctx.system);
    this.steps = buildSchedule(this.order, ctx.settings);
    this.byId = new Map(ctx.pool.map((i) => [i.id, i]));
    this.poolIds = ctx.pool.map((i) => i.id);
    this.prng = Prng.fromState(state.prng);
    this.variant = rewardVariant(ctx.settings);
    this.judgeCfg = {
      client: ctx.client,
      model: ctx.models.judge,
      temperature: ctx.settings.judgeTemperature,
      orders: ctx.settings.judgeOrders,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    };
  }

  get s(): OptimizeSettings {
    return this.ctx.settings;
  }

  /** The misalignment rate needs local and downstream verdicts: null (not measured) for single-signal rewards. */
  rateOf(signals: readonly ItemSignals[]): number | null {
    return this.variant === 'joint' ? misalignmentRate(signals) : null;
  }

  role(id: string): string {
    return this.ctx.system.agents.find((a) => a.id === id)?.role ?? id;
  }

  private async runAll(items: Item[], prompts: PromptMap): Promise<Trace[]> {
    const traces = await pMap(items, this.s.concurrency, (item) => this.ctx.execute(item, prompts));
    this.ctx.client.throwIfBudgetExhausted();
    return traces;
  }

  /** Judges candidate traces against parent traces for agent a on the same items. */
  async evaluate(
    a: string,
    items: Item[],
    parent: Trace[],
    cand: Trace[],
    where: { round: number; generation: number },
  ): Promise<Evaluation> {
    const sys = this.ctx.system;
    const terminal = sys.output === a;
    const need = judgementsNeeded(this.variant, terminal);
    const per = await pMap(items, this.s.concurrency, async (item, i) => {
      const p = parent[i]!;
      const c = cand[i]!;
      const pr = recordOf(p, a);
      const cr = recordOf(c, a);
      if (p.error || c.error || !pr || !cr || pr.error || cr.error) return null;
      try {
        return await this.judgeItem(a, item, p, c, pr, cr, need, where);
      } catch (err) {
        if (!isItemJudgeError(err)) throw err;
        return { judgeError: err instanceof Error ? err.message : String(err), itemId: item.id };
      }
    });
    this.ctx.client.throwIfBudgetExhausted();
    const failed = per.flatMap((x) => (x !== null && 'judgeError' in x ? [x] : []));
    await this.countJudgeErrors(a, failed);
    const ok = per.flatMap((x) => (x !== null && !('judgeError' in x) ? [x] : []));
    const signals = ok.map((x) => x.signals);
    let ties = 0;
    let flips = 0;
    let parseFailures = 0;
    for (const x of ok) {
      for (const j of x.js) {
        addJudgement(this.state.judge, j);
        if (j.calls > 0 && j.value === 0.5) ties++;
        if (j.flipped) flips++;
        parseFailures += j.parseFailures;
      }
    }
    return {
      reward: jointReward(signals, this.s.weights, this.variant),
      signals,
      judged: ok.length,
      errors: per.length - ok.length,
      judgeErrors: failed.length,
      ties,
      flips,
      parseFailures,
      misaligned: terminal ? [] : ok.filter((x) => isMisaligned(x.signals)).map((x) => x.detail),
      successes: ok.filter((x) => isSuccess(x.signals)).map((x) => x.detail),
    };
  }

  /** The pairwise judgements of one item that the reward variant uses. */
  private async judgeItem(
    a: string,
    item: Item,
    p: Trace,
    c: Trace,
    pr: AgentRecord,
    cr: AgentRecord,
    need: ReturnType<typeof judgementsNeeded>,
    where: { round: number; generation: number },
  ): Promise<{ signals: ItemSignals; js: PairJudgement[]; detail: CaseRecord }> {
    const sys = this.ctx.system;
    const terminal = sys.output === a;
    const base = { task: sys.task, question: item.question };
    const js: PairJudgement[] = [];
    let local: number | null = null;
    if (need.local) {
      const j = await judgePair(this.judgeCfg, {
        ...base,
        signal: terminal ? 'global' : 'local',
        agentRole: this.role(a),
        context: cr.context,
        candidate: cr.output,
        parent: pr.output,
      });
      js.push(j);
      local = j.value;
    }
    const looks = successorsOf(sys, a);
    let lookahead: number | null = null;
    if (need.lookahead && looks.length > 0) {
      const vals: number[] = [];
      for (const s of looks) {
        const ps = recordOf(p, s);
        const cs = recordOf(c, s);
        if (!ps || !cs) continue;
        const j = await judgePair(this.judgeCfg, {
          ...base,
          signal: 'lookahead',
          agentRole: this.role(s),
          candidate: cs.output,
          parent: ps.output,
        });
        js.push(j);
        vals.push(j.value);
      }
      lookahead = vals.length > 0 ? vals.reduce((x, y) => x + y, 0) / vals.length : null;
    }
    let global: number | null = terminal ? local : null;
    if (need.global) {
      const g = await judgePair(this.judgeCfg, {
        ...base,
        signal: 'global',
        agentRole: this.role(sys.output),
        candidate: c.finalOutput,
        parent: p.finalOutput,
      });
      js.push(g);
      global = g.value;
    }
    const signals: ItemSignals = { local, lookahead, global };
    const succOut = looks.length > 0 ? recordOf(c, looks[0]!)?.output : undefined;
    const detail: CaseRecord = {
      itemId: item.id,
      question: item.question,
      context: cr.context,
      output: cr.output,
      ...(succOut !== undefined ? { successorOutput: succOut } : {}),
      finalOutput: c.finalOutput,
      verdicts: describeVerdicts(signals),
      round: where.round,
      generation: where.generation,
    };
    return { signals, js, detail };
  }

  /** Logs judge failures and stops the run when they exceed the error budget. */
  private async countJudgeErrors(a: string, failed: ReadonlyArray<{ judgeError: string; itemId: string }>) {
    if (failed.length === 0) return;
    this.state.judgeErrors = (this.state.judgeErrors ?? 0) + failed.length;
    this.state.judge.errors = (this.state.judge.errors ?? 0) + failed.length;
    for (const f of failed)
      await this.ctx.recorder.event({ type: 'judge-error', agent: a, item: f.itemId, message: f.judgeError });
    const budget = this.s.judgeErrorBudget ?? DEFAULT_JUDGE_ERROR_BUDGET;
    if (this.state.judgeErrors > budget)
      throw new JudgeErrorBudgetError(
        `${this.state.judgeErrors} items' judge calls failed after retries, over optimize.judgeErrorBudget (${budget}); last: ${failed.at(-1)!.judgeError}. Fix the judge model or endpoint (or raise the budget) and continue with --resume.`,
      );
  }

  private items(ids: readonly string[]): Item[] {
    return ids.map((id) => this.byId.get(id)!);
  }

  private publish(a: string, prompt: string): void {
    this.state.published = { ...this.state.published, [a]: prompt };
  }

  private toCase(c: CaseRecord): ProposalCase {
    return {
      question: c.question,
      context: c.context,
      output: c.output,
      ...(c.successorOutput !== undefined ? { successorOutput: c.successorOutput } : {}),
      ...(c.finalOutput !== undefined ? { finalOutput: c.finalOutput } : {}),
      verdicts: c.verdicts,
    };
  }

  async generation(stepIdx: number, step: Step): Promise<StepReport> {
    const { ctx, s } = this;
    const a = step.agent;
    const st = this.state.agents[a]!;
    if (st.lastVisitRound !== step.round) {
      st.lastMinibatch = [];
      st.lastVisitRound = step.round;
    }
    const injected = injectedQuestions(
      s,
      predecessorsOf(ctx.system, a).map((p) => this.state.agents[p]!.misaligned),
    );
    const mb = drawMinibatch(
      this.prng,
      this.poolIds,
      s.minibatch,
      injected,
      st.lastMinibatch,
      s.minibatchCarryOver,
    );
    st.lastMinibatch = mb;
    const items = this.items(mb);
    const nodes = st.beam.length > 0 ? st.beam : [st.best];
    const baselines = await Promise.all(
      nodes.map((n) => this.runAll(items, { ...this.state.published, [a]: n.prompt })),
    );

    // Proposals: Ksub per beam node, each with its own half of the traces.
    const seedPrompt = ctx.system.agents.find((x) => x.id === a)!.prompt;
    const rules = rulesFor(seedPrompt, predecessorsOf(ctx.system, a).length > 0, s.maxPromptChars);
    const failureCases =
      s.misalignmentSampling && !s.successCaseSampling ? st.misaligned.map((c) => this.toCase(c)) : [];
    const successCases = s.successCaseSampling ? st.successes.map((c) => this.toCase(c)) : [];
    const t = Math.min(s.tracesPerProposal, items.length);
    const proposals = await Promise.all(
      nodes.map((node, ni) =>
        Promise.all(
          Array.from({ length: s.candidatesPerParent }, async (_, k) => {
            const idx = Array.from({ length: t }, (_, j) => (k * t + j) % items.length);
            const traces = idx.map((i) => {
              const rec = recordOf(baselines[ni]![i]!, a);
              return { question: items[i]!.question, context: rec?.context ?? '', output: rec?.output ?? '' };
            });
            const out = await propose(
              {
                client: ctx.client,
                model: ctx.models.optimizer,
                temperature: s.optimizerTemperature,
                seed: hash32(`${ctx.seed}|${stepIdx}|${node.hash}|${k}`),
                ...(ctx.signal ? { signal: ctx.signal } : {}),
              },
              {
                agentId: a,
                agentRole: this.role(a),
                currentPrompt: node.prompt,
                traces,
                failureCases,
                successCases,
                rules,
              },
            );
            return out;
          }),
        ),
      ),
    );
    ctx.client.throwIfBudgetExhausted();

    // Evaluate every distinct candidate against its parent on the shared minibatch.
    const children: BeamNode[] = [];
    const reports: CandidateReport[] = [];
    const rateSignals: ItemSignals[] = [];
    const newMis: CaseRecord[] = [];
    const newSucc: CaseRecord[] = [];
    const candFile: unknown[] = [];
    const rationales = new Map<string, string>();
    for (let ni = 0; ni < nodes.length; ni++) {
      const node = nodes[ni]!;
      for (const p of proposals[ni]!) {
        if (!p.ok) {
          for (const m of p.failures)
            await ctx.recorder.event({
              type: 'validation-failure',
              step: stepIdx,
              agent: a,
              parent: node.hash,
              message: m,
            });
        } else if (p.failures.length > 0) {
          await ctx.recorder.event({
            type: 'validation-failure',
            step: stepIdx,
            agent: a,
            parent: node.hash,
            message: p.failures[0]!,
          });
        }
      }
      const valid = proposals[ni]!.flatMap((p) => (p.ok ? [p] : []));
      const distinct = dedupeCandidates(
        node.prompt,
        valid.map((p) => p.prompt),
      );
      for (const p of proposals[ni]!) {
        await ctx.recorder.event({
          type: 'proposal',
          step: stepIdx,
          agent: a,
          parent: node.hash,
          candidate: p.ok && distinct.includes(p.prompt) ? promptHash(p.prompt) : null,
          attempts: p.attempts,
        });
      }
      const candTraces = await Promise.all(
        distinct.map((c) => this.runAll(items, { ...this.state.published, [a]: c })),
      );
      for (let ci = 0; ci < distinct.length; ci++) {
        const cand = distinct[ci]!;
        const ev = await this.evaluate(a, items, baselines[ni]!, candTraces[ci]!, step);
        const R = ev.reward.R;
        const accepted = admits(R);
        const J = childScore(node.J, R, s.centredScore);
        const hash = promptHash(cand);
        if (accepted) children.push(childNode(node, cand, J, R, step.round, step.generation));
        rateSignals.push(...ev.signals);
        // Cases come from admitted candidates only (as in the reference, which takes the winner's): a
        // rejected candidate's outputs are not what the agent's prompts produce.
        if (accepted) {
          newMis.push(...ev.misaligned.map((c) => ({ ...c, candidate: hash })));
          newSucc.push(...ev.successes.map((c) => ({ ...c, candidate: hash })));
        }
        const rate = this.rateOf(ev.signals);
        reports.push({
          parent: node.hash,
          hash,
          R,
          local: ev.reward.local,
          lookahead: ev.reward.lookahead,
          global: ev.reward.global,
          accepted,
          misalignmentRate: rate,
        });
        await ctx.recorder.event({
          type: 'judgement',
          step: stepIdx,
          agent: a,
          candidate: hash,
          R,
          local: ev.reward.local,
          lookahead: ev.reward.lookahead,
          global: ev.reward.global,
          n: ev.judged,
          ties: ev.ties,
          flips: ev.flips,
          parseFailures: ev.parseFailures,
        });
        const rationale = valid.find((p) => p.prompt === cand)?.rationale ?? '';
        if (accepted) rationales.set(hash, rationale);
        candFile.push({
          parent: node.hash,
          hash,
          prompt: cand,
          rationale,
          reward: ev.reward,
          judged: ev.judged,
          errors: ev.errors,
          judgeErrors: ev.judgeErrors,
          ties: ev.ties,
          flips: ev.flips,
          parseFailures: ev.parseFailures,
          misalignmentRate: rate,
          accepted,
          J: accepted ? J : null,
          diff: createTwoFilesPatch(`${a}@${node.hash}`, `${a}@${hash}`, `${node.prompt}\n`, `${cand}\n`),
        });
      }
    }

    // Buffers, beam, best; publish at once so later agents see an improvement.
    const buf = new CaseBuffer(s.misalignmentCases, st.misaligned);
    buf.addAll(newMis);
    st.misaligned = buf.list();
    const sbuf = new CaseBuffer(s.misalignmentCases, st.successes);
    sbuf.addAll(newSucc);
    st.successes = sbuf.list();
    st.beam = selectBeam(nodes, children, s.beamWidth);
    for (const c of children)
      st.nodes[c.hash] = {
        round: c.round,
        generation: c.generation,
        R: c.R,
        J: c.J,
        parent: c.parent,
        rationale: rationales.get(c.hash) ?? '',
      };
    const top = st.beam[0]!;
    let published = false;
    if (top.J > st.best.J + EPS && top.prompt !== st.best.prompt) {
      st.best = top;
      this.publish(a, top.prompt);
      published = true;
    }
    for (const c of children) {
      await ctx.recorder.event({
        type: 'acceptance',
        step: stepIdx,
        agent: a,
        candidate: c.hash,
        parent: c.parent!,
        J: c.J,
        published: published && c.hash === st.best.hash,
      });
    }
    const rate = this.rateOf(rateSignals);
    await ctx.recorder.writeJson(
      `generations/${String(stepIdx).padStart(3, '0')}-${a}-r${step.round}-g${step.generation}.json`,
      {
        step: stepIdx,
        agent: a,
        round: step.round,
        generation: step.generation,
        minibatch: mb,
        beam: nodes.map((n) => ({ hash: n.hash, J: n.J })),
        candidates: candFile,
        misalignmentRate: rate,
        best: { hash: st.best.hash, J: st.best.J },
      },
    );
    await ctx.recorder.event({
      type: 'generation',
      step: stepIdx,
      agent: a,
      round: step.round,
      generation: step.generation,
      minibatch: mb,
      candidates: reports.length,
      accepted: children.length,
      misalignmentRate: rate,
      bestJ: st.best.J,
    });
    return {
      step: stepIdx,
      kind: 'generation',
      agent: a,
      round: step.round,
      generation: step.generation,
      candidates: reports,
      misalignmentRate: rate,
      bestJ: st.best.J,
    };
  }

  async refresh(stepIdx: number, step: Step): Promise<StepReport> {
    const { s } = this;
    const a = step.agent;
    const st = this.state.agents[a]!;
    st.lastVisitRound = step.round;
    const mb = drawMinibatch(this.prng, this.poolIds, s.minibatch, [], [], 0);
    st.lastMinibatch = mb;
    const others = st.beam.filter((n) => n.prompt !== st.best.prompt);
    const reports: CandidateReport[] = [];
    const rescored: BeamNode[] = [{ ...st.best, J: refreshBaseline(s.centredScore) }];
    if (others.length > 0) {
      const items = this.items(mb);
      const base = await this.runAll(items, { ...this.state.published, [a]: st.best.prompt });
      for (const n of others) {
        const tr = await this.runAll(items, { ...this.state.published, [a]: n.prompt });
        // The refresh uses the joint weights (the reference used 0.7/0.3 here).
        const ev = await this.evaluate(a, items, base, tr, step);
        const J = refreshScore(ev.reward.R, s.centredScore);
        rescored.push({ ...n, J });
        reports.push({
          parent: st.best.hash,
          hash: n.hash,
          R: ev.reward.R,
          local: ev.reward.local,
          lookahead: ev.reward.lookahead,
          global: ev.reward.global,
          accepted: J > rescored[0]!.J,
          misalignmentRate: this.rateOf(ev.signals),
        });
      }
    }
    st.beam = selectBeam(rescored.slice(0, 1), rescored.slice(1), s.beamWidth);
    st.best = st.beam[0]!;
    if (this.state.published[a] !== st.best.prompt) this.publish(a, st.best.prompt);
    await this.ctx.recorder.event({
      type: 'refresh',
      step: stepIdx,
      agent: a,
      scores: st.beam.map((n) => ({ hash: n.hash, J: n.J })),
      best: st.best.hash,
    });
    return {
      step: stepIdx,
      kind: 'refresh',
      agent: a,
      round: step.round,
      generation: 0,
      candidates: reports,
      misalignmentRate: null,
      bestJ: st.best.J,
    };
  }

  result(): SearchResult {
    const agents: Record<string, AgentResult> = {};
    for (const agent of this.ctx.system.agents) {
      const st = this.state.agents[agent.id]!;
      agents[agent.id] = {
        prompt: this.state.published[agent.id]!,
        seedPrompt: agent.prompt,
        J: st.best.J,
        lineage: st.best.lineage.map((h) => {
          const m = st.nodes[h];
          return {
            hash: h,
            round: m?.round ?? 0,
            generation: m?.generation ?? 0,
            R: m?.R ?? null,
            J: m?.J ?? 0,
            ...(m?.rationale !== undefined ? { rationale: m.rationale } : {}),
          };
        }),
      };
    }
    return {
      prompts: { ...this.state.published },
      agents,
      steps: this.state.steps,
      judge: this.state.judge,
      stoppedBy: this.state.stoppedBy,
    };
  }

  async run(): Promise<SearchResult> {
    const { ctx } = this;
    while (this.state.cursor < this.steps.length) {
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const i = this.state.cursor;
      const step = this.steps[i]!;
      await ctx.recorder.event({
        type: 'step-start',
        step: i,
        kind: step.kind,
        agent: step.agent,
        round: step.round,
        generation: step.generation,
      });
      const prngBefore = this.prng.state;
      const before = structuredClone(this.state);
      try {
        const rep = step.kind === 'refresh' ? await this.refresh(i, step) : await this.generation(i, step);
        this.state.steps.push(rep);
      } catch (err) {
        if (err instanceof BudgetExhaustedError) {
          // Roll the step back to the checkpoint (beams, buffers, judge statistics): the best map so far
          // stands, the report matches state.json, and the step is redone on resume with a new budget.
          this.prng = Prng.fromState(prngBefore);
          Object.assign(this.state, before);
          this.state.stoppedBy = err.message;
          await ctx.recorder.event({ type: 'budget', step: i, message: err.message });
          return this.result();
        }
        await ctx.recorder.event({
          type: 'error',
          step: i,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      }
      this.state.cursor = i + 1;
      this.state.prng = this.prng.state;
      await ctx.recorder.writeState(this.state);
      const st = this.state.agents[step.agent]!;
      ctx.onProgress?.({
        step: i + 1,
        steps: this.steps.length,
        agent: step.agent,
        round: step.round,
        generation: step.generation,
        bestJ: st.best.J,
        calls: totalCount(ctx.client.paid()),
      });
    }
    return this.result();
  }
}

export const maspoStrategy: Strategy = {
  name: 'maspo',
  async run(ctx: SearchContext): Promise<SearchResult> {
    const resumed = ctx.resumeState as MaspoState | null;
    const state = resumed && resumed.strategy === 'maspo' ? resumed : initialState(ctx);
    // A budget stop is resumable: clear it and carry on from the cursor.
    state.stoppedBy = null;
    return new MaspoRun(ctx, state).run();
  },
};

export function scheduleLength(ctx: Pick<SearchContext, 'system' | 'settings'>): number {
  return buildSchedule(topoOrder(ctx.system), ctx.settings).length;
}
