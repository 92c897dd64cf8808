import { buildJudgeMessages, parseVerdict } from '../../contracts/judge.js';
import { BudgetExhaustedError } from '../../llm/budget.js';
import type { PromptMap, Trace } from '../../mas/types.js';
import { hash32, Prng } from '../../util/prng.js';
import { promptHash } from '../beam.js';
import { pMap } from '../calls.js';
import { predecessorsOf, topoOrder } from '../dag.js';
import { candidateOutcome, emptyJudgeStats, type JudgeStats, rubricFor } from '../judge.js';
import { drawMinibatch, recordOf } from '../maspo.js';
import { propose, rulesFor } from '../propose.js';
import type { AgentResult, SearchContext, SearchResult, StepReport, Strategy } from '../search.js';

/**
 * SPO-style baseline: greedy hill-climbing per agent (topological order, rounds × generations), one
 * proposal per step, judged only on the system's final output with `spo.votes` votes in alternating
 * orders (at judge temperature 0 only one vote per order, since repeats cannot differ). A candidate replaces the incumbent when its mean vote over the minibatch is above 0.5.
 */

interface SpoState {
  strategy: 'spo';
  cursor: number;
  prng: number;
  published: PromptMap;
  lineage: Record<string, AgentResult['lineage']>;
  steps: StepReport[];
  /** Judge statistics so far (absent in state files of older versions). */
  judge?: JudgeStats;
}

