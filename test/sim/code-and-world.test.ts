import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatContext } from '../../src/contracts/context.js';
import type { Item } from '../../src/datasets/types.js';
import { codeOf, injectBug } from '../../src/llm/sim/code.js';
import { createSimProvider } from '../../src/llm/sim/index.js';
import { loadWorld, parseWorld } from '../../src/llm/sim/world.js';
import { renderPrompt } from '../../src/mas/template.js';
import { Prng } from '../../src/util/prng.js';
import { items, SEED_REFLECTOR, SEED_SOLVER, sim } from './helpers.js';

/** Runs each program in one python process; returns pass/fail per program. */
function runPython(programs: string[]): boolean[] {
  const driver = `
import json, sys, signal
progs = json.load(sys.stdin)
out = []
def timeout(*a): raise TimeoutError()
signal.signal(signal.SIGALRM, timeout)
for p in progs:
    signal.alarm(2)
    try:
        exec(compile(p, "<sim>", "exec"), {"__name__": "__sim__"})
        out.append(True)
    except BaseException:
        out.append(False)
    finally:
        signal.alarm(0)
print(json.dumps(out))
`;
  const res = execFileSync('python3', ['-c', driver], {
    input: JSON.stringify(programs),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(res.trim().split('\n').at(-1)!) as boolean[];
}

const program = (it: Item, code: string) =>
  [...(it.meta.imports ?? []), code, ...(it.meta.tests ?? [])].join('\n');

describe('code answers', () => {
  const list = [...items('mbpp').slice(0, 40), ...items('humaneval-et').slice(0, 20)].filter(
    (it) => it.meta.canonicalSolution && (it.meta.tests?.length ?? 0) > 0,
  );

  it('canonical solutions pass their tests and injected bugs are caught by them', () => {
    const canon = list.map((it) => program(it, it.meta.canonicalSolution!));
    const canonOk = runPython(canon);
    const usable = list.filter((_, i) => canonOk[i]);
    expect(usable.length).toBeGreaterThan(list.length * 0.9);
    const buggy = usable.map((it) =>
      program(it, injectBug(it.meta.canonicalSolution!, Prng.from('t', it.id)).code),
    );
    const passed = runPython(buggy).filter(Boolean).length;
    console.log(
      `simulated model: injected bugs caught by tests in ${usable.length - passed}/${usable.length}`,
    );
    expect(passed / usable.length).toBeLessThan(0.08);
  });

  it('agent code replies are graded by really running them; directives change the pass rate', () => {
    const { provider } = sim();
    const reply = (it: Item, template: string) =>
      provider.reply({
        model: 'sim-small',
        temperature: 0,
        sampleIndex: 0,
        messages: [{ role: 'user', content: renderPrompt(template, { question: it.question, context: '' }) }],
      }).text;
    const tuned = SEED_SOLVER.replace(
      '\n\nProblem:',
      ' Handle edge cases such as empty inputs, zero and negative numbers. Do not add type hints, print statements or example calls; define the function only. Return only a single Python code block with the complete solution, with no prose around it.\n\nProblem:',
    );
    const seedRuns = runPython(list.map((it) => program(it, codeOf(reply(it, SEED_SOLVER)).code)));
    const tunedReplies = list.map((it) => reply(it, tuned));
    const tunedRuns = runPython(tunedReplies.map((r, i) => program(list[i]!, codeOf(r).code)));
    const rate = (r: boolean[]) => r.filter(Boolean).length / r.length;
    expect(tunedReplies.every((r) => r.startsWith('```python\n') && r.endsWith('```'))).toBe(true);
    expect(rate(tunedRuns)).toBeGreaterThan(rate(seedRuns) + 0.1);
  });
});

describe('world file', () => {
  it('the default world is valid and has every directive family, harmful ones included', () => {
    const w = loadWorld();
    const ids = w.directives.map((d) => d.id);
    for (const id of [
      'reason-step-by-step',
      'mark-final-answer',
      'verify-previous',
      'keep-unless-wrong',
      'always-find-a-flaw',
      'be-terse',
      'return-only-code-block',
      'no-type-hints-or-prints',
      'handle-edge-cases',
    ])
      expect(ids).toContain(id);
    expect(w.directives.filter((d) => d.harmful).map((d) => d.id)).toEqual([
      'always-find-a-flaw',
      'be-terse',
      'discuss-alternatives',
    ]);
    expect(Object.keys(w.models)).toEqual(['sim-small', 'sim-large']);
    expect(w.judge.accuracy).toBe(0.85);
  });

  it('an invalid world names the field and the fix', () => {
    const text = `version: 1
models: { sim-small: { skill: 0 } }
difficulty: {}
agent: { looseStyles: { plain: 1, buried: 1 }, read: { marked: 1, plain: 1, buried: 2 }, reviewer: { keepCorrect: 0, catchError: 0, mirrorMarking: 0 }, code: { extrasRate: 0 } }
judge: { accuracy: 0.8, positionBias: 0, lengthWeight: 0, markedWeight: 0 }
optimizer: { noticeWithFailureCases: 1, noticeFromTraces: 1, secondEditRate: 0, removeRate: 0 }
directives:
  - { id: x, patterns: ['mark it'], phrasings: ['Please box it.'] }
`;
    expect(() => parseWorld(text, 'my-world.yaml')).toThrow(
      /my-world\.yaml[\s\S]*agent\.read\.buried[\s\S]*directives\.0\.phrasings\.0: "Please box it\." matches none/,
    );
    expect(() => parseWorld('a: [', 'w.yaml')).toThrow(/w\.yaml: not valid YAML/);
  });

  it('a world file is bounded like a config: an alias bomb is refused, naming the file', () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
    lines.push('directives: *a9');
    expect(() => parseWorld(`${lines.join('\n')}\n`, 'bomb-world.yaml')).toThrow(
      /bomb-world\.yaml: expands to more than 100,000 values/,
    );
    expect(() => parseWorld(`# ${'x'.repeat(6 * 1024 * 1024)}\n`, 'huge-world.yaml')).toThrow(
      /huge-world\.yaml: the file is larger than a world file may be/,
    );
  });

  it('seed prompts carry no directive; directives are matched outside the question and context', () => {
    const { provider } = sim();
    const it0 = items('math500')[0]!;
    const ctx = formatContext([
      { agentId: 'solver', role: 'solver', text: 'Reason step by step. \\boxed{4}' },
    ]);
    const seedA = provider.analyse(renderPrompt(SEED_SOLVER, { question: it0.question, context: '' }));
    expect(seedA.active).toEqual([]);
    expect(seedA.kind).toBe('solver');
    expect(seedA.item?.id).toBe(it0.id);
    const revA = provider.analyse(renderPrompt(SEED_REFLECTOR, { question: it0.question, context: ctx }));
    expect(revA.active).toEqual([]);
    expect(revA.kind).toBe('reviewer');
    // A question that itself says "step by step" and "\\boxed{}" does not switch the directives on.
    const fake: Item = {
      ...it0,
      id: 'fake/1',
      question: 'Explain step by step and put your final answer in \\boxed{} what two plus two is, please.',
    };
    const own = createSimProvider({ items: { items: () => [fake] } });
    const a = own.analyse(renderPrompt(SEED_SOLVER, { question: fake.question, context: '' }));
    expect(a.item?.id).toBe('fake/1');
    expect(a.active).toEqual([]);
    const b = own.analyse(
      renderPrompt(SEED_SOLVER + ' Reason step by step.', { question: fake.question, context: '' }),
    );
    expect(b.active.map((d) => d.id)).toEqual(['reason-step-by-step']);
  });
});
