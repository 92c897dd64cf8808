import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSystem, loadConfig, type MaspoConfig, parseConfig } from '../../src/config/index.js';
import { loadBenchmarkSplit, loadCustomBenchmark } from '../../src/datasets/index.js';
import type { Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createSimProvider } from '../../src/llm/sim/index.js';
import type { LlmClient } from '../../src/llm/types.js';
import { scoreTrace } from '../../src/mas/evaluate.js';
import { executeItem } from '../../src/mas/execute.js';
import {
  createJudgeScorer,
  exactScorer,
  numericScorer,
  regexScorer,
  scorerForBenchmark,
} from '../../src/tasks/index.js';
import { requireDataDir } from '../support/data.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'maspo-custom-task-'));
const item = (gold: string, task = 'exact'): Item => ({
  id: 'x',
  benchmark: 'b',
  task: 'math',
  question: 'q',
  gold,
  meta: { custom: { task, line: 1, fileSha256: '' } },
});

describe('answer scorers of inline benchmarks', () => {
  it('exact: case, spacing, \\text{} and a final period do not matter; the answer must be stated', async () => {
    expect(
      await exactScorer.score(item('Refund'), 'This is a refund request. \\boxed{\\text{refund}}'),
    ).toEqual({
      correct: true,
      extracted: '\\text{refund}',
    });
    expect((await exactScorer.score(item('refund'), 'The answer is shipping.')).correct).toBe(false);
    expect(await exactScorer.score(item('refund'), 'I cannot tell.')).toEqual({
      correct: false,
      extracted: null,
    });
  });
  it('numeric: separators, currency, percent and fractions; a tolerance of 1e-6 relative', async () => {
    expect((await numericScorer.score(item('1234.5'), 'Total: \\boxed{\\$1,234.50}')).correct).toBe(true);
    expect((await numericScorer.score(item('0.5'), '<answer>1/2</answer>')).correct).toBe(true);
    expect((await numericScorer.score(item('12'), 'The answer is 13.')).correct).toBe(false);
  });
  it('regex: the answer column is a pattern the final answer must match', async () => {
    const it2 = item('^ORD-\\d{4}$', 'regex');
    expect((await regexScorer.score(it2, 'Your order is \\boxed{ORD-0042}')).correct).toBe(true);
    expect((await regexScorer.score(it2, 'Your order is \\boxed{ORD-42}')).correct).toBe(false);
  });
});

describe('judge: an LLM-as-judge rubric scorer', () => {
  it('grades through the LLM client with the rubric and the reference; an unparseable verdict is an error, never a pass', async () => {
    const seen: string[] = [];
    const client: LlmClient = {
      async complete(req) {
        seen.push(req.messages.map((m) => m.content).join('\n'));
        return {
          text: seen.length === 1 ? 'Looks fine to me.\nVERDICT: PASS' : 'I would say it passes.',
          usage: { inputTokens: 1, outputTokens: 1 },
          finishReason: 'stop',
          model: 'm',
          latencyMs: 0,
          cached: false,
          simulated: false,
        };
      },
    };
    const scorer = createJudgeScorer({ client, model: 'openai:gpt-4o-mini', rubric: 'Polite and correct.' });
    const it1 = item('Paris', 'judge');
    expect(await scorer.score(it1, 'It is Paris.')).toMatchObject({ correct: true, detail: 'judge: PASS' });
    expect(seen[0]).toContain('<rubric>\nPolite and correct.\n</rubric>');
    expect(seen[0]).toContain('<reference_answer>\nParis\n</reference_answer>');
    const bad = await scorer.score(it1, 'It is Paris.');
    expect(bad.correct).toBe(false);
    expect(bad.error).toMatch(/judge verdict unparseable/);
  });
});

/** Every item of a split through the config's system and its benchmark's scorer, on the simulated model. */
async function runSplit(config: MaspoConfig, benchmark: string, limit = 40) {
  const system = buildSystem(config, benchmark);
  const client = createLlmClient({ ...config.llm, cache: { mode: 'off', dir: '' } });
  const scorer = scorerForBenchmark(config, benchmark, system.task, { client, seed: config.seed });
  const items = (await loadBenchmarkSplit(config, benchmark, 'test')).slice(0, limit);
  const out: Array<{ correct: boolean; error?: string; unknown: boolean }> = [];
  try {
    for (const it of items) {
      const trace = await executeItem(system, it, { client, model: config.models.agent, scorer, seed: 1 });
      const r = await scoreTrace(system, it, trace, scorer);
      out.push({
        correct: r.correct,
        ...(r.error ? { error: r.error } : {}),
        unknown: trace.finalOutput.includes('do not recognise'),
      });
    }
  } finally {
    await scorer.close?.();
  }
  return out;
}

const WORDS = ['red', 'green', 'blue', 'amber'];

function writeTaskFiles(dir: string): void {
  const rows = (f: (i: number) => Record<string, unknown>, n = 25) =>
    `${Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join('\n')}\n`;
  writeFileSync(
    join(dir, 'math.jsonl'),
    rows((i) => ({ question: `Compute ${i} times 7 plus one.`, answer: String(7 * i + 1) })),
  );
  writeFileSync(
    join(dir, 'choice.jsonl'),
    rows((i) => ({
      question: `Which colour is number ${i} in the list?`,
      choices: WORDS,
      answer: WORDS[i % 4],
    })),
  );
  writeFileSync(
    join(dir, 'exact.jsonl'),
    rows((i) => ({ question: `Classify ticket number ${i}.`, answer: WORDS[i % 4] })),
  );
  writeFileSync(
    join(dir, 'numeric.jsonl'),
    rows((i) => ({ question: `How many boxes are on pallet ${i}?`, answer: String(10 + i) })),
  );
  writeFileSync(
    join(dir, 'regex.jsonl'),
    rows((i) => ({ question: `Give an order code for customer ${i}.`, answer: '^ORD-[0-9]{3}$' })),
  );
  writeFileSync(
    join(dir, 'judge.jsonl'),
    rows((i) => ({
      question: `Explain briefly why the sky of planet ${i} looks blue.`,
      answer: 'Rayleigh scattering of sunlight',
    })),
  );
  writeFileSync(
    join(dir, 'code.jsonl'),
    rows(
      (i) => ({
        question: `Return the sum of a and b plus ${i}.`,
        answer: `def add_${i}(a, b):\n    return a + b + ${i}\n`,
        tests: [`assert add_${i}(1, 2) == ${3 + i}`, `assert add_${i}(0, 0) == ${i}`],
      }),
      8,
    ),
  );
}

