import type { ChatMessage } from '../llm/types.js';
import { type GradeRequestData, parseGradeRequest } from './grade.js';
import { type JudgeRequestData, parseJudgeRequest } from './judge.js';
import { type ProposalRequestData, parseProposalRequest } from './proposal.js';

export * from './context.js';
export * from './grade.js';
export * from './judge.js';
export * from './proposal.js';

export type RecognizedRequest =
  | { kind: 'judge'; data: JudgeRequestData }
  | { kind: 'optimizer'; data: ProposalRequestData }
  | { kind: 'grade'; data: GradeRequestData }
  | { kind: 'agent' };

/** Classifies a request by the output contract it asks for; anything else is an agent call. */
export function recognizeRequest(messages: readonly ChatMessage[]): RecognizedRequest {
  const judge = parseJudgeRequest(messages);
  if (judge) return { kind: 'judge', data: judge };
  const grade = parseGradeRequest(messages);
  if (grade) return { kind: 'grade', data: grade };
  const proposal = parseProposalRequest(messages);
  if (proposal) return { kind: 'optimizer', data: proposal };
  return { kind: 'agent' };
}
