import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig, parseConfig } from '../../src/config/index.js';
import { customSplit, DataError, loadBenchmarkSplit, loadCustomBenchmark } from '../../src/datasets/index.js';
import { artifactHashes } from '../../src/optimize/artifact.js';

const repo = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'maspo-custom-'));

function project(files: Record<string, string>): string {
  const dir = tmp();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const arithRows = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `q${i + 1}`, question: `What is ${i} plus ${i + 3}?`, answer: String(2 * i + 3) }),
  ).join('\n');

const SYSTEM = 'system: { topology: sequential }\nmodels: { agent: "sim:sim-small" }\n';

describe('inline benchmark: the minimal form', () => {
  it('`benchmark: { id: arith, file: arith.jsonl, task: math }` loads every row, relative to the config file', async () => {
    const dir = project({
      'arith.jsonl': `${arithRows(60)}\n`,
      'maspo.yaml': `benchmark: { id: arith, file: arith.jsonl, task: math }\n${SYSTEM}`,
    });
    const config = await loadConfig(join(dir, 'maspo.yaml'));
    expect(config.benchmarks).toEqual(['arith']);
    expect(config.customBenchmarks.arith).toMatchObject({ file: join(dir, 'arith.jsonl'), task: 'math' });
    // the simulated model is told where the questions are
    expect(config.llm.sim.benchmarks?.map((b) => b.id)).toEqual(['arith']);
    const splits = await Promise.all(
      (['train', 'dev', 'test'] as const).map((s) => loadBenchmarkSplit(config, 'arith', s)),
    );
    expect(splits.map((s) => s.length)).toEqual([12, 12, 36]);
    const ids = new Set(splits.flat().map((i) => i.id));
    expect(ids.size).toBe(60);
    const item = splits.flat().find((i) => i.id === 'q1')!;
    expect(item).toMatchObject({
      benchmark: 'arith',
      task: 'math',
      question: 'What is 0 plus 3?',
      gold: '3',
    });
  });

  it('JSON arrays and CSV, a fields mapping, row numbers as ids, a split column', () => {
    const dir = project({
      'a.json': JSON.stringify(
        [
          { q: 'Capital of France?', a: 'Paris' },
          { q: 'Capital of Italy?', a: 'Rome' },
        ],
        null,
        2,
      ),
      'b.csv':
        'id,prompt,label,part\n' +
        't1,"I want my money back, please",refund,train\n' +
        't2,"Where is my parcel?",shipping,test\n' +
        't3,"The item came broken,\nwhat now?",refund,dev\n',
    });
    const a = loadCustomBenchmark({
      id: 'caps',
      file: join(dir, 'a.json'),
      task: 'exact',
      fields: { question: 'q', answer: 'a' },
      split: { seed: 'maspo-splits-v1' },
    });
    expect(a.items.map((i) => [i.id, i.gold])).toEqual([
      ['1', 'Paris'],
      ['2', 'Rome'],
    ]);
    const spec = {
      id: 'intent',
      file: join(dir, 'b.csv'),
      task: 'exact' as const,
      fields: { question: 'prompt', answer: 'label' },
      split: { column: 'part' },
    };
    expect(customSplit(spec, 'train').map((i) => i.id)).toEqual(['t1']);
    expect(customSplit(spec, 'dev').map((i) => [i.id, i.question])).toEqual([
      ['t3', 'The item came broken,\nwhat now?'],
    ]);
    expect(customSplit(spec, 'test').map((i) => i.id)).toEqual(['t2']);
  });

  it('choice rows get lettered options; code rows carry their asserts and a reference solution', () => {
    const dir = project({
      'c.jsonl': `${JSON.stringify({ question: 'Largest planet?', choices: ['Mars', 'Jupiter', 'Venus'], answer: 'Jupiter' })}\n`,
      'k.jsonl': `${JSON.stringify({ question: 'Add two numbers.', answer: 'def add(a, b):\n    return a + b\n', tests: ['assert add(1, 2) == 3'] })}\n`,
    });
    const [c] = loadCustomBenchmark({
      id: 'c',
      file: join(dir, 'c.jsonl'),
      task: 'choice',
      fields: {},
      split: { seed: 1 },
    }).items;
    expect(c!.gold).toBe('B');
    expect(c!.question).toBe('Largest planet?\n\nA) Mars\nB) Jupiter\nC) Venus');
    const [k] = loadCustomBenchmark({
      id: 'k',
      file: join(dir, 'k.jsonl'),
      task: 'code',
      fields: {},
      split: { seed: 1 },
    }).items;
    expect(k).toMatchObject({
      task: 'code',
      gold: 'add',
      meta: { entryPoint: 'add', tests: ['assert add(1, 2) == 3'] },
    });
  });

  it("the file's sha256 enters the dataset hash: a changed file makes an artifact stale", () => {
    const dir = project({ 'x.jsonl': `${arithRows(5)}\n` });
    const spec = {
      id: 'x',
      file: join(dir, 'x.jsonl'),
      task: 'math' as const,
      fields: {},
      split: { seed: 1 },
    };
    const models = {
      agent: 'openai:gpt-4o-mini',
      optimizer: 'openai:gpt-4o-mini',
      judge: 'openai:gpt-4o-mini',
    };
    const before = artifactHashes({}, loadCustomBenchmark(spec).items, models).dataset;
    // the same rows, one more trailing line elsewhere in the file: items equal, file differs
    writeFileSync(join(dir, 'x.jsonl'), `${arithRows(5)}\n\n`);
    const after = artifactHashes({}, loadCustomBenchmark(spec).items, models).dataset;
    expect(after).not.toBe(before);
  });
});

