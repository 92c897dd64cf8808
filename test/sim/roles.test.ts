import { describe, expect, it } from 'vitest';
import { formatContext } from '../../src/contracts/context.js';
import { buildJudgeMessages, parseVerdict } from '../../src/contracts/judge.js';
import { buildProposalMessages, parseProposal } from '../../src/contracts/proposal.js';
import type { ProviderCall } from '../../src/llm/types.js';
import { summaryPrompt } from '../../src/mas/execute.js';
import { renderPrompt } from '../../src/mas/template.js';
import { gradeMath } from '../../src/tasks/math.js';
import { items, MARK, SEED_REFLECTOR, SEED_SOLVER, sim, withDirective } from './helpers.js';

const call = (content: string, extra: Partial<ProviderCall> = {}): ProviderCall => ({
  model: 'sim-small',
  messages: [{ role: 'user', content }],
  temperature: 0,
  sampleIndex: 0,
  ...extra,
});
const solverPrompt = (q: string, template = SEED_SOLVER) =>
  renderPrompt(template, { question: q, context: '' });

describe('determinism', () => {
  it('the same request gives the same text at temperature 0, whatever the sample index', () => {
    const { provider } = sim();
    const q = items('math500')[3]!.question;
    const a = provider.reply(call(solverPrompt(q)));
    const b = provider.reply(call(solverPrompt(q)));
    const c = provider.reply(call(solverPrompt(q), { sampleIndex: 5 }));
    expect(b.text).toBe(a.text);
    expect(c.text).toBe(a.text);
    expect(a.simulated).toBe(true);
    expect(a.usage.outputTokens).toBe(Math.ceil(a.text.length / 4));
  });

  it('at temperature 0.7 different sample indices differ, and each replays identically', () => {
    const { provider } = sim();
    const list = items('math500').slice(0, 10);
    const texts = (i: number) =>
      list.map(
        (it) => provider.reply(call(solverPrompt(it.question), { temperature: 0.7, sampleIndex: i })).text,
      );
    const s0 = texts(0);
    const s1 = texts(1);
    expect(texts(0)).toEqual(s0);
    expect(texts(1)).toEqual(s1);
    expect(s0.filter((t, i) => t !== s1[i]).length).toBeGreaterThanOrEqual(8);
    // The seed varies samples too.
    const seeded = list.map(
      (it) => provider.reply(call(solverPrompt(it.question), { temperature: 0.7, seed: 9 })).text,
    );
    expect(seeded.filter((t, i) => t !== s0[i]).length).toBeGreaterThanOrEqual(8);
  });

  it('answers carry the gold when right and a plausible wrong value when wrong; marked only when asked', () => {
    const { provider } = sim();
    const list = items('math500').slice(0, 60);
    let right = 0;
    let marked = 0;
    for (const it of list) {
      const loose = provider.reply(call(solverPrompt(it.question))).text;
      const boxed = provider.reply(call(solverPrompt(it.question, withDirective(SEED_SOLVER, MARK)))).text;
      expect(loose).not.toContain('\\boxed');
      expect(boxed).toContain('\\boxed{');
      if (gradeMath(boxed, it.gold).correct) right++;
      if (gradeMath(boxed, it.gold).extracted !== null) marked++;
    }
    expect(marked).toBe(list.length);
    expect(right).toBeGreaterThan(15);
    expect(right).toBeLessThan(55);
  });

  it('maxTokens truncates the reply with finish reason length', () => {
    const { provider } = sim();
    const r = provider.reply(call(solverPrompt(items('math500')[0]!.question), { maxTokens: 5 }));
    expect(r.finishReason).toBe('length');
    expect(r.text.length).toBeLessThanOrEqual(20);
  });

  it('an unknown question gets a generic low-skill answer; an unknown model is an error', () => {
    const { provider } = sim();
    const r = provider.reply(call('Solve: how many marbles are in the jar that nobody has described?'));
    expect(r.text).toMatch(/do not recognise/);
    expect(() => provider.reply({ ...call('hi'), model: 'gpt-4' })).toThrow(
      /unknown simulated model "gpt-4".*sim-small/,
    );
  });

  it('answers the executor summary hand-off keeping the final statement', () => {
    const { provider } = sim();
    const it0 = items('math500')[0]!;
    const out = provider.reply(call(solverPrompt(it0.question, withDirective(SEED_SOLVER, MARK)))).text;
    const s = provider.reply(call(summaryPrompt('math', out))).text;
    expect(s.length).toBeLessThan(out.length + 100);
    expect(s).toContain('\\boxed{');
  });
});

describe('reviewer', () => {
  it('reads marked upstream answers reliably and loose ones only sometimes', () => {
    const { provider } = sim();
    const list = items('math500').slice(0, 80);
    const agrees = (solverTemplate: string) => {
      let n = 0;
      for (const it of list) {
        const up = provider.reply(call(solverPrompt(it.question, solverTemplate))).text;
        const ctx = formatContext([{ agentId: 'solver', role: 'solver', text: up }]);
        const r = provider.reply(
          call(renderPrompt(SEED_REFLECTOR, { question: it.question, context: ctx })),
        ).text;
        if (/could not find a clear final answer/.test(r)) n++;
      }
      return n;
    };
    const unreadMarked = agrees(withDirective(SEED_SOLVER, MARK));
    const unreadLoose = agrees(SEED_SOLVER);
    expect(unreadMarked).toBeLessThanOrEqual(5);
    expect(unreadLoose).toBeGreaterThan(15);
  });
});

