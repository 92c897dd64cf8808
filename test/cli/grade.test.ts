import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gradeLines, parseGradeInput } from '../../src/cli/commands/grade.js';
import { UsageError } from '../../src/errors.js';
import { dataDir } from '../support/data.js';

const BIN = resolve(import.meta.dirname, '../../bin/maspo.js');
const dir = mkdtempSync(join(tmpdir(), 'maspo-grade-'));

function file(name: string, lines: Array<string | object>): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
}

async function run(args: string[]) {
  return execa('node', [BIN, ...args], { reject: false, env: { MASPO_DATA_DIR: dataDir } });
}

describe('parseGradeInput', () => {
  it('names the line of unusable input', () => {
    const text = ['{"id":"a","prediction":"1","gold":"1"}', '', '{"id":"b","prediction":"1"}'].join('\n');
    expect(() => parseGradeInput(text, 'math', 'in.jsonl')).toThrow(UsageError);
    expect(() => parseGradeInput(text, 'math', 'in.jsonl')).toThrow(
      /in\.jsonl: line 3 is missing the field "gold"/,
    );
    expect(() => parseGradeInput('{"id":1,', 'math', 'f')).toThrow(/line 1 is not valid JSON/);
    expect(() => parseGradeInput('[1]', 'math', 'f')).toThrow(/line 1 must be a JSON object, got an array/);
    expect(() => parseGradeInput('{"id":"a","prediction":3,"gold":"1"}', 'math', 'f')).toThrow(
      /field "prediction" must be a string/,
    );
    expect(() => parseGradeInput('{"id":"a","prediction":"x","gold":"CD"}', 'choice', 'f')).toThrow(
      /one letter/,
    );
    expect(() =>
      parseGradeInput('{"id":"a","prediction":"x","benchmark":"apps","task_id":1}', 'code', 'f'),
    ).toThrow(/"benchmark" must be "humaneval-et" or "mbpp"/);
  });
  it('skips blank lines and keeps file line numbers', () => {
    const rows = parseGradeInput('\n{"id":"a","prediction":"1","gold":"1"}\n\n', 'math', 'f');
    expect(rows).toEqual([{ line: 2, value: { id: 'a', prediction: '1', gold: '1' } }]);
  });
});