export const spoStrategy: Strategy = {
  name: 'spo',
  async run(ctx: SearchContext): Promise<SearchResult> {
    const s = ctx.settings;
    const order = topoOrder(ctx.system);
    const schedule = Array.from({ length: s.rounds }, (_, r) =>
      order.flatMap((agent) =>
        Array.from({ length: s.generations }, (_, g) => ({ agent, round: r + 1, generation: g + 1 })),
      ),
    ).flat();
    const prev = ctx.resumeState as SpoState | null;
    const state: SpoState =
      prev?.strategy === 'spo'
        ? prev
        : {
            strategy: 'spo',
            cursor: 0,
            prng: new Prng(hash32(`spo|${ctx.seed}`)).state,
            published: Object.fromEntries(ctx.system.agents.map((a) => [a.id, a.prompt])),
            lineage: Object.fromEntries(
              ctx.system.agents.map((a) => [
                a.id,
                [{ hash: promptHash(a.prompt), round: 0, generation: 0, R: null, J: 0 }],
              ]),
            ),
            steps: [],
          };
    const byId = new Map(ctx.pool.map((i) => [i.id, i]));
    const poolIds = ctx.pool.map((i) => i.id);
    // Judge statistics, per item: a pair is one item's votes; a tie is a mean vote of 0.5; a flip is an
    // A/B–B/A vote pair whose decisive verdicts disagree about the candidate (position bias).
    const judge: JudgeStats = state.judge ?? emptyJudgeStats();
    state.judge = judge;
    let stoppedBy: string | null = null;
    const run = async (items: typeof ctx.pool, prompts: PromptMap): Promise<Trace[]> => {
      const t = await pMap(items, s.concurrency, (it) => ctx.execute(it, prompts));
      ctx.client.throwIfBudgetExhausted();
      return t;
    };
    while (state.cursor < schedule.length) {
      const i = state.cursor;
      const step = schedule[i]!;
      const a = step.agent;
      const prng = Prng.fromState(state.prng);
      try {
        const items = drawMinibatch(prng, poolIds, s.minibatch, [], [], 0).map((id) => byId.get(id)!);
        const base = await run(items, state.published);
        const agent = ctx.system.agents.find((x) => x.id === a)!;
        const t = Math.min(s.tracesPerProposal, items.length);
        const out = await propose(
          {
            client: ctx.client,
            model: ctx.models.optimizer,
            temperature: s.optimizerTemperature,
            seed: hash32(`${ctx.seed}|spo|${i}`),
          },
          {
            agentId: a,
            agentRole: agent.role,
            currentPrompt: state.published[a]!,
            traces: items.slice(0, t).map((it, k) => {
              const rec = recordOf(base[k]!, a);
              return { question: it.question, context: rec?.context ?? '', output: rec?.output ?? '' };
            }),
            failureCases: [],
            successCases: [],
            rules: rulesFor(agent.prompt, predecessorsOf(ctx.system, a).length > 0, s.maxPromptChars),
          },
        );
        ctx.client.throwIfBudgetExhausted();
        let R: number | null = null;
        let accepted = false;
        const parentHash = promptHash(state.published[a]!);
        // At temperature 0 repeated votes in the same order cannot differ: ask each order once.
        const votesAsked = s.judgeTemperature === 0 ? Math.min(s.spo.votes, 2) : s.spo.votes;
        let parseFailures = 0;
        const pairs: Array<{ calls: number; tie: boolean; flipped: boolean }> = [];
        if (out.ok && out.prompt.trim() !== state.published[a]!.trim()) {
          const cand = await run(items, { ...state.published, [a]: out.prompt });
          const per = await pMap(items, s.concurrency, async (it, k) => {
            const c = cand[k]!;
            const p = base[k]!;
            if (c.error || p.error) return null;
            if (c.finalOutput === p.finalOutput) return 0.5;
            const votes = await Promise.all(
              Array.from({ length: votesAsked }, async (_, v): Promise<number | null> => {
                const candFirst = v % 2 === 0;
                const reply = await ctx.client.complete({
                  model: ctx.models.judge,
                  role: 'judge',
                  temperature: s.judgeTemperature,
                  sampleIndex: Math.floor(v / 2),
                  messages: buildJudgeMessages({
                    signal: 'global',
                    agentRole: ctx.system.agents.find((x) => x.id === ctx.system.output)!.role,
                    rubric: rubricFor('global', '', ctx.system.task),
                    question: it.question,
                    outputA: candFirst ? c.finalOutput : p.finalOutput,
                    outputB: candFirst ? p.finalOutput : c.finalOutput,
                  }),
                });
                const verdict = parseVerdict(reply.text);
                if (verdict === null) parseFailures++;
                return candidateOutcome(verdict, candFirst ? 'A' : 'B');
              }),
            );
            const values = votes.map((x) => x ?? 0.5);
            const mean = values.reduce((x, y) => x + y, 0) / values.length;
            let flipped = false;
            for (let v = 0; v + 1 < votes.length; v += 2)
              if (votes[v] !== null && votes[v + 1] !== null && votes[v] !== votes[v + 1]) flipped = true;
            pairs.push({ calls: votes.length, tie: mean === 0.5, flipped });
            return mean;
          });
          ctx.client.throwIfBudgetExhausted();
          // Counted once the step's judgements are complete (a step cut short by a budget is redone).
          for (const p of pairs) {
            judge.pairs++;
            judge.calls += p.calls;
            if (p.calls >= 2) judge.orderPairs = (judge.orderPairs ?? 0) + 1;
            if (p.tie) judge.ties++;
            if (p.flipped) judge.flips++;
          }
          judge.parseFailures += parseFailures;
          const vals = per.filter((x): x is number => x !== null);
          R = vals.length === 0 ? 0.5 : vals.reduce((x, y) => x + y, 0) / vals.length;
          accepted = R > 0.5;
          if (accepted) {
            const lin = state.lineage[a]!;
            const J = (lin.at(-1)?.J ?? 0) + (R - 0.5);
            lin.push({
              hash: promptHash(out.prompt),
              round: step.round,
              generation: step.generation,
              R,
              J,
              rationale: out.rationale,
            });
            state.published = { ...state.published, [a]: out.prompt };
          }
        }
        state.steps.push({
          step: i,
          kind: 'generation',
          agent: a,
          round: step.round,
          generation: step.generation,
          candidates: out.ok
            ? [
                {
                  parent: parentHash,
                  hash: promptHash(out.prompt),
                  R,
                  local: null,
                  lookahead: null,
                  global: R,
                  accepted,
                  misalignmentRate: null,
                },
              ]
            : [],
          misalignmentRate: null,
          bestJ: state.lineage[a]!.at(-1)!.J,
        });
      } catch (err) {
        if (err instanceof BudgetExhaustedError) {
          stoppedBy = err.message;
          await ctx.recorder.event({ type: 'budget', step: i, message: err.message });
          break;
        }
        throw err;
      }
      state.prng = prng.state;
      state.cursor = i + 1;
      await ctx.recorder.writeState(state);
      ctx.onProgress?.({
        step: i + 1,
        steps: schedule.length,
        agent: a,
        round: step.round,
        generation: step.generation,
        bestJ: state.lineage[a]!.at(-1)!.J,
        calls: Object.values(ctx.client.paid()).reduce((x, y) => x + y, 0),
      });
    }
    const agents: Record<string, AgentResult> = {};
    for (const ag of ctx.system.agents) {
      const lin = state.lineage[ag.id]!;
      agents[ag.id] = {
        prompt: state.published[ag.id]!,
        seedPrompt: ag.prompt,
        lineage: lin,
        J: lin.at(-1)!.J,
      };
    }
    return { prompts: { ...state.published }, agents, steps: state.steps, judge, stoppedBy };
  },
};