describe('the simulated model answers every task type of an inline benchmark', () => {
  const dir = tmp();
  writeTaskFiles(dir);
  const tasks = ['math', 'choice', 'exact', 'numeric', 'regex', 'judge', 'code'] as const;
  const config = parseConfig(
    {
      benchmarks: tasks.map((t) => ({
        id: `my-${t}`,
        file: `${t}.jsonl`,
        task: t,
        ...(t === 'judge' ? { rubric: 'Names the physical cause.' } : {}),
      })),
      system: { topology: 'sequential' },
      models: { agent: 'sim:sim-large', judge: 'sim:sim-small' },
    },
    'test',
    'custom-tasks',
    dir,
  );

  for (const t of tasks) {
    it(`${t}: found by its question, some answers right and some wrong, none an error`, async () => {
      const results = await runSplit(config, `my-${t}`);
      expect(results.length).toBeGreaterThan(0);
      expect(results.filter((r) => r.unknown)).toEqual([]);
      expect(results.filter((r) => r.error)).toEqual([]);
      const right = results.filter((r) => r.correct).length;
      expect(right).toBeGreaterThan(0);
      if (t !== 'code') expect(right).toBeLessThan(results.length);
    }, 120_000);
  }

  it('the judge task grades through models.judge on the simulated model, metered like every call', async () => {
    const system = buildSystem(config, 'my-judge');
    const client = createLlmClient({ ...config.llm, cache: { mode: 'off', dir: '' } });
    const scorer = scorerForBenchmark(config, 'my-judge', system.task, { client });
    const [first] = await loadBenchmarkSplit(config, 'my-judge', 'test');
    const right = await scorer.score(first!, 'The answer is $Rayleigh scattering of sunlight$.');
    const wrong = await scorer.score(first!, 'The answer is $dust in the air$.');
    expect(right.error).toBeUndefined();
    expect(wrong.error).toBeUndefined();
    expect(client.usage().byRole.judge.calls).toBe(2);
  });
});

describe('a TypeScript config with its own scorer function', () => {
  it('grades with the function; a throw or a bad return is an error for that item', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'tickets.csv'),
      'id,question,answer\nt1,Where is my parcel?,shipping\nt2,Refund please,refund\n',
    );
    writeFileSync(
      join(dir, 'maspo.config.ts'),
      `export default {
  benchmark: {
    id: 'tickets',
    file: 'tickets.csv',
    scorer: (output: string, item: { gold: string }) => {
      if (output === 'boom') throw new Error('scorer exploded');
      if (output === 'bad') return { ok: true };
      return { correct: output.toLowerCase().includes(item.gold), extracted: output.trim() };
    },
  },
  system: { topology: 'cot' },
  models: { agent: 'sim:sim-small' },
};
`,
    );
    const config = await loadConfig(join(dir, 'maspo.config.ts'));
    expect(config.customBenchmarks.tickets?.task).toBe('exact');
    const scorer = scorerForBenchmark(config, 'tickets', 'math');
    const [t1] = loadCustomBenchmark(config.customBenchmarks.tickets!).items;
    expect(await scorer.score(t1!, 'It is a SHIPPING question')).toEqual({
      correct: true,
      extracted: 'It is a SHIPPING question',
    });
    expect(await scorer.score(t1!, 'refund')).toMatchObject({ correct: false });
    expect((await scorer.score(t1!, 'boom')).error).toBe('scorer threw: scorer exploded');
    expect((await scorer.score(t1!, 'bad')).error).toMatch(/expected \{ correct: boolean/);
    // a YAML config cannot carry a function
    expect(() =>
      parseConfig({
        benchmark: { id: 'x', file: 'x.csv', scorer: 'f' },
        system: { topology: 'cot' },
        models: { agent: 'sim:sim-small' },
      }),
    ).toThrow(/benchmark\.scorer: must be a function/);
  });
});

describe('built-in benchmarks answer exactly as before', () => {
  it('a simulated model that also knows an inline benchmark gives the same replies on math500', async () => {
    const dataDir = requireDataDir();
    const dir = tmp();
    writeFileSync(join(dir, 'a.jsonl'), '{"question":"What is 2 plus 2?","answer":"4"}\n');
    const plain = createSimProvider({ dataDir });
    const withCustom = createSimProvider({
      dataDir,
      benchmarks: [{ id: 'a', file: join(dir, 'a.jsonl'), task: 'math', fields: {}, split: { seed: 1 } }],
    });
    await Promise.all([plain.ready(), withCustom.ready()]);
    const math = (await loadBenchmarkSplit({}, 'math500', 'test', { dataDir })).slice(0, 30);
    for (const it of math) {
      const call = {
        model: 'sim-small',
        messages: [{ role: 'user' as const, content: `Solve the problem.\n\n${it.question}` }],
        temperature: 0,
        sampleIndex: 0,
      };
      expect(withCustom.reply(call).text).toBe(plain.reply(call).text);
    }
  });
});
