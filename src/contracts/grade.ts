import type { ChatMessage } from '../llm/types.js';
import { readSection, section } from './tags.js';

/**
 * The rubric grader's request and reply format (task `judge` of an inline benchmark): one output, a
 * rubric, the reference answer when there is one → PASS or FAIL. The judge scorer builds requests with
 * `buildGradeMessages`; the simulated model recognises them with `parseGradeRequest`.
 */

export type GradeVerdict = 'PASS' | 'FAIL';

export interface GradeRequestData {
  rubric: string;
  question: string;
  /** The reference answer, when the item has one. */
  reference?: string;
  output: string;
}

export const GRADE_SYSTEM_PROMPT = [
  'You are a strict grader. Decide whether the answer below meets the rubric for the question.',
  'When a reference answer is given, the answer must agree with it in substance (wording may differ).',
  'Think briefly, then end your reply with exactly one line: `VERDICT: PASS` or `VERDICT: FAIL`.',
].join('\n');

export function buildGradeMessages(data: GradeRequestData): ChatMessage[] {
  const parts = [section('rubric', data.rubric), section('question', data.question)];
  if (data.reference !== undefined) parts.push(section('reference_answer', data.reference));
  parts.push(section('answer', data.output));
  return [
    { role: 'system', content: GRADE_SYSTEM_PROMPT },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

export function parseGradeRequest(messages: readonly ChatMessage[]): GradeRequestData | null {
  if (!messages.some((m) => m.role === 'system' && m.content === GRADE_SYSTEM_PROMPT)) return null;
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const rubric = readSection(user, 'rubric');
  const question = rubric ? readSection(user, 'question', rubric.end) : null;
  if (!rubric || !question) return null;
  const reference = readSection(user, 'reference_answer', question.end);
  const output = readSection(user, 'answer', reference?.end ?? question.end);
  if (!output) return null;
  return {
    rubric: rubric.body,
    question: question.body,
    ...(reference ? { reference: reference.body } : {}),
    output: output.body,
  };
}

/**
 * The verdict of a grader reply, read strictly: the last non-empty line must be exactly
 * `VERDICT: PASS` or `VERDICT: FAIL` (case and surrounding `*` or backticks aside). Anything else is
 * null — the caller reports an error, never a pass.
 */
export function parseGradeVerdict(reply: string): GradeVerdict | null {
  const last = reply
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  const m = last ? /^[*`\s]*VERDICT:\s*(PASS|FAIL)[*`.\s]*$/i.exec(last) : null;
  return m ? (m[1]!.toUpperCase() as GradeVerdict) : null;
}

export function formatGradeVerdict(reasoning: string, verdict: GradeVerdict): string {
  return `${reasoning.trim()}\nVERDICT: ${verdict}`;
}
