import { formatGradeVerdict, type GradeRequestData } from '../../contracts/grade.js';
import { formatVerdict, type JudgeRequestData, type Verdict } from '../../contracts/judge.js';
import type { Item } from '../../datasets/types.js';
import { hash32, Prng } from '../../util/prng.js';
import type { ProviderCall } from '../types.js';
import { isCanonicalCode, nonceOf, type SimState, sigmoid } from './agent.js';
import { codeOf, hasDemoCall } from './code.js';
import { inMisleadingStyle } from './phenomena.js';
import { answerCorrect, isMarked, readAnswer } from './text.js';

/** Whether an output's answer is right (null when the item is unknown). The judge reads every style. */
export function outputCorrect(item: Item | undefined, output: string): boolean | null {
  if (!item) return null;
  if (item.task === 'code') {
    const c = codeOf(output).code;
    return isCanonicalCode(item, c) && !hasDemoCall(c);
  }
  const r = readAnswer(output);
  return r ? answerCorrect(item, r.answer) : false;
}

export interface JudgeDecision {
  verdict: Verdict;
  /** Whether correctness decided (one output right, one wrong) or surface cues did. */
  basis: 'correctness' | 'surface' | 'identical';
}

export function judgeDecision(state: SimState, data: JudgeRequestData, call: ProviderCall): JudgeDecision {
  const j = state.world.judge;
  if (data.outputA.trim() === data.outputB.trim()) return { verdict: 'TIE', basis: 'identical' };
  const item = state.index.byQuestion(data.question) ?? state.index.find(data.question)?.item;
  const u = Prng.from(
    'sim-judge',
    hash32(call.messages.map((m) => `${m.role}\u0001${m.content}`).join('\u0002')),
    nonceOf(call),
  ).next();
  const ca = outputCorrect(item, data.outputA);
  const cb = outputCorrect(item, data.outputB);
  if (ca !== null && cb !== null && ca !== cb) {
    const right: Verdict = ca ? 'A' : 'B';
    const p = j.accuracy + (right === 'A' ? j.positionBias : -j.positionBias);
    return { verdict: u < p ? right : right === 'A' ? 'B' : 'A', basis: 'correctness' };
  }
  const lenA = Math.max(1, data.outputA.length);
  const lenB = Math.max(1, data.outputB.length);
  const mA = isMarked(data.outputA) ? 1 : 0;
  const mB = isMarked(data.outputB) ? 1 : 0;
  const style = state.world.phenomena.misleadingStyle;
  const sA = inMisleadingStyle(data.outputA) ? 1 : 0;
  const sB = inMisleadingStyle(data.outputB) ? 1 : 0;
  const s =
    j.lengthWeight * Math.log(lenA / lenB) +
    j.markedWeight * (mA - mB) +
    style.strength * style.judgePreference * (sA - sB);
  const pA = Math.min(1, Math.max(0, sigmoid(j.sharpness * s) + j.positionBias));
  return { verdict: u < pA ? 'A' : 'B', basis: 'surface' };
}

export function judgeReply(state: SimState, data: JudgeRequestData, call: ProviderCall): string {
  const d = judgeDecision(state, data, call);
  const reasoning =
    d.basis === 'identical'
      ? 'Both outputs are the same.'
      : d.basis === 'correctness'
        ? `Checking both outputs against the task, output ${d.verdict}'s result holds up better.`
        : `Both outputs reach a similar conclusion; output ${d.verdict} is more thorough and better explained.`;
  return formatVerdict(reasoning, d.verdict);
}

/**
 * The rubric grader (task judge of an inline benchmark): PASS when the answer is right, as accurately as
 * the pairwise judge (`judge.accuracy`); an unknown question is graded by whether an answer is marked.
 */
export function gradeReply(state: SimState, data: GradeRequestData, call: ProviderCall): string {
  const item = state.index.byQuestion(data.question) ?? state.index.find(data.question)?.item;
  const u = Prng.from(
    'sim-grade',
    hash32(call.messages.map((m) => `${m.role}\u0001${m.content}`).join('\u0002')),
    nonceOf(call),
  ).next();
  const right = outputCorrect(item, data.output) ?? isMarked(data.output);
  const pass = u < state.world.judge.accuracy ? right : !right;
  return formatGradeVerdict(
    pass
      ? 'The answer addresses the question and agrees with the reference.'
      : 'The answer does not meet the rubric: its conclusion differs from what is asked.',
    pass ? 'PASS' : 'FAIL',
  );
}
