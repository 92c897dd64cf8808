/**
 * Math grading: final-answer extraction and equivalence.
 *
 * Pipeline for `mathEquivalent(a, b)`: our own normaliser (math-normalize.ts) → structure split (tuples,
 * intervals with their bracket kinds, unordered sets and comma lists, unions, matrices) → per element:
 * string equality, text answers case-insensitively, multiple-choice letters, then LaTeX parsed by
 * @cortex-js/compute-engine and compared numerically (free variables: random-point evaluation) by our
 * bounded evaluator (math-eval.ts), under a wall-clock deadline.
 */
import type { Item } from '../datasets/types.js';
import { expressionsAgree, isRelation, MathDeadlineError, parseLatex, relationsAgree } from './math-eval.js';
import {
  type MathNode,
  matchBrace,
  normalizeMath,
  parseStructure,
  stripMathDelimiters,
} from './math-normalize.js';
import type { Score, Scorer } from './types.js';

export { normalizeMath } from './math-normalize.js';

/** Inputs longer than this are compared as normalised strings only. */
const MAX_ANSWER_CHARS = 2000;
/** Default wall-clock budget for one comparison. */
export const DEFAULT_MATH_DEADLINE_MS = 2000;

// ---------------------------------------------------------------------------------------------------------
// Extraction

interface Found {
  at: number;
  end: number;
  text: string;
}

/** All `\boxed{…}` / `\fbox{…}` (brace-matched) and `\boxed 5` forms, in order. */
function findBoxes(text: string): Found[] {
  const out: Found[] = [];
  const re = /\\(?:boxed|fbox)(?![a-zA-Z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let j = m.index + m[0].length;
    while (text[j] === ' ') j++;
    if (text[j] === '{') {
      const end = matchBrace(text, j);
      if (end < 0) continue; // unbalanced: a truncated reply
      out.push({ at: m.index, end: end + 1, text: text.slice(j + 1, end) });
      re.lastIndex = end + 1;
    } else if (j > m.index + m[0].length) {
      // `\boxed 5`: up to whitespace or `$`
      const rest = /^[^\s$]+/.exec(text.slice(j));
      if (rest) out.push({ at: m.index, end: j + rest[0].length, text: rest[0] });
    }
  }
  return out;
}

/** The last box, joined with boxes right before it that the model meant as one answer ("\boxed{1} and \boxed{2}"). */
function lastBoxed(text: string): Found | null {
  const boxes = findBoxes(text);
  const last = boxes[boxes.length - 1];
  if (!last) return null;
  const parts = [last.text.trim()];
  let first = last;
  for (let i = boxes.length - 2; i >= 0; i--) {
    const prev = boxes[i]!;
    const between = text.slice(prev.end, first.at);
    if (!/^[\s$,;]*(?:,|and|or|\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad)?[\s$,;]*$/.test(between)) break;
    if (between.trim() === '' && between.length > 10) break;
    const t = prev.text.trim();
    if (!parts.includes(t)) parts.unshift(t);
    first = prev;
  }
  return { at: first.at, end: last.end, text: parts.join(', ') };
}

function lastAnswerTag(text: string): Found | null {
  const re = /<answer>([\s\S]*?)<\/answer>/gi;
  let best: Found | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) best = { at: m.index, end: re.lastIndex, text: m[1]! };
  return best;
}

