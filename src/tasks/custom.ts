import { z } from 'zod';
import { buildGradeMessages, parseGradeVerdict } from '../contracts/grade.js';
import { type CustomTask, customMeta, type UserScorer } from '../datasets/custom.js';
import type { Item } from '../datasets/types.js';
import type { LlmClient } from '../llm/types.js';
import { extractMathAnswer } from './math.js';
import type { Score, Scorer } from './types.js';

/**
 * Scorers of inline benchmarks' answer tasks (exact, numeric, regex), the rubric judge, and a user's own
 * scorer function. The final answer is read as for math: the last \boxed{} or <answer>, else an
 * "answer is" phrase, else a reply that is only an answer.
 */

/** Case-, space- and wrapper-insensitive form of a short answer: `\text{Refund}.` → `refund`. */
export function normalizeExact(a: string): string {
  return a
    .replace(/\\text\{([^}]*)\}/g, '$1')
    .replace(/^["'`*]+|["'`*]+$/g, '')
    .replace(/[.!]+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** A number written plainly or with thousands separators, currency, percent or \text{} units; else null. */
export function parseNumber(a: string): number | null {
  const s = a
    .replace(/\\text\{[^}]*\}/g, '')
    .replace(/\\[,!;]|\\ /g, '')
    .replace(/\\?[$€£%]/g, '')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .trim();
  const m = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.exec(s);
  if (m) return Number(s);
  const frac = /^\\?d?frac\{(-?\d+)\}\{(\d+)\}$|^(-?\d+)\s*\/\s*(\d+)$/.exec(s);
  if (frac) {
    const n = Number(frac[1] ?? frac[3]);
    const d = Number(frac[2] ?? frac[4]);
    return d === 0 ? null : n / d;
  }
  return null;
}

export function numbersEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

const extract = (_item: Item, output: string) => extractMathAnswer(output);

export const exactScorer: Scorer = {
  async score(item, output) {
    const extracted = extractMathAnswer(output);
    return {
      correct: extracted !== null && normalizeExact(extracted) === normalizeExact(item.gold),
      extracted,
    };
  },
  extract,
  same: (_item, a, b) => normalizeExact(a) === normalizeExact(b),
};

export const numericScorer: Scorer = {
  async score(item, output) {
    const extracted = extractMathAnswer(output);
    const got = extracted === null ? null : parseNumber(extracted);
    const gold = parseNumber(item.gold);
    return { correct: got !== null && gold !== null && numbersEqual(got, gold), extracted };
  },
  extract,
  same(_item, a, b) {
    const x = parseNumber(a);
    const y = parseNumber(b);
    return x !== null && y !== null ? numbersEqual(x, y) : normalizeExact(a) === normalizeExact(b);
  },
};

/** The answer column is a regular expression; it must match the final answer (or the whole reply when none is marked). */
export const regexScorer: Scorer = {
  async score(item, output) {
    const extracted = extractMathAnswer(output);
    return { correct: new RegExp(item.gold).test(extracted ?? output), extracted };
  },
  extract,
  same: (_item, a, b) => normalizeExact(a) === normalizeExact(b),
};

export interface JudgeScorerOptions {
  client: LlmClient;
  /** The judge model reference (`models.judge`). */
  model: string;
  /** The benchmark's rubric (default: a generic correctness rubric). */
  rubric?: string;
  seed?: number;
}

export const DEFAULT_RUBRIC =
  'The answer responds to the question correctly and completely, without claims that contradict the reference answer.';

/**
 * LLM-as-judge with a rubric: one call per item through the LLM layer (metered, cached, budgeted like
 * every call). A reply whose verdict cannot be read strictly is an error, never a pass.
 */
export function createJudgeScorer(opts: JudgeScorerOptions): Scorer {
  return {
    async score(item, output, o) {
      const answer = output.trim();
      const extracted = answer === '' ? null : answer;
      if (extracted === null) return { correct: false, extracted: null };
      const rubric = customMeta(item)?.rubric ?? opts.rubric ?? DEFAULT_RUBRIC;
      const res = await opts.client.complete(
        {
          model: opts.model,
          role: 'judge',
          temperature: 0,
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          messages: buildGradeMessages({
            rubric,
            question: item.question,
            ...(item.gold.trim() ? { reference: item.gold } : {}),
            output: answer,
          }),
        },
        o?.signal ? { signal: o.signal } : undefined,
      );
      const verdict = parseGradeVerdict(res.text);
      if (!verdict) {
        return {
          correct: false,
          extracted,
          error: `judge verdict unparseable: the judge's reply does not end with "VERDICT: PASS" or "VERDICT: FAIL"`,
        };
      }
      return { correct: verdict === 'PASS', extracted, detail: `judge: ${verdict}` };
    },
    extract: (_item, output) => (output.trim() === '' ? null : output.trim()),
    same: (_item, a, b) => normalizeExact(a) === normalizeExact(b),
  };
}

const userScoreSchema = z.object({
  correct: z.boolean(),
  extracted: z.string().nullable().optional(),
  error: z.string().optional(),
  detail: z.string().optional(),
});

/**
 * A user's scorer function as a Scorer. A throw, or a return value that is not `{ correct: boolean, … }`,
 * is an error for that item. Per-agent answers are read with `base` (the task's extraction).
 */
export function userScorer(fn: UserScorer, base: Scorer): Scorer {
  return {
    async score(item, output) {
      let raw: unknown;
      try {
        raw = await fn(output, item);
      } catch (err) {
        return {
          correct: false,
          extracted: null,
          error: `scorer threw: ${(err as Error)?.message ?? String(err)}`,
        };
      }
      const r = userScoreSchema.safeParse(raw);
      if (!r.success) {
        return {
          correct: false,
          extracted: null,
          error: `scorer returned ${JSON.stringify(raw) ?? String(raw)}; expected { correct: boolean, extracted?: string }`,
        };
      }
      const s: Score = { correct: r.data.correct, extracted: r.data.extracted ?? null };
      if (r.data.error) s.error = r.data.error;
      if (r.data.detail) s.detail = r.data.detail;
      return s;
    },
    extract: base.extract,
    same: base.same,
  };
}

export const ANSWER_SCORERS: Record<Exclude<CustomTask, 'math' | 'choice' | 'code' | 'judge'>, Scorer> = {
  exact: exactScorer,
  numeric: numericScorer,
  regex: regexScorer,
};