describe('judge', () => {
  it('matches the world accuracy (0.85) and position bias (0.05) within sampling error', () => {
    const { provider } = sim();
    const list = items('math500');
    let rightWhenA = 0;
    let rightWhenB = 0;
    const n = list.length;
    for (const it of list) {
      const good = `Working through it carefully.\n\nThe final answer is \\boxed{${it.gold}}.`;
      const bad = `Working through it carefully.\n\nThe final answer is \\boxed{${it.gold}+1}.`;
      const ask = (a: string, b: string) =>
        parseVerdict(
          provider.reply({
            model: 'sim-small',
            temperature: 0,
            sampleIndex: 0,
            messages: buildJudgeMessages({
              signal: 'global',
              agentRole: 'solver',
              rubric: 'correctness',
              question: it.question,
              outputA: a,
              outputB: b,
            }),
          }).text,
        );
      if (ask(good, bad) === 'A') rightWhenA++;
      if (ask(bad, good) === 'B') rightWhenB++;
    }
    const pA = rightWhenA / n;
    const pB = rightWhenB / n;
    const acc = (pA + pB) / 2;
    const bias = (pA - pB) / 2;
    const se = Math.sqrt((0.85 * 0.15) / (2 * n));
    expect(Math.abs(acc - provider.world.judge.accuracy)).toBeLessThan(3 * se + 0.005);
    expect(Math.abs(bias - provider.world.judge.positionBias)).toBeLessThan(
      (3 * Math.sqrt(0.25 / n)) / 2 + 0.01,
    );
    expect(pA).toBeGreaterThan(pB);
  });

  it('identical outputs are a tie', () => {
    const { provider } = sim();
    const it0 = items('math500')[0]!;
    const r = provider.reply({
      model: 'sim-small',
      temperature: 0,
      sampleIndex: 0,
      messages: buildJudgeMessages({
        signal: 'local',
        agentRole: 'solver',
        rubric: 'r',
        question: it0.question,
        outputA: 'x',
        outputB: 'x',
      }),
    });
    expect(parseVerdict(r.text)).toBe('TIE');
  });
});

describe('optimizer', () => {
  const MARK_RE =
    /\\boxed|<answer>|(mark|put|wrap|enclose|give) (the|your) final answer (in|inside|with|within)/i;

  function proposals(withFailures: boolean, n: number) {
    const { provider } = sim();
    const list = items('math500').slice(100, 104);
    const traces = list.map((it) => ({
      question: it.question,
      context: '',
      output: provider.reply(call(solverPrompt(it.question))).text,
    }));
    const failureCases = withFailures
      ? traces.slice(0, 2).map((t) => ({
          ...t,
          successorOutput: 'I could not find a clear final answer…',
          verdicts: 'local=win lookahead=loss global=loss',
        }))
      : [];
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const reply = provider.reply({
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
          rules: 'Keep {{question}} and {{context}}.',
        }),
      }).text;
      const p = parseProposal(reply);
      expect(p).not.toBeNull();
      expect(p!.prompt).toContain('{{question}}');
      expect(p!.prompt).toContain('{{context}}');
      expect(p!.prompt).not.toBe(SEED_SOLVER);
      out.push(p!.prompt);
    }
    return out;
  }

  it('shown traces with unmarked answers, proposes mark-final-answer more often than chance; failure cases help', () => {
    const n = 200;
    const plain = proposals(false, n).filter((p) => MARK_RE.test(p)).length / n;
    const labelled = proposals(true, n).filter((p) => MARK_RE.test(p)).length / n;
    // Chance: one of the three directives with solver effects on math (step-by-step, mark, terse).
    expect(plain).toBeGreaterThan(1 / 3 + 0.1);
    expect(labelled).toBeGreaterThan(plain);
  });

  it('removes a harmful directive when the traces show its symptom', () => {
    const { provider } = sim();
    const prompt = withDirective(
      SEED_REFLECTOR,
      'Always find at least one flaw in the previous answer and fix it.',
    );
    const list = items('math500').slice(0, 6);
    const traces = list.map((it) => {
      const context = formatContext([
        { agentId: 'solver', role: 'solver', text: `So it is.\n\nThe final answer is \\boxed{${it.gold}}.` },
      ]);
      return {
        question: it.question,
        context,
        output: `I think the previous solution has a mistake.\n\nThe final answer is \\boxed{${it.gold}+1}.`,
      };
    });
    let removed = 0;
    for (let i = 0; i < 50; i++) {
      const p = parseProposal(
        provider.reply({
          model: 'sim-small',
          temperature: 0.7,
          sampleIndex: i,
          messages: buildProposalMessages({
            agentId: 'reflector',
            agentRole: 'reflector',
            currentPrompt: prompt,
            traces,
            failureCases: [],
            successCases: [],
            rules: '',
          }),
        }).text,
      )!;
      if (!/always find/i.test(p.prompt)) removed++;
    }
    // Chance (a random removal) is about 0.08; acting on the symptom removes it far more often.
    expect(removed).toBeGreaterThan(15);
  });
});
