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
import {
  evaluateWith,
  exactInteger,
  expressionsAgree,
  freeVariables,
  isRelation,
  MathDeadlineError,
  parseLatex,
  relationsAgree,
} from './math-eval.js';
import { extractMathAnswer } from './math-extract.js';
import { type MathNode, normalizeMath, parseStructure } from './math-normalize.js';
import type { Score, Scorer } from './types.js';

export { extractMathAnswer } from './math-extract.js';
export { normalizeMath } from './math-normalize.js';

/** Answers longer than this (raw, before any normalisation) are compared as exact strings only. */
const MAX_ANSWER_CHARS = 2000;
/** Default wall-clock budget for one comparison. */
export const DEFAULT_MATH_DEADLINE_MS = 2000;

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
  // integers compare exactly, never with a float tolerance (99999999999 ≠ 100000000000)
  if (INTEGER.test(a) && INTEGER.test(b)) return BigInt(a) === BigInt(b);
  const ja = parseLatex(a);
  const jb = parseLatex(b);
  if (ja === null || jb === null) return false;
  if (JSON.stringify(ja) === JSON.stringify(jb)) return true;
  const ra = isRelation(ja);
  const rb = isRelation(jb);
  if (ra || rb) return ra && rb && relationsAgree(ja, jb, deadline);
  const integers = integerVerdict(ja, jb, deadline);
  if (integers !== null) return integers;
  const decimal = hasDecimal(a) !== hasDecimal(b);
  return expressionsAgree(ja, jb, { rel: decimal ? 1e-6 : 1e-9 }, deadline) === true;
}

const INTEGER = /^-?\d+$/;

/**
 * Exact integer comparison when at least one side is an exact integer (`12345678901`, `2^{40}`, `10!`):
 * both exact → BigInt equality; one exact → the other must evaluate to that same integer (as a double,
 * rounded only where doubles are exact, below 2^53). Null when neither side is an integer: then the
 * relative tolerance applies.
 */
function integerVerdict(ja: unknown, jb: unknown, deadline: number): boolean | null {
  if (freeVariables(ja).size > 0 || freeVariables(jb).size > 0) return null;
  const ia = exactInteger(ja);
  const ib = exactInteger(jb);
  if (ia !== null && ib !== null) return ia === ib;
  const exact = ia ?? ib;
  if (exact === null) return null;
  const v = evaluateWith(ia === null ? ja : jb, new Map(), deadline);
  if (v === null || v.im !== 0 || !Number.isFinite(v.re)) return null;
  const n = Number(exact);
  if (Math.abs(n) < 2 ** 53) {
    const r = Math.round(v.re);
    return r === n && Math.abs(v.re - r) <= 1e-9 * Math.max(1, Math.abs(v.re));
  }
  return v.re === n;
}

/** A bare list ("1, 3", `{1,3}`) against a parenthesised tuple: compared in order. */
function bareListAsTuple(a: MathNode, b: MathNode): MathNode[] | null {
  if (a.kind === 'set' && a.bare && b.kind === 'bracketed' && b.open === '(' && b.close === ')') {
    return a.items.length === b.items.length ? a.items : null;
  }
  return null;
}

function nodesEqual(a: MathNode, b: MathNode, deadline: number): boolean {
  if (performance.now() > deadline) throw new MathDeadlineError('deadline');
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (scalarEqual(a.text, b.text, deadline)) return true;
    // "y = -\frac12 x + \frac34" against "2x+4y-3=0": the equations, not the value, are the answers
    return (
      (a.full !== undefined || b.full !== undefined) &&
      scalarEqual(a.full ?? a.text, b.full ?? b.text, deadline)
    );
  }
  const listA = bareListAsTuple(a, b);
  if (listA && b.kind === 'bracketed') return listA.every((x, i) => nodesEqual(x, b.items[i]!, deadline));
  const listB = bareListAsTuple(b, a);
  if (listB && a.kind === 'bracketed') return listB.every((x, i) => nodesEqual(a.items[i]!, x, deadline));
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
  // the cap applies before any normalisation work: a 100 000-digit "answer" is only compared as a string
  if (a.length > MAX_ANSWER_CHARS || b.length > MAX_ANSWER_CHARS)
    return a.trim() !== '' && a.trim() === b.trim();
  const na = normalizeMath(a);
  const nb = normalizeMath(b);
  if (performance.now() > deadline) throw new MathDeadlineError('deadline');
  if (na === nb) return na !== '';
  if (na === '' || nb === '') return false;
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
