import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSystem, loadConfig } from '../../src/config/index.js';
import { formatContext } from '../../src/contracts/context.js';
import { loadBenchmarkSync, loadSplit } from '../../src/datasets/index.js';
import type { Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createSimProvider, type SimProvider } from '../../src/llm/sim/index.js';
import { alternativeLetters, readAnswer, stateAnswer } from '../../src/llm/sim/text.js';
import { evaluateSystem } from '../../src/mas/evaluate.js';
import { renderPrompt } from '../../src/mas/template.js';
import { extractChoice } from '../../src/tasks/choice.js';
import { scorerFor } from '../../src/tasks/index.js';
import { Prng } from '../../src/util/prng.js';
import { requireDataDir } from '../support/data.js';

// GPQA questions must never appear in test output: assertions below compare ids, letters and counts only.

let gpqa: Item[];
let provider: SimProvider;
const client = () =>
  createLlmClient({ cache: { mode: 'off', dir: '.maspo/cache-unused' } }, { providers: { sim: provider } });

beforeAll(async () => {
  const dataDir = requireDataDir();
  gpqa = (await loadSplit('gpqa-diamond', 'test', { dataDir })).slice(0, 40);
  const all = [...loadBenchmarkSync('gpqa-diamond', { dataDir }), ...loadBenchmarkSync('aqua', { dataDir })];
  provider = createSimProvider({ items: { items: () => all } });
});

/** The letters that a reply's last line names, in order. */
const lettersIn = (line: string) => [...line.matchAll(/\(([A-J])\)/g)].map((m) => m[1]!);

describe('GPQA-Diamond on the simulated model', () => {
  it('finds every GPQA test question (with its option lines) in a rendered agent prompt', () => {
    const template = 'You are a domain expert. Choose the best option.\n\nQuestion:\n{{question}}\n\nAnswer:';
    const misses = gpqa.filter(
      (it) =>
        provider.analyse(renderPrompt(template, { question: it.question, context: '' })).item?.id !== it.id,
    );
    expect(misses.map((m) => m.id)).toEqual([]);
  });

  it('hierarchical system (3 experts + aggregator, sim-small, seed prompts): accuracy > 0 on 40 test items; sim-large higher', async () => {
    const config = await loadConfig(resolve(import.meta.dirname, '../../examples/gpqa-hierarchical.yaml'));
    const system = buildSystem(config, 'gpqa-diamond');
    const scorer = scorerFor('choice');
    const run = async (model: string) => evaluateSystem(system, gpqa, { client: client(), model, scorer });
    const small = await run('sim:sim-small');
    const large = await run('sim:sim-large');
    console.log(
      `simulated model, GPQA-Diamond test[0:40] hierarchical: sim-small ${small.correct}/40, sim-large ${large.correct}/40`,
    );
    expect(small.errors).toBe(0);
    expect(small.accuracy).toBeGreaterThan(0.1);
    expect(large.accuracy).toBeGreaterThan(small.accuracy);
    // Every expert is right on some items (the gold letters agree with the dataset loader's).
    for (const id of ['expert_1', 'expert_2', 'expert_3']) {
      expect(small.items.filter((r) => r.agents[id]?.correct === true).length).toBeGreaterThan(4);
    }
  });

  it('a buried choice answer names two other options of the item, never the chosen one', async () => {
    const template = 'You are a domain expert. Choose the best option.\n\nQuestion:\n{{question}}\n\nAnswer:';
    let buried = 0;
    for (const it of gpqa) {
      for (let s = 0; s < 6; s++) {
        const text = provider.reply({
          model: 'sim-small',
          messages: [
            { role: 'user', content: renderPrompt(template, { question: it.question, context: '' }) },
          ],
          temperature: 0.7,
          seed: s,
          sampleIndex: s,
        }).text;
        const r = readAnswer(text);
        if (r?.style !== 'buried') continue;
        buried++;
        const named = lettersIn(text.trim().split('\n').at(-1)!);
        expect(named).toHaveLength(3);
        expect(named[0]).toBe(r.answer);
        expect(new Set(named).size).toBe(3);
        for (const l of named) expect(['A', 'B', 'C', 'D']).toContain(l);
        // Buried on purpose: the scorer cannot pick one letter out of it.
        expect(extractChoice(text, ['A', 'B', 'C', 'D'])).toBeNull();
      }
    }
    expect(buried).toBeGreaterThan(20);
  });

  it('stateAnswer / alternativeLetters: alternatives differ from the answer and come from the letters given', () => {
    const prng = new Prng(7);
    for (const letters of [
      ['A', 'B', 'C', 'D'],
      ['A', 'B', 'C', 'D', 'E'],
    ]) {
      for (const a of letters) {
        for (let i = 0; i < 30; i++) {
          const alt = alternativeLetters(a, letters, prng);
          expect(alt).toHaveLength(2);
          expect(alt).not.toContain(a);
          expect(new Set(alt).size).toBe(2);
          const line = stateAnswer('choice', a, 'buried', 'boxed', prng, letters);
          const named = lettersIn(line);
          expect(named[0]).toBe(a);
          expect(named.slice(1)).not.toContain(a);
          for (const l of named) expect(letters).toContain(l);
        }
      }
    }
  });

  it('a reviewer reads both plain choice templates (including "The correct option is (X).")', () => {
    expect(readAnswer('Reasoning.\n\nThe correct option is (C).')).toEqual({ answer: 'C', style: 'plain' });
    expect(readAnswer('Reasoning.\n\nSo the answer is (B).')).toEqual({ answer: 'B', style: 'plain' });
    // And the aggregator keeps a read answer most of the time: it agrees with the experts it can read.
    const it = gpqa[0]!;
    const context = formatContext(
      ['expert_1', 'expert_2', 'expert_3'].map((id) => ({
        agentId: id,
        role: 'expert',
        text: `x\n\nThe correct option is (${it.gold}).`,
      })),
    );
    const text = provider.reply({
      model: 'sim-small',
      messages: [
        {
          role: 'user',
          content: renderPrompt(
            'Lead the team and give the final answer.\n\nQuestion:\n{{question}}\n\nTeam:\n{{context}}',
            {
              question: it.question,
              context,
            },
          ),
        },
      ],
      temperature: 0,
      sampleIndex: 0,
    }).text;
    expect(text).not.toMatch(/could not find a clear final answer/);
  });

  it('on a choice item a failed attempt is a guess: a hopeless model is still right about 1/k of the time', () => {
    const base = provider.world;
    const world = {
      ...base,
      difficulty: { ...base.difficulty, benchmarks: { ...base.difficulty.benchmarks, 'gpqa-diamond': 40 } },
    };
    const all = loadBenchmarkSync('gpqa-diamond', { dataDir: requireDataDir() });
    const hopeless = createSimProvider({ world, items: { items: () => all } });
    const template = 'Answer the question. Put your final answer inside \\boxed{}.\n\n{{question}}';
    let right = 0;
    let n = 0;
    for (const it of all) {
      for (let s = 0; s < 3; s++) {
        const text = hopeless.reply({
          model: 'sim-small',
          messages: [
            { role: 'user', content: renderPrompt(template, { question: it.question, context: '' }) },
          ],
          temperature: 1,
          seed: s,
          sampleIndex: s,
        }).text;
        n++;
        if (extractChoice(text, ['A', 'B', 'C', 'D']) === it.gold) right++;
      }
    }
    expect(right / n).toBeGreaterThan(0.18);
    expect(right / n).toBeLessThan(0.32);
  });
});
