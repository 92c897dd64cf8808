import { BudgetExhaustedError } from '../../llm/budget.js';
import type { PromptMap } from '../../mas/types.js';
import { hash32, Prng } from '../../util/prng.js';
import { dedupeCandidates, promptHash } from '../beam.js';
import { pMap } from '../calls.js';
import { predecessorsOf, topoOrder } from '../dag.js';
import { emptyJudgeStats } from '../judge.js';
import { drawMinibatch, recordOf } from '../maspo.js';
import { propose, rulesFor } from '../propose.js';
import type { AgentResult, SearchContext, SearchResult, StepReport, Strategy } from '../search.js';

/**
 * TPE-style baseline (MIPRO-like): propose `tpe.candidatesPerAgent` instructions per agent from traces
 * of the seed system, then search the joint choice with a seeded categorical TPE; each trial is scored
 * by gold accuracy on a train minibatch. The best trial's map wins.
 */

interface Trial {
  choice: number[];
  score: number;
}

interface TpeState {
  strategy: 'tpe';
  /** Per agent (topological order): candidate prompts, index 0 = seed. */
  candidates: string[][] | null;
  trials: Trial[];
  prng: number;
}

/** Categorical TPE: pick, per dimension, the option maximising l(x)/g(x) with add-one smoothing. */
export function tpeSuggest(
  trials: readonly Trial[],
  sizes: readonly number[],
  gamma: number,
  prng: Prng,
): number[] {
  const sorted = [...trials].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(gamma * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  return sizes.map((k, d) => {
    let best = 0;
    let bestVal = -Infinity;
    const order = prng.shuffle(Array.from({ length: k }, (_, i) => i)); // random tie-breaking
    for (const x of order) {
      const l = (good.filter((t) => t.choice[d] === x).length + 1) / (good.length + k);
      const g = (bad.filter((t) => t.choice[d] === x).length + 1) / (bad.length + k);
      if (l / g > bestVal) {
        bestVal = l / g;
        best = x;
      }
    }
    return best;
  });
}

export const tpeStrategy: Strategy = {
  name: 'tpe',
  async run(ctx: SearchContext): Promise<SearchResult> {
    const s = ctx.settings;
    const order = topoOrder(ctx.system);
    const prev = ctx.resumeState as TpeState | null;
    const state: TpeState =
      prev?.strategy === 'tpe'
        ? prev
        : { strategy: 'tpe', candidates: null, trials: [], prng: new Prng(hash32(`tpe|${ctx.seed}`)).state };
    const byId = new Map(ctx.pool.map((i) => [i.id, i]));
    const poolIds = ctx.pool.map((i) => i.id);
    const seedMap: PromptMap = Object.fromEntries(ctx.system.agents.map((a) => [a.id, a.prompt]));
    const steps: StepReport[] = [];
    let stoppedBy: string | null = null;
    try {
      if (!state.candidates) {
        const prng = Prng.fromState(state.prng);
        const items = drawMinibatch(prng, poolIds, s.minibatch, [], [], 0).map((id) => byId.get(id)!);
        const base = await pMap(items, s.concurrency, (it) => ctx.execute(it, seedMap));
        ctx.client.throwIfBudgetExhausted();
        const t = Math.min(s.tracesPerProposal, items.length);
        const candidates = await Promise.all(
          order.map(async (a) => {
            const agent = ctx.system.agents.find((x) => x.id === a)!;
            const outs = await Promise.all(
              Array.from({ length: s.tpe.candidatesPerAgent }, (_, k) => {
                const idx = Array.from({ length: t }, (_, j) => (k * t + j) % items.length);
                return propose(
                  {
                    client: ctx.client,
                    model: ctx.models.optimizer,
                    temperature: s.optimizerTemperature,
                    seed: hash32(`${ctx.seed}|tpe|${a}|${k}`),
                  },
                  {
                    agentId: a,
                    agentRole: agent.role,
                    currentPrompt: agent.prompt,
                    traces: idx.map((i) => {
                      const rec = recordOf(base[i]!, a);
                      return {
                        question: items[i]!.question,
                        context: rec?.context ?? '',
                        output: rec?.output ?? '',
                      };
                    }),
                    failureCases: [],
                    successCases: [],
                    rules: rulesFor(agent.prompt, predecessorsOf(ctx.system, a).length > 0, s.maxPromptChars),
                  },
                );
              }),
            );
            return [
              agent.prompt,
              ...dedupeCandidates(
                agent.prompt,
                outs.flatMap((o) => (o.ok ? [o.prompt] : [])),
              ),
            ];
          }),
        );
        ctx.client.throwIfBudgetExhausted();
        state.candidates = candidates;
        state.prng = prng.state;
        await ctx.recorder.writeState(state);
      }
      const cands = state.candidates;
      const sizes = cands.map((c) => c.length);
      while (state.trials.length < s.tpe.trials) {
        const prng = Prng.fromState(state.prng);
        const n = state.trials.length;
        const choice =
          n === 0
            ? sizes.map(() => 0)
            : n < s.tpe.initTrials
              ? sizes.map((k) => prng.int(k))
              : tpeSuggest(state.trials, sizes, s.tpe.gamma, prng);
        const map: PromptMap = { ...seedMap };
        order.forEach((a, d) => {
          map[a] = cands[d]![choice[d]!]!;
        });
        const items = drawMinibatch(prng, poolIds, s.minibatch, [], [], 0).map((id) => byId.get(id)!);
        const traces = await pMap(items, s.concurrency, (it) => ctx.execute(it, map));
        ctx.client.throwIfBudgetExhausted();
        const grades = await pMap(items, 8, (it, i) =>
          traces[i]!.error
            ? Promise.resolve(null)
            : (ctx.grade?.(it, traces[i]!.finalOutput) ?? Promise.resolve(null)),
        );
        const ok = grades.filter((g): g is boolean => g !== null);
        const score = ok.length === 0 ? 0 : ok.filter(Boolean).length / ok.length;
        state.trials.push({ choice, score });
        state.prng = prng.state;
        await ctx.recorder.writeState(state);
        steps.push({
          step: n,
          kind: 'trial',
          agent: '*',
          round: 1,
          generation: n + 1,
          candidates: [],
          misalignmentRate: null,
          bestJ: Math.max(...state.trials.map((t) => t.score)),
        });
        ctx.onProgress?.({
          step: n + 1,
          steps: s.tpe.trials,
          agent: '*',
          round: 1,
          generation: n + 1,
          bestJ: Math.max(...state.trials.map((t) => t.score)),
          calls: 0,
        });
      }
    } catch (err) {
      if (!(err instanceof BudgetExhaustedError)) throw err;
      stoppedBy = err.message;
      await ctx.recorder.event({ type: 'budget', step: -1, message: err.message });
    }
    // Best trial by mean score over its repeats (the same choice may be tried more than once).
    const groups = new Map<string, { choice: number[]; scores: number[] }>();
    for (const t of state.trials) {
      const k = t.choice.join(',');
      const g = groups.get(k) ?? { choice: t.choice, scores: [] };
      g.scores.push(t.score);
      groups.set(k, g);
    }
    let best: { choice: number[]; mean: number } | null = null;
    for (const g of groups.values()) {
      const mean = g.scores.reduce((x, y) => x + y, 0) / g.scores.length;
      if (!best || mean > best.mean) best = { choice: g.choice, mean };
    }
    const prompts: PromptMap = { ...seedMap };
    const agents: Record<string, AgentResult> = {};
    order.forEach((a, d) => {
      const idx = best && state.candidates ? best.choice[d]! : 0;
      const prompt = state.candidates ? state.candidates[d]![idx]! : seedMap[a]!;
      prompts[a] = prompt;
      const seedPrompt = seedMap[a]!;
      agents[a] = {
        prompt,
        seedPrompt,
        J: best?.mean ?? 0,
        lineage: [
          { hash: promptHash(seedPrompt), round: 0, generation: 0, R: null, J: 0 },
          ...(prompt !== seedPrompt
            ? [{ hash: promptHash(prompt), round: 1, generation: 1, R: null, J: best?.mean ?? 0 }]
            : []),
        ],
      };
    });
    return { prompts, agents, steps, judge: emptyJudgeStats(), stoppedBy };
  },
};
