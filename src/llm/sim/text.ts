import type { Item, TaskType } from '../../datasets/types.js';
import { matchBrace } from '../../tasks/math-normalize.js';
import type { Prng } from '../../util/prng.js';
import { customAnswerCorrect, customWrongAnswer } from './custom.js';

/**
 * How the simulated model writes answers and reads them back. Every loosely stated answer uses one of
 * a few templates, so the sim can tell (and weigh) how readable a loose answer is.
 */

export type AnswerStyle = 'marked' | 'plain' | 'buried';
export type MarkKind = 'boxed' | 'tag';

export interface ReadAnswer {
  answer: string;
  style: AnswerStyle;
}

// ---------- answers ----------

const DOLLAR_BODY = '((?:\\\\\\$|[^$])+?)';

const MATH_PLAIN = [
  (a: string) => `So the answer is $${a}$.`,
  (a: string) => `Therefore, the final answer is $${a}$.`,
];
const MATH_BURIED = [
  (a: string) =>
    `Putting the pieces together gives $${a}$ after simplifying, and checking the small cases $n = 1$ and $n = 2$ confirms the pattern.`,
  (a: string) =>
    `This simplifies to $${a}$, which agrees with a rough estimate of about $3$ made while setting things up.`,
  (a: string) =>
    `We end up with $${a}$ for the quantity asked, although the boundary case $x = 0$ needed a separate look.`,
];
const CHOICE_PLAIN = [
  (a: string) => `So the answer is (${a}).`,
  (a: string) => `The correct option is (${a}).`,
];
/** Buried choice answers name two other options as alternatives (`x`, `y`: letters different from `a`). */
const CHOICE_BURIED = [
  (a: string, x: string, y: string) =>
    `Option (${a}) fits best, although (${x}) and (${y}) looked plausible at first.`,
  (a: string, x: string, y: string) =>
    `I would lean towards (${a}) here; (${x}) and (${y}) are harder to rule out than they seem.`,
];

/** Two letters of `letters` other than `answer`, in alphabetical order (fewer if there are not enough). */
export function alternativeLetters(answer: string, letters: readonly string[], prng: Prng): string[] {
  const others = letters.filter((l) => l !== answer.trim().toUpperCase());
  return prng.shuffle(others).slice(0, 2).sort();
}

const READ_PLAIN = [
  new RegExp(`(?:[Tt]he answer is|[Tt]he final answer is) \\$${DOLLAR_BODY}\\$\\.`, 'g'),
  /(?:[Tt]he answer is|[Tt]he correct option is) \(([A-J])\)\./g,
];
const READ_BURIED = [
  new RegExp(`(?:gives|simplifies to|end up with) \\$${DOLLAR_BODY}\\$`, 'g'),
  /(?:Option|lean towards) \(([A-J])\)/g,
];

export function markAnswer(answer: string, kind: MarkKind): string {
  return kind === 'tag' ? `<answer>${answer}</answer>` : `\\boxed{${answer}}`;
}

/** The final statement of an answer in the given style. */
export function stateAnswer(
  task: TaskType,
  answer: string,
  style: AnswerStyle,
  mark: MarkKind,
  prng: Prng,
  letters: readonly string[] = ['A', 'B', 'C', 'D'],
): string {
  if (style === 'marked') {
    return mark === 'tag'
      ? `Final answer: ${markAnswer(answer, 'tag')}`
      : `The final answer is ${markAnswer(answer, 'boxed')}.`;
  }
  if (task === 'choice') {
    if (style === 'plain') return prng.pick(CHOICE_PLAIN)(answer);
    const template = prng.pick(CHOICE_BURIED);
    const [x, y] = alternativeLetters(answer, letters, prng);
    // With fewer than three options there is one alternative at most: name it alone.
    if (x === undefined) return `Option (${answer}) fits best.`;
    if (y === undefined) return `Option (${answer}) fits best, although (${x}) looked plausible at first.`;
    return template(answer, x, y);
  }
  return prng.pick(style === 'plain' ? MATH_PLAIN : MATH_BURIED)(answer);
}

/** The last `\boxed{…}` (balanced braces) in a text. */
export function lastBoxed(text: string): string | null {
  // (at 0, lastIndexOf(…, -1) would find index 0 again: stop there)
  for (
    let at = text.lastIndexOf('\\boxed{');
    at >= 0;
    at = at > 0 ? text.lastIndexOf('\\boxed{', at - 1) : -1
  ) {
    const end = matchBrace(text, at + 6);
    if (end >= 0) return text.slice(at + 7, end);
  }
  return null;
}

function lastMatch(text: string, regexes: RegExp[]): string | null {
  let best: { index: number; value: string } | null = null;
  for (const re of regexes) {
    for (const m of text.matchAll(re)) {
      if (!best || m.index >= best.index) best = { index: m.index, value: m[1]! };
    }
  }
  return best?.value ?? null;
}

/** The answer a text states and how (marked, plain, buried); null when none can be found. */
export function readAnswer(text: string): ReadAnswer | null {
  const tag = /<answer>([\s\S]*?)<\/answer>/g;
  const tags = [...text.matchAll(tag)].filter((m) => m[1]!.trim() !== '');
  if (tags.length > 0) return { answer: tags.at(-1)![1]!.trim(), style: 'marked' };
  const boxed = lastBoxed(text);
  if (boxed !== null && boxed.trim() !== '') return { answer: boxed.trim(), style: 'marked' };
  const plain = lastMatch(text, READ_PLAIN);
  if (plain !== null) return { answer: plain.trim(), style: 'plain' };
  const buried = lastMatch(text, READ_BURIED);
  if (buried !== null) return { answer: buried.trim(), style: 'buried' };
  return null;
}