describe('bad data is named: file:line, the problem and the fix; nothing is half-loaded', () => {
  const load = (name: string, text: string, extra: Record<string, unknown> = {}) => {
    const dir = project({ [name]: text });
    try {
      loadCustomBenchmark({
        id: 'b',
        file: join(dir, name),
        task: 'exact',
        fields: {},
        split: { seed: 1 },
        ...extra,
      });
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      return (err as Error).message;
    }
    throw new Error('expected a DataError');
  };
  const ok = JSON.stringify({ id: 'a', question: 'q?', answer: 'x' });

  it('a row without a question or an answer', () => {
    const msg = load(
      'd.jsonl',
      `${ok}\n${JSON.stringify({ id: 'b', answer: 'y' })}\n${JSON.stringify({ id: 'c', question: 'z?' })}\n`,
    );
    expect(msg).toMatch(/d\.jsonl:2: no question \("question" is missing or empty\)\. Fix: add it/);
    expect(msg).toMatch(/d\.jsonl:3: no answer \("answer" is missing or empty\)\. Fix:/);
    expect(msg).toContain('nothing was loaded');
  });
  it('a duplicate id', () => {
    expect(load('d.jsonl', `${ok}\n${ok}\n`)).toMatch(
      /d\.jsonl:2: duplicate id "a" \(first on line 1\)\. Fix: make ids unique/,
    );
  });
  it('an empty file', () => {
    expect(load('d.jsonl', '\n\n')).toMatch(/d\.jsonl:1: the file has no rows\. Fix:/);
    expect(load('d.csv', 'id,question,answer\n')).toMatch(/d\.csv:1: the file has no rows/);
  });
  it('a row that does not parse (JSONL, JSON array, CSV)', () => {
    expect(load('d.jsonl', `${ok}\n{"id": "b", "question": \n`)).toMatch(
      /d\.jsonl:2: not valid JSON .*Fix: write one JSON object per line/,
    );
    expect(load('d.json', '[\n  {"question": "a", "answer": "b"},\n  {"question": }\n]')).toMatch(
      /d\.json:\d+: not valid JSON/,
    );
    expect(load('d.csv', 'question,answer\n"a, b",c\nd,e,f\n')).toMatch(
      /d\.csv:3: 3 fields, but the header has 2\. Fix: quote fields/,
    );
  });
  it('a fields entry naming a missing column', () => {
    const msg = load('d.jsonl', `${ok}\n`, { fields: { question: 'prompt' } });
    expect(msg).toMatch(
      /d\.jsonl:1: column "prompt" \(named by fields\.question\) is in no row; the rows have "id", "question", "answer"\. Fix:/,
    );
  });
  it('values a task cannot use: a non-number for numeric, a bad regex, a bad split value', () => {
    expect(load('d.jsonl', `${ok}\n`, { task: 'numeric' })).toMatch(/d\.jsonl:1: answer "x" is not a number/);
    expect(
      load('d.jsonl', `${JSON.stringify({ question: 'q', answer: '([a-z' })}\n`, { task: 'regex' }),
    ).toMatch(/d\.jsonl:1: answer is not a valid regular expression/);
    expect(
      load('d.jsonl', `${JSON.stringify({ question: 'q', answer: 'a', part: 'validation' })}\n`, {
        split: { column: 'part' },
      }),
    ).toMatch(/d\.jsonl:1: split column "part" is "validation"\. Fix: write train, dev or test/);
  });
  it('an unknown task is a config error with the line, the near name and the list', async () => {
    const dir = project({
      'maspo.yaml': `benchmark: { id: arith, file: arith.jsonl, task: maths }\n${SYSTEM}`,
    });
    const err = await loadConfig(join(dir, 'maspo.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as Error).message).toContain(
      'benchmark.task (line 1): "maths" is not a known task. Fix: did you mean "math"? use one of: math, choice, code, exact, numeric, regex, judge',
    );
    expect(() =>
      parseConfig({
        benchmark: { id: 'a', file: 'a.jsonl', fiels: {} },
        system: { topology: 'cot' },
        models: { agent: 'sim:sim-small' },
      }),
    ).toThrow(/benchmark: unknown field "fiels".*\n.*benchmark\.task: is required/);
    expect(() =>
      parseConfig({
        benchmark: { id: 'math500', file: 'a.jsonl', task: 'math' },
        system: { topology: 'cot' },
        models: { agent: 'sim:sim-small' },
      }),
    ).toThrow(/benchmark\.id: is the id of a built-in benchmark/);
  });

  it('`maspo run` on bad data exits 2 and names file:line', async () => {
    const dir = project({
      'arith.jsonl': `${ok}\n${JSON.stringify({ id: 'b', question: '', answer: '1' })}\n`,
      'maspo.yaml': `benchmark: { id: arith, file: arith.jsonl, task: math }\n${SYSTEM}`,
    });
    const r = await new Promise<{ code: number; err: string }>((done) =>
      execFile(
        process.execPath,
        [join(repo, 'bin/maspo.js'), 'run', '--config', 'maspo.yaml', '--no-progress'],
        { cwd: dir },
        (e, _o, err) => done({ code: e ? Number(e.code) : 0, err }),
      ),
    );
    expect(r.err).toMatch(/arith\.jsonl:2: no question/);
    expect(r.code).toBe(2);
  });
});
