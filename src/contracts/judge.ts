import type { ChatMessage } from '../llm/types.js';
import { readLastSection, readSection, section } from './tags.js';

/**
 * The pairwise judge's request and reply format. The optimizer builds requests with
 * `buildJudgeMessages`; the simulated model recognises them with `parseJudgeRequest`.
 */

export type JudgeSignal = 'local' | 'lookahead' | 'global';
export type Verdict = 'A' | 'B' | 'TIE';

export interface JudgeRequestData {
  signal: JudgeSignal;
  /** Role of the agent whose outputs are compared. */
  agentRole: string;
  rubric: string;
  question: string;
  /** What the compared agent saw from upstream, when relevant. */
  context?: string;
  outputA: string;
  outputB: string;
}

export const JUDGE_SYSTEM_PROMPT = [
  'You are an impartial judge comparing two outputs of the same agent in a multi-agent LLM system.',
  'Judge only by the rubric and the task; ignore which output comes first and how long it is.',
  'Think briefly, then end your reply with exactly one line: `VERDICT: A`, `VERDICT: B` or `VERDICT: TIE`.',
].join('\n');

export function buildJudgeMessages(data: JudgeRequestData): ChatMessage[] {
  const parts = [
    section('judge_signal', data.signal),
    section('agent_role', data.agentRole),
    section('rubric', data.rubric),
    section('question', data.question),
  ];
  if (data.context !== undefined) parts.push(section('context', data.context));
  parts.push(section('output_a', data.outputA), section('output_b', data.outputB));
  return [
    { role: 'system', content: JUDGE_SYSTEM_PROMPT },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

export function isJudgeRequest(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'system' && m.content === JUDGE_SYSTEM_PROMPT);
}

export function parseJudgeRequest(messages: readonly ChatMessage[]): JudgeRequestData | null {
  if (!isJudgeRequest(messages)) return null;
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const signal = readSection(user, 'judge_signal')?.body;
  const outputA = readSection(user, 'output_a');
  const outputB = outputA ? readSection(user, 'output_b', outputA.end) : null;
  const question = readSection(user, 'question');
  if (!signal || !outputA || !outputB || !question) return null;
  if (signal !== 'local' && signal !== 'lookahead' && signal !== 'global') return null;
  const context = readSection(user, 'context', question.end);
  return {
    signal,
    agentRole: readSection(user, 'agent_role')?.body ?? '',
    rubric: readSection(user, 'rubric')?.body ?? '',
    question: question.body,
    ...(context && context.end < outputA.end ? { context: context.body } : {}),
    outputA: outputA.body,
    outputB: outputB.body,
  };
}

/** The verdict of a judge reply; null when it states none (callers count that as a tie and as a parse failure). */
export function parseVerdict(reply: string): Verdict | null {
  const matches = [...reply.matchAll(/VERDICT:\s*\**\s*(A|B|TIE)\b/gi)];
  const last = matches.at(-1);
  if (!last) return null;
  return last[1]!.toUpperCase() as Verdict;
}

export function formatVerdict(reasoning: string, verdict: Verdict): string {
  return `${reasoning.trim()}\nVERDICT: ${verdict}`;
}

/** Marker reused by replies that quote sections. */
export const readJudgeSection = readLastSection;
