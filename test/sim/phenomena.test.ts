import { describe, expect, it } from 'vitest';
import { formatContext } from '../../src/contracts/context.js';
import { buildJudgeMessages, parseVerdict } from '../../src/contracts/judge.js';
import { buildProposalMessages, parseProposal } from '../../src/contracts/proposal.js';
import type { Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createSimProvider, loadWorld, type World } from '../../src/llm/sim/index.js';
import type { LlmClient } from '../../src/llm/types.js';
import { renderPrompt } from '../../src/mas/template.js';
import { gradeMath } from '../../src/tasks/math.js';
import { items, runPipeline, SEED_REFLECTOR, SEED_SOLVER, withDirective } from './helpers.js';

/** The world's phenomena (phenomena: in the world file): each one present at strength 1, gone at 0. */

const ALT = 'Before giving your answer, discuss other candidate answers you considered.';
const HANDOFF = 'List every intermediate result for the next agent before your final answer.';
const VERIFY = 'Verify the previous solution by re-deriving its key steps before you accept it.';
const NO_CHECK = 'End with your final answer; do not add check values after it.';

const list = () => items('math500').slice(0, 100);

function simWith(strengths: Partial<Record<keyof World['phenomena'], number>>): LlmClient {
  const base = loadWorld();
  const world: World = structuredClone(base);
  for (const [k, v] of Object.entries(strengths)) world.phenomena[k as keyof World['phenomena']].strength = v;
  // Each phenomenon is measured on its own: without the run-to-run noise, which would blur a 100-item contrast.
  world.agent.nondeterminism = 0;
  const all = items('math500');
  const provider = createSimProvider({ world, items: { items: () => all } });
  return createLlmClient(
    { cache: { mode: 'off', dir: '.maspo/cache-unused' } },
    { providers: { sim: provider } },
  );
}

const acc = (runs: Array<{ final: string }>, xs: Item[]) =>
  runs.filter((r, i) => gradeMath(r.final, xs[i]!.gold).correct).length / runs.length;

async function localPreference(client: LlmClient, xs: Item[], a: string[], b: string[]): Promise<number> {
  let wins = 0;
  for (let i = 0; i < xs.length; i++) {
    const r = await client.complete({
      model: 'sim:sim-small',
      role: 'judge',
      messages: buildJudgeMessages({
        signal: 'local',
        agentRole: 'solver',
        rubric: 'Which output better performs the role?',
        question: xs[i]!.question,
        outputA: a[i]!,
        outputB: b[i]!,
      }),
    });
    if (parseVerdict(r.text) === 'A') wins++;
  }
  return wins / xs.length;
}

