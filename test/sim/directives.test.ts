import { afterAll, describe, expect, it } from 'vitest';
import { formatContext } from '../../src/contracts/context.js';
import { buildJudgeMessages, parseVerdict } from '../../src/contracts/judge.js';
import { buildProposalMessages, parseProposal } from '../../src/contracts/proposal.js';
import type { Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { codeOf, hasDemoCall } from '../../src/llm/sim/code.js';
import { outputCorrect } from '../../src/llm/sim/judge.js';
import { type SimServer, startSimServer } from '../../src/llm/sim/server.js';
import { renderPrompt } from '../../src/mas/template.js';
import { gradeMath } from '../../src/tasks/math.js';
import { items, MARK, SEED_REFLECTOR, SEED_SOLVER, sim, withDirective } from './helpers.js';

/**
 * Every directive family of the default world has its own measurable effect; the judge's surface cues;
 * the optimizer never does worse with labelled failure cases; determinism through the LlmClient and HTTP.
 */

const CODE_SEED =
  'You are a Python programmer in a team. Write a function that solves the task.\n\nProblem: {{question}}\n\n{{context}}';
const STEP = 'Reason step by step, writing down each intermediate result.';
const VERIFY = 'Verify the previous solution by re-deriving its key steps before you accept it.';
const CODE_ONLY =
  'Return only a single Python code block with the complete solution, with no prose around it.';
const NO_EXTRAS = 'Do not add type hints, print statements or example calls; define the function only.';
const EDGES = 'Handle edge cases such as empty inputs, zero and negative numbers.';

const reply = (content: string, model = 'sim-small') =>
  sim().provider.reply({ model, temperature: 0, sampleIndex: 0, messages: [{ role: 'user', content }] }).text;
const solve = (it: Item, template: string) =>
  reply(renderPrompt(template, { question: it.question, context: '' }));
const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('each directive family has a measurable effect (default world, sim-small, temperature 0)', () => {
  const math = () => items('math500').slice(0, 200);

  it('reason-step-by-step: a solver is more accurate (graded by the math scorer) and writes longer', () => {
    const base = withDirective(SEED_SOLVER, MARK);
    const step = withDirective(base, STEP);
    const a0 = math().map((it) => solve(it, base));
    const a1 = math().map((it) => solve(it, step));
    const acc = (rs: string[]) => share(rs.map((r, i) => gradeMath(r, math()[i]!.gold).correct));
    console.log(
      `simulated model: reason-step-by-step accuracy ${acc(a0).toFixed(3)} -> ${acc(a1).toFixed(3)}, mean length ${Math.round(mean(a0.map((r) => r.length)))} -> ${Math.round(mean(a1.map((r) => r.length)))}`,
    );
    expect(acc(a1)).toBeGreaterThan(acc(a0) + 0.03);
    expect(mean(a1.map((r) => r.length))).toBeGreaterThan(1.3 * mean(a0.map((r) => r.length)));
  });

  it('verify-previous: a reviewer shown a wrong marked answer fixes it more often', () => {
    const list = math();
    const fixed = (template: string) =>
      share(
        list.map((it) => {
          const wrong = `Working it out.\n\nThe final answer is \\boxed{${it.gold}+7}.`;
          const context = formatContext([{ agentId: 'solver', role: 'solver', text: wrong }]);
          return gradeMath(reply(renderPrompt(template, { question: it.question, context })), it.gold)
            .correct;
        }),
      );
    const base = withDirective(SEED_REFLECTOR, MARK);
    const f0 = fixed(base);
    const f1 = fixed(withDirective(base, VERIFY));
    console.log(
      `simulated model: verify-previous fixes wrong upstream answers ${f0.toFixed(3)} -> ${f1.toFixed(3)}`,
    );
    expect(f1).toBeGreaterThan(f0 + 0.08);
  });

  describe('code directives (MBPP + HumanEval-ET)', () => {
    const list = () =>
      [...items('mbpp').slice(0, 150), ...items('humaneval-et').slice(0, 60)].filter(
        (it) => it.meta.canonicalSolution,
      );
    const replies = (template: string) => list().map((it) => solve(it, template));
    const prose = (r: string) => r.replace(/```[\s\S]*?```/g, '').trim().length > 0;

    it('return-only-code-block: the reply is one code block and nothing else', () => {
      const seed = replies(CODE_SEED);
      const only = replies(withDirective(CODE_SEED, CODE_ONLY));
      console.log(
        `simulated model: code replies with prose outside the block ${share(seed.map(prose)).toFixed(3)} -> ${share(only.map(prose)).toFixed(3)}`,
      );
      expect(share(seed.map(prose))).toBeGreaterThan(0.5);
      expect(only.every((r) => r.startsWith('```python\n') && r.endsWith('```') && !prose(r))).toBe(true);
    });

    it('no-type-hints-or-prints: no test-breaking demo call at module level', () => {
      const demo = (rs: string[]) => share(rs.map((r) => hasDemoCall(codeOf(r).code)));
      const seed = replies(CODE_SEED);
      const tuned = replies(withDirective(CODE_SEED, NO_EXTRAS));
      console.log(
        `simulated model: code replies with a demo call ${demo(seed).toFixed(3)} -> ${demo(tuned).toFixed(3)}`,
      );
      expect(demo(seed)).toBeGreaterThan(0.15);
      expect(demo(tuned)).toBe(0);
      const ok = (rs: string[]) => share(rs.map((r, i) => outputCorrect(list()[i], r) === true));
      expect(ok(tuned)).toBeGreaterThan(ok(seed));
    });

    it('handle-edge-cases: more replies are the canonical (test-passing) solution', () => {
      const base = withDirective(CODE_SEED, NO_EXTRAS);
      const canon = (rs: string[]) => share(rs.map((r, i) => outputCorrect(list()[i], r) === true));
      const c0 = canon(replies(base));
      const c1 = canon(replies(withDirective(base, EDGES)));
      console.log(`simulated model: handle-edge-cases correct code ${c0.toFixed(3)} -> ${c1.toFixed(3)}`);
      expect(c1).toBeGreaterThan(c0 + 0.08);
    });
  });
});

describe('judge surface cues when correctness does not decide', () => {
  const verdicts = (pairs: Array<{ it: Item; a: string; b: string }>) =>
    pairs.map(({ it, a, b }) =>
      parseVerdict(
        sim().provider.reply({
          model: 'sim-small',
          temperature: 0,
          sampleIndex: 0,
          messages: buildJudgeMessages({
            signal: 'local',
            agentRole: 'solver',
            rubric: 'r',
            question: it.question,
            outputA: a,
            outputB: b,
          }),
        }).text,
      ),
    );
  const long = 'I expand the expression, collect like terms and check the boundary cases carefully. '.repeat(
    4,
  );
  const list = () => items('math500').slice(0, 200);

  for (const [label, answer] of [
    ['both right', (it: Item) => it.gold],
    ['both wrong', (it: Item) => `${it.gold}+3`],
  ] as const) {
    it(`${label}: the longer output wins, in either slot; a marked answer beats an unmarked one of the same length`, () => {
      const shortOut = (it: Item) => `So the answer is $${answer(it)}$.`;
      const longOut = (it: Item) => `${long}\nSo the answer is $${answer(it)}$.`;
      const longFirst = verdicts(list().map((it) => ({ it, a: longOut(it), b: shortOut(it) })));
      const longSecond = verdicts(list().map((it) => ({ it, a: shortOut(it), b: longOut(it) })));
      expect(share(longFirst.map((v) => v === 'A'))).toBeGreaterThan(0.85);
      expect(share(longSecond.map((v) => v === 'B'))).toBeGreaterThan(0.85);
      // Same length (the unmarked one padded to match), marked in slot B so position bias works against it.
      const marked = (it: Item) => `The final answer is \\boxed{${answer(it)}}.`;
      const unmarked = (it: Item) => {
        const m = marked(it);
        return `The final answer is ${answer(it)}.`
          .padEnd(m.length, ' ')
          .replace(/ +$/, (s) => '.'.repeat(s.length));
      };
      const v = verdicts(list().map((it) => ({ it, a: unmarked(it), b: marked(it) })));
      const pMarked = share(v.map((x) => x === 'B'));
      // sigmoid(3 × 0.2) − 0.05 ≈ 0.60 in the default world.
      expect(pMarked).toBeGreaterThan(0.52);
    });
  }
});

describe('optimizer: labelled failure cases make its choice better; none make it worse', () => {
  const KEEP_RE =
    /keep (the|its|their) (previous|upstream|earlier|original) answer|only change (it|the answer) if/i;
  const MARK_RE =
    /\\boxed|<answer>|(mark|put|wrap|enclose|give) (the|your) final answer (in|inside|with|within)/i;

  /** A reflector that overturned correct marked answers (symptom: overturned-correct). */
  function reviewerProposals(withFailures: boolean, n: number): string[] {
    const list = items('math500').slice(20, 24);
    const prompt = withDirective(SEED_REFLECTOR, MARK);
    const traces = list.map((it) => ({
      question: it.question,
      context: formatContext([
        { agentId: 'solver', role: 'solver', text: `Done.\n\nThe final answer is \\boxed{${it.gold}}.` },
      ]),
      output: `On reflection the previous step is off.\n\nThe final answer is \\boxed{${it.gold}+2}.`,
    }));
    const failureCases = withFailures
      ? traces.slice(0, 2).map((t) => ({ ...t, verdicts: 'local=win lookahead=loss global=loss' }))
      : [];
    return Array.from({ length: n }, (_, i) => {
      const p = parseProposal(
        sim().provider.reply({
          model: 'sim-small',
          temperature: 0.7,
          sampleIndex: i,
          messages: buildProposalMessages({
            agentId: 'reflector',
            agentRole: 'reflector',
            currentPrompt: prompt,
            traces,
            failureCases,
            successCases: [],
            rules: '',
          }),
        }).text,
      );
      expect(p).not.toBeNull();
      return p!.prompt;
    });
  }

  it('overturned correct answers: keep-unless-wrong is chosen more often with failure cases, never less', () => {
    const n = 200;
    const plain = share(reviewerProposals(false, n).map((p) => KEEP_RE.test(p)));
    const labelled = share(reviewerProposals(true, n).map((p) => KEEP_RE.test(p)));
    console.log(
      `simulated model: optimizer picks keep-unless-wrong ${plain.toFixed(3)} (traces) / ${labelled.toFixed(3)} (with failure cases)`,
    );
    expect(plain).toBeGreaterThan(0.3);
    expect(labelled).toBeGreaterThanOrEqual(plain);
  });

  it('clean traces plus failure cases: the failure cases steer the edit (mark-final-answer) instead of a random one', () => {
    // Traces that show nothing wrong (marked, right) give no symptom: edits are random.
    const list = items('math500').slice(30, 34);
    const traces = list.map((it) => ({
      question: it.question,
      context: '',
      output: `Done.\n\nThe final answer is \\boxed{${it.gold}}.`,
    }));
    const unmarked = items('math500')
      .slice(40, 42)
      .map((it) => ({
        question: it.question,
        context: '',
        output: `Some working that ends with ${it.gold} and then 17 and 4 as checks.`,
        verdicts: 'local=win lookahead=loss global=loss',
      }));
    const run = (failureCases: typeof unmarked) =>
      share(
        Array.from({ length: 200 }, (_, i) => {
          const p = parseProposal(
            sim().provider.reply({
              model: 'sim-small',
              temperature: 0.7,
              sampleIndex: i,
              messages: buildProposalMessages({
                agentId: 'solver',
                agentRole: 'solver',
                currentPrompt: SEED_SOLVER,
                traces,
                failureCases,
                successCases: [],
                rules: '',
              }),
            }).text,
          );
          return MARK_RE.test(p!.prompt);
        }),
      );
    const none = run([]);
    const labelled = run(unmarked);
    expect(labelled).toBeGreaterThan(none + 0.2);
  });
});

describe('determinism through the LlmClient and over HTTP', () => {
  const servers: SimServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const prompt = (it: Item) => renderPrompt(SEED_SOLVER, { question: it.question, context: '' });

  it('LlmClient: sampleIndex is part of the request; temperature 0 mostly ignores it (run-to-run noise), 0.7 varies with it and replays', async () => {
    const { client } = sim();
    const list = items('math500').slice(50, 60);
    const run = (temperature: number, sampleIndex: number) =>
      Promise.all(
        list.map(
          async (it) =>
            (
              await client.complete({
                model: 'sim:sim-small',
                role: 'agent',
                temperature,
                sampleIndex,
                seed: 1,
                messages: [{ role: 'user', content: prompt(it) }],
              })
            ).text,
        ),
      );
    const t0 = await run(0, 0);
    expect((await run(0, 3)).filter((t, i) => t !== t0[i]).length).toBeLessThanOrEqual(2);
    expect(await run(0, 0)).toEqual(t0);
    const s0 = await run(0.7, 0);
    const s1 = await run(0.7, 1);
    expect(await run(0.7, 1)).toEqual(s1);
    expect(s0.filter((t, i) => t !== s1[i]).length).toBeGreaterThanOrEqual(8);
  });

  it('HTTP: the seed reaches the server (different seeds differ, same seed replays); a raw sample_index is honoured', async () => {
    const server = await startSimServer({ provider: sim().provider });
    servers.push(server);
    const http = createLlmClient({
      cache: { mode: 'off', dir: '.maspo/cache-unused' },
      endpoints: { 'openai-compatible': { maxRetries: 0, timeoutMs: 5000 } },
    });
    const list = items('math500').slice(50, 60);
    const run = (seed: number) =>
      Promise.all(
        list.map(
          async (it) =>
            (
              await http.complete({
                model: `openai-compatible:sim-small@${server.url}`,
                role: 'agent',
                temperature: 0.7,
                seed,
                messages: [{ role: 'user', content: prompt(it) }],
              })
            ).text,
        ),
      );
    const a = await run(1);
    const b = await run(2);
    expect(await run(1)).toEqual(a);
    expect(a.filter((t, i) => t !== b[i]).length).toBeGreaterThanOrEqual(8);
    // A client that sends `sample_index` in the body gets exactly the in-process sample.
    const it0 = list[0]!;
    const raw = async (sampleIndex: number) => {
      const res = await fetch(`${server.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'sim-small',
          temperature: 0.7,
          seed: 1,
          sample_index: sampleIndex,
          messages: [{ role: 'user', content: prompt(it0) }],
        }),
      });
      return ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
        .content;
    };
    const local = (sampleIndex: number) =>
      sim().provider.reply({
        model: 'sim-small',
        temperature: 0.7,
        seed: 1,
        sampleIndex,
        messages: [{ role: 'user', content: prompt(it0) }],
      }).text;
    expect(await raw(4)).toBe(local(4));
    expect(await raw(0)).toBe(local(0));
  });
});