describe('gradeLines (in process)', () => {
  it('grades math and choice in input order', async () => {
    const math = parseGradeInput(
      [
        { id: 'm1', prediction: 'so $\\boxed{\\dfrac{1}{2}}$', gold: '0.5' },
        { id: 'm2', prediction: 'thus \\boxed{(3,4)}', gold: '(3,4]' },
        { id: 'm3', prediction: 'I give up, no idea at all', gold: '3' },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
      'math',
      'f',
    );
    expect(await gradeLines('math', math)).toEqual([
      { id: 'm1', correct: true, extracted: '\\dfrac{1}{2}' },
      { id: 'm2', correct: false, extracted: '(3,4)' },
      { id: 'm3', correct: false, extracted: null },
    ]);
    const choice = parseGradeInput(
      ['{"id":1,"prediction":"Answer: E","gold":"E"}', '{"id":2,"prediction":"A) x B) y","gold":"B"}'].join(
        '\n',
      ),
      'choice',
      'f',
    );
    expect(await gradeLines('choice', choice)).toEqual([
      { id: 1, correct: true, extracted: 'E' },
      { id: 2, correct: false, extracted: null },
    ]);
    expect(await gradeLines('choice', choice, { letters: ['A', 'B', 'C', 'D'] })).toEqual([
      { id: 1, correct: false, extracted: null },
      { id: 2, correct: false, extracted: null },
    ]);
  });
});

describe('maspo grade (subprocess)', () => {
  it('prints one JSON line per input and exits 0 whether right or wrong', async () => {
    const p = file('math.jsonl', [
      { id: 'a', prediction: 'The final answer is $x = 5$.', gold: '5' },
      { id: 'b', prediction: '\\boxed{1,000}', gold: '1' },
    ]);
    const r = await run(['grade', 'math', '--input', p]);
    expect(r.exitCode).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { id: 'a', correct: true, extracted: 'x = 5' },
      { id: 'b', correct: false, extracted: '1,000' },
    ]);
  }, 30_000);
  it('says so on an empty input (a file, blank lines, or stdin): exit 2, nothing on stdout', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const r = await run(['grade', 'math', '--input', empty]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `maspo: ${empty}: no predictions to grade (the input is empty or only blank lines); give one JSON object per line, e.g. {"id":1,"prediction":"\\boxed{2}","gold":"2"}`,
    );
    const blank = join(dir, 'blank.jsonl');
    writeFileSync(blank, '\n  \n\n');
    expect((await run(['grade', 'choice', '--input', blank])).exitCode).toBe(2);
    const stdin = await execa('node', [BIN, 'grade', 'code', '--input', '-'], {
      reject: false,
      input: '',
      env: { MASPO_DATA_DIR: dataDir },
    });
    expect(stdin.exitCode).toBe(2);
    expect(stdin.stderr).toContain('standard input: no predictions to grade');
  }, 30_000);

  it('exits 2 naming the line on unusable input, with nothing on stdout', async () => {
    const p = file('bad.jsonl', [{ id: 'a', prediction: 'x', gold: '1' }, '{"id": "b", "prediction": ']);
    const r = await run(['grade', 'math', '--input', p]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/line 2 is not valid JSON/);
    const missing = await run(['grade', 'choice', '--input', join(dir, 'nope.jsonl')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
    const task = await run(['grade', 'poetry', '--input', p]);
    expect(task.exitCode).toBe(2);
    expect(task.stderr).toMatch(/unknown task "poetry"/);
  }, 30_000);
  it('grades code replies through the sandbox', async () => {
    const p = file('code.jsonl', [
      {
        id: 'good',
        prediction: '```python\ndef add(a, b):\n    return a + b\n```',
        benchmark: 'mbpp',
        task_id: 'mbpp/0',
      },
    ]);
    const unknown = await run(['grade', 'code', '--input', p, '--data-dir', dataDir]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/line 1/);
    const q = file('code2.jsonl', [
      {
        id: 'ok',
        prediction:
          'Here:\n```python\ndef similar_elements(test_tup1, test_tup2):\n    return tuple(set(test_tup1) & set(test_tup2))\n```',
        benchmark: 'mbpp',
        task_id: 2,
      },
      {
        id: 'wrong',
        prediction: '```python\ndef similar_elements(a, b):\n    return ()\n```',
        benchmark: 'mbpp',
        task_id: 2,
      },
    ]);
    const r = await run(['grade', 'code', '--input', q, '--data-dir', dataDir]);
    expect(r.exitCode).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => [o.id, o.correct])).toEqual([
      ['ok', true],
      ['wrong', false],
    ]);
  }, 60_000);
  it('without bubblewrap: nothing runs, exit 2 and how to install it', async () => {
    const q = file('code-nobwrap.jsonl', [
      {
        id: 'x',
        prediction: '```python\ndef similar_elements(a, b):\n    return ()\n```',
        benchmark: 'mbpp',
        task_id: 2,
      },
    ]);
    const { resolvePython } = await import('../../src/tasks/code/index.js');
    const py = await resolvePython();
    // A PATH without bwrap (node and python are given by absolute path).
    const r = await execa(process.execPath, [BIN, 'grade', 'code', '--input', q], {
      reject: false,
      env: { MASPO_DATA_DIR: dataDir, PATH: '/nonexistent', MASPO_PYTHON: py.executable },
      extendEnv: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/needs bubblewrap \(bwrap\), which is not installed/);
    expect(r.stderr).toMatch(/apt-get install bubblewrap/);
    expect(r.stderr).toMatch(/MASPO_SANDBOX=unsafe/);
  }, 60_000);

  it('MASPO_SANDBOX=unsafe: a loud warning on stderr, grades marked "unsandboxed" on stdout, exit 0', async () => {
    const q = file('code-weak.jsonl', [
      {
        id: 'he32',
        // HumanEval/32 needs `import math` and the prompt's `poly` helper
        prediction:
          '```python\ndef find_zero(xs: list):\n    begin, end = -1., 1.\n    while poly(xs, begin) * poly(xs, end) > 0:\n        begin *= 2.0\n        end *= 2.0\n    while end - begin > 1e-10:\n        center = (begin + end) / 2.0\n        if poly(xs, center) * poly(xs, begin) > 0:\n            begin = center\n        else:\n            end = center\n    return begin\n```',
        benchmark: 'humaneval-et',
        task_id: 'HumanEval/32',
      },
      {
        id: 'mbpp-wrong',
        prediction: '```python\ndef similar_elements(a, b):\n    return ()\n```',
        benchmark: 'mbpp',
        task_id: 2,
      },
    ]);
    const r = await execa('node', [BIN, 'grade', 'code', '--input', q], {
      reject: false,
      env: { MASPO_DATA_DIR: dataDir, MASPO_SANDBOX: 'unsafe' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/WARNING: MASPO_SANDBOX=unsafe: generated code runs UNSANDBOXED/);
    expect(r.stderr).toMatch(/CAN reach the network/);
    expect(r.stderr.match(/WARNING/g)).toHaveLength(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => [o.id, o.correct, o.error, o.sandbox])).toEqual([
      ['he32', true, undefined, 'unsandboxed'],
      ['mbpp-wrong', false, undefined, 'unsandboxed'],
    ]);
    expect(out[1].detail).toMatch(/^failed assert #0: /);
  }, 60_000);
});