describe('phenomena of the default world (simulated model)', () => {
  it('misleadingStyle: the judge prefers the style, the reviewer is misled; at strength 0 the directive does nothing', async () => {
    const xs = list();
    const styled = { solver: withDirective(SEED_SOLVER, ALT), reflector: SEED_REFLECTOR };
    const plain = { solver: SEED_SOLVER, reflector: SEED_REFLECTOR };
    const on = simWith({ misleadingStyle: 1, hiddenHandoff: 0, peerCoupling: 0 });
    const s1 = await runPipeline(on, xs, styled);
    const p1 = await runPipeline(on, xs, plain);
    const pref = await localPreference(
      on,
      xs,
      s1.map((r) => r.solver),
      p1.map((r) => r.solver),
    );
    const drop = acc(p1, xs) - acc(s1, xs);
    console.log(
      `simulated: local judge prefers the styled solver output ${pref.toFixed(2)}; final accuracy ${acc(p1, xs).toFixed(2)} → ${acc(s1, xs).toFixed(2)}`,
    );
    // The shipped calibration: the local judge prefers the style clearly (about 0.68), the reviewer is
    // misled badly — a lure a local-only reward takes and a joint reward can see through.
    expect(pref).toBeGreaterThan(0.6);
    expect(drop).toBeGreaterThan(0.1);
    expect(s1.some((r) => /also points to \$[^$]+\$ among its candidates/.test(r.final))).toBe(true);

    const off = simWith({ misleadingStyle: 0, hiddenHandoff: 0, peerCoupling: 0 });
    const s0 = await runPipeline(off, xs, styled);
    const p0 = await runPipeline(off, xs, plain);
    expect(s0.map((r) => r.final)).toEqual(p0.map((r) => r.final));
  }, 30_000);

  it('peerCoupling: a detailed hand-off helps a plain reviewer and hurts a verifying one; at 0 it changes nothing', async () => {
    const xs = list();
    const on = simWith({ peerCoupling: 1, misleadingStyle: 0, hiddenHandoff: 0 });
    const a = async (c: LlmClient, solver: string, reflector: string) =>
      acc(await runPipeline(c, xs, { solver, reflector }), xs);
    const handoff = withDirective(SEED_SOLVER, HANDOFF);
    const verify = withDirective(SEED_REFLECTOR, VERIFY);
    const plainGain = (await a(on, handoff, SEED_REFLECTOR)) - (await a(on, SEED_SOLVER, SEED_REFLECTOR));
    const verifyGain = (await a(on, handoff, verify)) - (await a(on, SEED_SOLVER, verify));
    console.log(
      `simulated: detailed hand-off with a plain reviewer ${plainGain.toFixed(2)}, with a verifying reviewer ${verifyGain.toFixed(2)}`,
    );
    expect(plainGain).toBeGreaterThan(0);
    expect(verifyGain).toBeLessThan(0);
    const off = simWith({ peerCoupling: 0, misleadingStyle: 0, hiddenHandoff: 0 });
    expect(await a(off, handoff, verify)).toBe(await a(off, SEED_SOLVER, verify));
  }, 30_000);

  it('hiddenHandoff: stray check values hurt the reviewer; the optimizer sees the symptom only in labelled failure cases', async () => {
    const xs = list();
    const on = simWith({ hiddenHandoff: 1, misleadingStyle: 0, peerCoupling: 0 });
    const off = simWith({ hiddenHandoff: 0, misleadingStyle: 0, peerCoupling: 0 });
    const seed = { solver: SEED_SOLVER, reflector: SEED_REFLECTOR };
    const fixed = { solver: withDirective(SEED_SOLVER, NO_CHECK), reflector: SEED_REFLECTOR };
    const runs = await runPipeline(on, xs, seed);
    const hit = runs.findIndex((r) => /Reading the previous result as/.test(r.final));
    expect(hit).toBeGreaterThanOrEqual(0);
    expect(acc(await runPipeline(on, xs, fixed), xs)).toBeGreaterThan(acc(runs, xs));
    expect(acc(await runPipeline(off, xs, seed), xs)).toBe(acc(await runPipeline(off, xs, fixed), xs));

    // The optimizer, shown the case as a trace only (no successor output), cannot see the symptom; as a
    // labelled failure case (with the successor's output) it adds `no-trailing-checks` far more often.
    const propose = async (withCase: boolean, seedN: number) => {
      const item = xs[hit]!;
      const trace = { question: item.question, context: '', output: runs[hit]!.solver };
      const r = await on.complete({
        model: 'sim:sim-small',
        role: 'optimizer',
        temperature: 0.7,
        seed: seedN,
        messages: buildProposalMessages({
          agentId: 'solver',
          agentRole: 'solver',
          currentPrompt: SEED_SOLVER,
          traces: [trace],
          failureCases: withCase
            ? [
                {
                  ...trace,
                  successorOutput: runs[hit]!.final,
                  finalOutput: runs[hit]!.final,
                  verdicts: 'local=win lookahead=loss global=loss',
                },
              ]
            : [],
          successCases: [],
          rules: 'keep placeholders',
        }),
      });
      return /do not add check values/.test(parseProposal(r.text)?.prompt ?? '');
    };
    let withCases = 0;
    let tracesOnly = 0;
    for (let s = 1; s <= 40; s++) {
      if (await propose(true, s)) withCases++;
      if (await propose(false, s)) tracesOnly++;
    }
    console.log(
      `simulated: optimizer adds no-trailing-checks in ${withCases}/40 proposals with the labelled case, ${tracesOnly}/40 from traces only`,
    );
    expect(withCases).toBeGreaterThan(tracesOnly + 10);
  }, 30_000);
});

void formatContext;
void renderPrompt;