export function isMarked(text: string): boolean {
  return /<answer>[\s\S]*?<\/answer>/.test(text) || text.includes('\\boxed{');
}

/** Canonical form for comparing two answers the sim wrote (not a general equivalence check). */
export function normalizeAnswer(task: TaskType, a: string): string {
  if (task === 'choice') {
    const m = /\(?\b([A-J])\b\)?/.exec(a.trim());
    return m ? m[1]!.toUpperCase() : a.trim().toUpperCase();
  }
  return a
    .replace(/\\left|\\right|\\!|\\,|\\;|\\ |\$/g, '')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\s+/g, '')
    .replace(/\.$/, '');
}

export function sameAnswer(task: TaskType, a: string, b: string): boolean {
  return normalizeAnswer(task, a) === normalizeAnswer(task, b);
}

/** Whether an answer is right for an item (an inline benchmark's task decides where it has its own rule). */
export function answerCorrect(item: Item, answer: string): boolean {
  return customAnswerCorrect(item, answer) ?? sameAnswer(item.task, answer, item.gold);
}

// ---------- wrong answers ----------

/** Letters of a choice item: structured options, else option lines in the question, else A–D. */
export function choiceLetters(item: Item): string[] {
  const fromMeta = item.meta.options?.map((o) => o.letter);
  if (fromMeta && fromMeta.length > 1) return fromMeta;
  const found = [...item.question.matchAll(/^\s*\(?([A-J])[).:]/gm)].map((m) => m[1]!);
  const unique = [...new Set(found)];
  return unique.length > 1 ? unique : ['A', 'B', 'C', 'D'];
}

const TEXT_SWAPS = ['none', 'neither', 'all of them', 'Monday', 'odd', 'no'];

/** A plausible wrong answer: a perturbed number or expression, never equal to the gold. */
export function perturbMath(gold: string, prng: Prng): string {
  const g = gold.trim();
  const nums = [...g.matchAll(/\d+/g)];
  if (nums.length > 0) {
    const m = prng.pick(nums);
    const n = Number(m[0]);
    const options = [n + 1, n > 1 ? n - 1 : n + 2, n === 0 ? 3 : n * 2, n + 10].filter((v) => v !== n);
    const v = prng.pick(options);
    return g.slice(0, m.index) + String(v) + g.slice(m.index + m[0].length);
  }
  const text = /\\text\{([^}]*)\}/.exec(g);
  if (text) {
    const swap = prng.pick(TEXT_SWAPS.filter((t) => t !== text[1]));
    return g.replace(text[0], `\\text{${swap}}`);
  }
  if (g.startsWith('-')) return g.slice(1);
  const variants = [`-${g}`, `${g}+1`, `2${g}`];
  return prng.pick(g.length === 0 ? ['1'] : variants);
}

export function perturbChoice(item: Item, wrongOf: string, prng: Prng): string {
  const others = choiceLetters(item).filter((l) => l !== wrongOf.toUpperCase());
  return others.length ? prng.pick(others) : wrongOf;
}

/** A wrong answer for a math or choice item, different from the gold and from `avoid`. */
export function wrongAnswer(item: Item, prng: Prng, avoid?: string): string {
  const custom = customWrongAnswer(item, prng, avoid);
  if (custom !== undefined) return custom;
  for (let i = 0; i < 8; i++) {
    const w = item.task === 'choice' ? perturbChoice(item, item.gold, prng) : perturbMath(item.gold, prng);
    if (!sameAnswer(item.task, w, item.gold) && (avoid === undefined || !sameAnswer(item.task, w, avoid)))
      return w;
  }
  return item.task === 'choice' ? perturbChoice(item, item.gold, prng) : `${item.gold}+1`;
}

// ---------- reasoning filler ----------

const SOLVE_SENTENCES = [
  'First, I restate what the question asks for and note the given quantities.',
  'The key observation is that the conditions can be rewritten in a simpler equivalent form.',
  'Substituting this into the main relation removes one of the unknowns.',
  'Next, I simplify the resulting expression and collect like terms.',
  'It helps to consider the structure of the problem before computing anything.',
  'This reduces the problem to a standard computation.',
  'I double-check that no case has been left out by the substitution.',
  'The constraint rules out the degenerate possibilities.',
  'Rearranging gives a cleaner form that is easy to evaluate.',
  'Each intermediate value stays consistent with the original conditions.',
  'A symmetry argument shows the remaining cases behave the same way.',
  'Now I carry out the arithmetic carefully.',
  'Combining the partial results gives the quantity we want.',
  'The units and the sign both make sense for this kind of question.',
];

const REVIEW_SENTENCES = [
  'I read the previous solution carefully against the question.',
  'The setup in the previous solution matches what the question asks.',
  'I recompute the main steps independently.',
  'The algebra in the middle part needs a closer look.',
  'I compare the final result with the constraints in the question.',
  'The reasoning flows from the given information without gaps I can see.',
  'One of the intermediate steps deserves a second check.',
];

/** `count` reasoning sentences (numbered when the reply is long and step-by-step). */
export function filler(kind: 'solve' | 'review', count: number, numbered: boolean, prng: Prng): string {
  const pool = kind === 'solve' ? SOLVE_SENTENCES : REVIEW_SENTENCES;
  const out: string[] = [];
  let order = prng.shuffle(pool);
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % pool.length === 0) order = prng.shuffle(pool);
    const s = order[i % pool.length]!;
    out.push(numbered ? `Step ${i + 1}: ${s}` : s);
  }
  return numbered ? out.join('\n') : out.join(' ');
}
