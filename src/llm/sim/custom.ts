import RandExp from 'randexp';
import { customMeta } from '../../datasets/custom.js';
import type { Item } from '../../datasets/types.js';
import { Prng } from '../../util/prng.js';

/**
 * How the simulated model answers the items of inline benchmarks (exact, numeric, regex, judge), which
 * the built-in answer logic (math, choice, code) does not cover. Built-in items never reach this file,
 * so their answers do not change.
 */

const regexExamples = new Map<string, string>();

/** A string the item's regex matches, drawn from the item id (the same every time). */
function regexExample(item: Item): string {
  const key = `${item.benchmark}\u0000${item.id}\u0000${item.gold}`;
  let ex = regexExamples.get(key);
  if (ex === undefined) {
    const gen = new RandExp(item.gold);
    const prng = Prng.from('sim-regex', item.benchmark, item.id);
    gen.max = 3;
    gen.randInt = (from: number, to: number) => from + prng.int(to - from + 1);
    ex = gen.gen();
    regexExamples.set(key, ex);
  }
  return ex;
}

/** The answer the sim gives when it is right: the gold, a match of a regex item, a judge item's reference. */
export function simGold(item: Item): string {
  const task = customMeta(item)?.task;
  if (task === 'regex') return regexExample(item);
  if (task === 'judge' && item.gold.trim() === '') return `A complete answer to item ${item.id}`;
  return item.gold;
}

/** Whether an answer the sim read is right for an inline benchmark's item; undefined for other items. */
export function customAnswerCorrect(item: Item, answer: string): boolean | undefined {
  const task = customMeta(item)?.task;
  if (task === 'regex') return new RegExp(item.gold).test(answer);
  if (task === 'exact' || task === 'judge') return normalizeWords(answer) === normalizeWords(simGold(item));
  return undefined;
}

const normalizeWords = (s: string) =>
  s
    .replace(/\\text\{([^}]*)\}/g, '$1')
    .replace(/[.!]+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

const JUDGE_WRONG = [
  'It depends on the situation, so no single answer applies.',
  'The question cannot be answered from the information given.',
  'Probably the opposite of what one would expect at first.',
];

/**
 * A plausible wrong answer for an inline benchmark's item (undefined for other items): another label of
 * the file (exact), a perturbed match (regex), a vague non-answer (judge). Numeric items are perturbed
 * like math answers by the caller.
 */
export function customWrongAnswer(item: Item, prng: Prng, avoid?: string): string | undefined {
  const meta = customMeta(item);
  if (!meta) return undefined;
  const differs = (w: string) =>
    customAnswerCorrect(item, w) === false &&
    (avoid === undefined || normalizeWords(w) !== normalizeWords(avoid));
  if (meta.task === 'exact' && meta.labels && meta.labels.length > 1) {
    const others = meta.labels.filter(differs);
    if (others.length > 0) return prng.pick(others);
  }
  if (meta.task === 'regex') {
    const gold = simGold(item);
    const candidates = [`${gold}x`, gold.slice(0, -1), `x${gold}`, `${gold} ${gold}`, 'none'];
    return prng.shuffle(candidates).find(differs) ?? 'none';
  }
  if (meta.task === 'judge') return prng.pick(JUDGE_WRONG.filter((w) => w !== avoid));
  return undefined;
}