/** "The final answer is X", "Final answer: X", "the answer is X", "Answer: X" — the last one. */
function lastAnchored(text: string): Found | null {
  const re = /(?:final\s+answer\s*(?:is|:)|the\s+answer\s+is|\banswer\s*:|\banswer\s+is)\s*:?\s*/gi;
  let best: Found | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const rest = text.slice(start);
    let ans: string | null = null;
    const math = /^(\$\$?|\\\(|\\\[)/.exec(rest);
    if (math) {
      const close = math[1] === '\\(' ? '\\)' : math[1] === '\\[' ? '\\]' : math[1]!;
      const end = rest.indexOf(close, math[1]!.length);
      if (end > 0) ans = rest.slice(math[1]!.length, end);
    }
    if (ans === null) {
      const line = rest.split('\n')[0] ?? '';
      // up to a sentence end: ". " or a final "." (not a decimal point)
      const cut = /\.(?:\s|$)|;|\s+(?:because|since|which|as)\s/.exec(line);
      ans = cut ? line.slice(0, cut.index) : line;
    }
    ans = ans.replace(/^\*\*|\*\*$/g, '').trim();
    if (ans !== '') best = { at: m.index, end: start + ans.length, text: ans };
  }
  return best;
}

/** A reply that is nothing but an answer ("3", "$\frac12$", "x = 5"). */
function bareAnswer(text: string): string | null {
  const t = stripMathDelimiters(text.trim().replace(/^\*\*|\*\*$/g, ''));
  if (t === '' || t.length > 80 || t.includes('\n')) return null;
  const prose = t.replace(/\\[a-zA-Z]+(\{[^{}]*\})?/g, ' ');
  if (/[a-zA-Z]{2,}['’]?[a-zA-Z]*\s+[a-zA-Z]{2,}/.test(prose)) return null;
  return t;
}

/**
 * The final answer a reply states: the last `\boxed{}`/`\fbox{}` (nested braces; consecutive boxes joined),
 * or the last `<answer>…</answer>` (whichever is later), else the last "final answer is"/"the answer is"/
 * "Answer:" phrase, else the whole reply when it is only an answer. Null when nothing is found.
 */
export function extractMathAnswer(text: string): string | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  const box = lastBoxed(text);
  const tag = lastAnswerTag(text);
  let found: Found | null = box;
  if (tag && (!box || tag.at > box.at || (tag.at < box.at && box.end <= tag.end))) {
    // a box inside the tag is the cleaner answer
    const inner = lastBoxed(tag.text);
    found = inner ?? tag;
  }
  if (!found) found = lastAnchored(text);
  // a box that never closes (truncated reply) is no answer, not a bare one
  let ans = found ? found.text : /\\(?:boxed|fbox)/.test(text) ? null : bareAnswer(text);
  if (ans === null) return null;
  ans = stripMathDelimiters(
    ans
      .trim()
      .replace(/^\*\*|\*\*$/g, '')
      .trim(),
  );
  ans = ans.replace(/[.。]\s*$/, '').trim();
  return ans === '' ? null : ans;
}

// ---------------------------------------------------------------------------------------------------------
// Equivalence

export interface MathCompareOptions {
  /** Wall-clock budget in ms (default 2000). Past it the comparison throws MathDeadlineError. */
  deadlineMs?: number;
}

const CHOICE_LETTER = /^[A-Z]$/;

function hasDecimal(s: string): boolean {
  return /\d\.\d/.test(s);
}

/** Base-n numerals like 52_8 compare as strings only. */
function isBaseNumeral(s: string): boolean {
  return /^\d+_\d+$/.test(s) || /^\d+\.\d+_\d+$/.test(s);
}

function isWord(s: string): boolean {
  return /^[A-Za-z][A-Za-z' -]*$/.test(s);
}

function scalarEqual(a: string, b: string, deadline: number): boolean {
  if (a === b) return true;
  if (a === '' || b === '') return false;
  // a letter gold vs "(C)4\sqrt{2}" (the option letter followed by its text): compare the letters
  if (CHOICE_LETTER.test(a) || CHOICE_LETTER.test(b)) {
    const lead = (s: string) => /^\(([A-Z])\)/.exec(s)?.[1] ?? s;
    return lead(a) === lead(b);
  }
  if (isBaseNumeral(a) || isBaseNumeral(b)) return false;
  if (isWord(a) && isWord(b) && a.toLowerCase() === b.toLowerCase()) return true;
  // words (names, "east", "ellipse") are not algebra: only equal as text
  if ((isWord(a) && a.length > 2) || (isWord(b) && b.length > 2)) return false;
  const ja = parseLatex(a);
  const jb = parseLatex(b);
  if (ja === null || jb === null) return false;
  if (JSON.stringify(ja) === JSON.stringify(jb)) return true;
  const ra = isRelation(ja);
  const rb = isRelation(jb);
  if (ra || rb) return ra && rb && relationsAgree(ja, jb, deadline);
  const decimal = hasDecimal(a) !== hasDecimal(b);
  return expressionsAgree(ja, jb, { rel: decimal ? 1e-6 : 1e-9 }, deadline) === true;
}

function nodesEqual(a: MathNode, b: MathNode, deadline: number): boolean {
  if (performance.now() > deadline) throw new MathDeadlineError('deadline');
  if (a.kind === 'scalar' && b.kind === 'scalar') return scalarEqual(a.text, b.text, deadline);
  // one-element sets behave like their element ("x = 3" vs "\{3\}")
  if (a.kind === 'set' && b.kind !== 'set') return unorderedEqual(a.items, [b], deadline);
  if (b.kind === 'set' && a.kind !== 'set') return unorderedEqual([a], b.items, deadline);
  if (a.kind === 'set' && b.kind === 'set') return unorderedEqual(a.items, b.items, deadline);
  if (a.kind === 'union' && b.kind === 'union') return unorderedEqual(a.parts, b.parts, deadline);
  if (a.kind === 'bracketed' && b.kind === 'bracketed') {
    if (a.open !== b.open || a.close !== b.close || a.items.length !== b.items.length) return false;
    return a.items.every((x, i) => nodesEqual(x, b.items[i]!, deadline));
  }
  if (a.kind === 'matrix' && b.kind === 'matrix') {
    if (a.rows.length !== b.rows.length) return false;
    return a.rows.every(
      (row, i) =>
        row.length === b.rows[i]!.length && row.every((x, j) => nodesEqual(x, b.rows[i]![j]!, deadline)),
    );
  }
  // a column vector written as a tuple
  const col = (m: MathNode): MathNode[] | null =>
    m.kind === 'matrix' && m.rows.every((r) => r.length === 1) ? m.rows.map((r) => r[0]!) : null;
  const tup = (m: MathNode): MathNode[] | null =>
    m.kind === 'bracketed' && m.open === '(' && m.close === ')' ? m.items : null;
  const ca = col(a) ?? tup(a);
  const cb = col(b) ?? tup(b);
  if ((a.kind === 'matrix') !== (b.kind === 'matrix') && ca && cb && ca.length === cb.length) {
    return ca.every((x, i) => nodesEqual(x, cb[i]!, deadline));
  }
  return false;
}

/** A set has no duplicates: drops items equivalent to an earlier one ("15\frac{39}{40}, \frac{639}{40}"). */
function dedupe(xs: MathNode[], deadline: number): MathNode[] {
  const out: MathNode[] = [];
  for (const x of xs) if (!out.some((y) => nodesEqual(x, y, deadline))) out.push(x);
  return out;
}

/** Perfect matching between two unordered lists (small n; backtracking). */
function unorderedEqual(xs0: MathNode[], ys0: MathNode[], deadline: number): boolean {
  let xs = xs0;
  let ys = ys0;
  if (xs.length !== ys.length) {
    xs = dedupe(xs, deadline);
    ys = dedupe(ys, deadline);
  }
  if (xs.length !== ys.length) return false;
  // bipartite matching (Kuhn's augmenting paths): polynomial, unlike trying permutations
  const memo = new Map<number, boolean>();
  const eq = (i: number, j: number): boolean => {
    const k = i * ys.length + j;
    let v = memo.get(k);
    if (v === undefined) {
      v = nodesEqual(xs[i]!, ys[j]!, deadline);
      memo.set(k, v);
    }
    return v;
  };
  const matchOfY = new Array<number>(ys.length).fill(-1);
  const augment = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < ys.length; j++) {
      if (seen[j] || !eq(i, j)) continue;
      seen[j] = true;
      if (matchOfY[j] === -1 || augment(matchOfY[j]!, seen)) {
        matchOfY[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < xs.length; i++) {
    if (performance.now() > deadline) throw new MathDeadlineError('deadline');
    if (!augment(i, new Array<boolean>(ys.length).fill(false))) return false;
  }
  return true;
}

/**
 * Whether two math answers are the same answer. Symmetric. Throws MathDeadlineError past the deadline
 * (gradeMath turns that into an error score).
 */
export function mathEquivalentOrThrow(a: string, b: string, options: MathCompareOptions = {}): boolean {
  const deadline = performance.now() + (options.deadlineMs ?? DEFAULT_MATH_DEADLINE_MS);
  const na = normalizeMath(a);
  const nb = normalizeMath(b);
  if (na === nb) return na !== '';
  if (na === '' || nb === '') return false;
  if (na.length > MAX_ANSWER_CHARS || nb.length > MAX_ANSWER_CHARS) return false;
  if (na.toLowerCase() === nb.toLowerCase() && isWord(na)) return true;
  return nodesEqual(parseStructure(na), parseStructure(nb), deadline);
}

/** Whether two math answers are equivalent; false (never a throw) past the deadline. */
export function mathEquivalent(a: string, b: string, options: MathCompareOptions = {}): boolean {
  try {
    return mathEquivalentOrThrow(a, b, options);
  } catch (err) {
    if (err instanceof MathDeadlineError) return false;
    throw err;
  }
}

/**
 * Grades a model reply against a gold answer. No extractable answer → `{ correct: false, extracted: null }`
 * (a wrong answer, not an error). A comparison past its deadline → correct: false with an `error`.
 */
export function gradeMath(prediction: string, gold: string, options: MathCompareOptions = {}): Score {
  const extracted = extractMathAnswer(prediction);
  if (extracted === null) return { correct: false, extracted: null };
  const goldAnswer = /\\(?:boxed|fbox)/.test(gold) ? (extractMathAnswer(gold) ?? gold) : gold;
  try {
    return { correct: mathEquivalentOrThrow(extracted, goldAnswer, options), extracted };
  } catch (err) {
    if (err instanceof MathDeadlineError) {
      const ms = options.deadlineMs ?? DEFAULT_MATH_DEADLINE_MS;
      return { correct: false, extracted, error: `math comparison exceeded its ${ms} ms deadline` };
    }
    return { correct: false, extracted, error: `math comparison failed: ${(err as Error).message}` };
  }
}

export const mathScorer: Scorer = {
  async score(item: Item, output: string): Promise<Score> {
    return gradeMath(output, item.gold);
  },
  extract(_item: Item, output: string): string | null {
    return extractMathAnswer(output);
  },
  same(_item: Item, a: string, b: string): boolean {
    return mathEquivalent(a, b);
  },
};
