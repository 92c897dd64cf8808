import type { ChatMessage } from '../llm/types.js';
import { readAllSections, readLastSection, readSection, section } from './tags.js';

/**
 * The optimizer's proposal request and reply format. `src/optimize/propose.ts` builds requests with
 * `buildProposalMessages`; the simulated model reads them with `parseProposalRequest`.
 */

export interface ProposalTrace {
  question: string;
  context: string;
  output: string;
}

/** A local–global misalignment case (or, with `successCaseSampling`, a success case). */
export interface ProposalCase extends ProposalTrace {
  successorOutput?: string;
  finalOutput?: string;
  /** e.g. `local=win lookahead=loss global=loss` */
  verdicts: string;
}

export interface ProposalRequestData {
  agentId: string;
  agentRole: string;
  currentPrompt: string;
  traces: ProposalTrace[];
  /** Labelled failures: the agent's output looked better locally but hurt downstream. */
  failureCases: ProposalCase[];
  /** Only with the `successCaseSampling` switch. */
  successCases: ProposalCase[];
  rules: string;
  /** Set on the retry after a proposal failed validation. */
  validatorFeedback?: string;
}

export interface Proposal {
  prompt: string;
  rationale: string;
}

export const PROPOSAL_SYSTEM_PROMPT = [
  "You improve the role prompt of one agent in a multi-agent LLM system so that the system's final answers get better.",
  'You see the current prompt, execution traces, and failure cases where the agent looked good locally but its successors or the final answer went wrong.',
  'Reply with a short explanation inside <rationale>…</rationale>, then the complete new prompt inside <new_prompt>…</new_prompt>.',
].join('\n');

export function buildProposalMessages(data: ProposalRequestData): ChatMessage[] {
  const caseBlock = (c: ProposalCase) => {
    const parts = [
      section('question', c.question),
      section('context', c.context),
      section('output', c.output),
    ];
    if (c.successorOutput !== undefined) parts.push(section('successor_output', c.successorOutput));
    if (c.finalOutput !== undefined) parts.push(section('final_output', c.finalOutput));
    parts.push(section('verdicts', c.verdicts));
    return section('case', parts.join('\n'));
  };
  const parts = [
    section('agent_id', data.agentId),
    section('agent_role', data.agentRole),
    section('current_prompt', data.currentPrompt),
    section(
      'traces',
      data.traces
        .map((t) =>
          section(
            'trace',
            [
              section('question', t.question),
              section('context', t.context),
              section('output', t.output),
            ].join('\n'),
          ),
        )
        .join('\n'),
    ),
    section('failure_cases', data.failureCases.map(caseBlock).join('\n')),
  ];
  if (data.successCases.length > 0)
    parts.push(section('success_cases', data.successCases.map(caseBlock).join('\n')));
  parts.push(section('rules', data.rules));
  if (data.validatorFeedback) parts.push(section('validator_feedback', data.validatorFeedback));
  return [
    { role: 'system', content: PROPOSAL_SYSTEM_PROMPT },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

export function isProposalRequest(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'system' && m.content === PROPOSAL_SYSTEM_PROMPT);
}

export function parseProposalRequest(messages: readonly ChatMessage[]): ProposalRequestData | null {
  if (!isProposalRequest(messages)) return null;
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const currentPrompt = readSection(user, 'current_prompt')?.body;
  if (currentPrompt === undefined) return null;
  const parseTrace = (body: string): ProposalTrace => ({
    question: readSection(body, 'question')?.body ?? '',
    context: readSection(body, 'context')?.body ?? '',
    output: readSection(body, 'output')?.body ?? '',
  });
  const parseCase = (body: string): ProposalCase => {
    const successorOutput = readSection(body, 'successor_output')?.body;
    const finalOutput = readSection(body, 'final_output')?.body;
    return {
      ...parseTrace(body),
      ...(successorOutput !== undefined ? { successorOutput } : {}),
      ...(finalOutput !== undefined ? { finalOutput } : {}),
      verdicts: readSection(body, 'verdicts')?.body ?? '',
    };
  };
  const block = (tag: string) => readSection(user, tag)?.body ?? '';
  const feedback = readSection(user, 'validator_feedback')?.body;
  return {
    agentId: block('agent_id'),
    agentRole: block('agent_role'),
    currentPrompt,
    traces: readAllSections(block('traces'), 'trace').map(parseTrace),
    failureCases: readAllSections(block('failure_cases'), 'case').map(parseCase),
    successCases: readAllSections(block('success_cases'), 'case').map(parseCase),
    rules: block('rules'),
    ...(feedback !== undefined ? { validatorFeedback: feedback } : {}),
  };
}

export function formatProposal(p: Proposal): string {
  return `${section('rationale', p.rationale)}\n${section('new_prompt', p.prompt)}`;
}

/** The proposal in an optimizer reply, or null when the reply does not follow the contract. */
export function parseProposal(reply: string): Proposal | null {
  const prompt = readLastSection(reply, 'new_prompt');
  if (prompt === null || prompt.trim() === '') return null;
  return { prompt: prompt.trim(), rationale: (readLastSection(reply, 'rationale') ?? '').trim() };
}
