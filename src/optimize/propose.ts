import {
  buildProposalMessages,
  type ProposalCase,
  type ProposalTrace,
  parseProposal,
} from '../contracts/proposal.js';
import type { LlmClient } from '../llm/types.js';

/** Trace-guided proposals from the optimizer model, validated, with one retry on a validation failure. */

export interface PromptRules {
  /** Placeholders that must appear exactly once, e.g. ['{{question}}', '{{context}}']. */
  required: string[];
  maxChars: number;
}

/** Required placeholders of an agent: `{{question}}` always, `{{context}}` when the agent has predecessors or the seed prompt uses it. */
export function rulesFor(seedPrompt: string, hasPredecessors: boolean, maxChars: number): PromptRules {
  const required = ['{{question}}'];
  if (hasPredecessors || seedPrompt.includes('{{context}}')) required.push('{{context}}');
  return { required, maxChars };
}

export function describeRules(rules: PromptRules): string {
  return [
    "Keep the agent's role, responsibilities and input format unchanged.",
    `The new prompt must contain each of these placeholders exactly once: ${rules.required.join(', ')}.`,
    'Do not add other double-brace placeholders; literal braces (LaTeX, code) are fine.',
    `At most ${rules.maxChars} characters.`,
  ].join('\n');
}

const countOf = (text: string, needle: string) => text.split(needle).length - 1;

/** The validator's message, or null when the prompt is valid. */
export function validatePrompt(prompt: string, rules: PromptRules): string | null {
  const problems: string[] = [];
  if (prompt.trim() === '') problems.push('the prompt is empty');
  for (const p of rules.required) {
    const n = countOf(prompt, p);
    if (n !== 1) problems.push(`${p} must appear exactly once (found ${n})`);
  }
  for (const m of prompt.matchAll(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g)) {
    const ph = `{{${m[1]}}}`;
    if (!rules.required.includes(ph) && m[1] !== 'question' && m[1] !== 'context') {
      problems.push(`unknown placeholder ${m[0]}`);
    }
  }
  if (!rules.required.includes('{{context}}') && prompt.includes('{{context}}')) {
    problems.push('{{context}} is not available to this agent (it has no upstream agents)');
  }
  if (prompt.length > rules.maxChars)
    problems.push(`the prompt is ${prompt.length} characters, over the limit of ${rules.maxChars}`);
  return problems.length === 0
    ? null
    : `Your previous proposal was rejected: ${problems.join('; ')}. Propose again following the rules.`;
}

export interface ProposeInput {
  agentId: string;
  agentRole: string;
  currentPrompt: string;
  traces: ProposalTrace[];
  failureCases: ProposalCase[];
  successCases: ProposalCase[];
  rules: PromptRules;
}

export interface ProposeConfig {
  client: LlmClient;
  model: string;
  temperature: number;
  /** Seed passed to the provider, so a proposal is reproducible and cacheable. */
  seed: number;
  signal?: AbortSignal;
}

export type ProposalOutcome =
  | { ok: true; prompt: string; rationale: string; attempts: number; failures: string[] }
  | { ok: false; attempts: number; failures: string[] };

/** Asks the optimizer for a new prompt; on an unparseable or invalid reply retries once with the validator's message. */
export async function propose(cfg: ProposeConfig, input: ProposeInput): Promise<ProposalOutcome> {
  const failures: string[] = [];
  let feedback: string | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const messages = buildProposalMessages({
      agentId: input.agentId,
      agentRole: input.agentRole,
      currentPrompt: input.currentPrompt,
      traces: input.traces,
      failureCases: input.failureCases,
      successCases: input.successCases,
      rules: describeRules(input.rules),
      ...(feedback !== undefined ? { validatorFeedback: feedback } : {}),
    });
    const reply = await cfg.client.complete(
      { model: cfg.model, messages, temperature: cfg.temperature, seed: cfg.seed, role: 'optimizer' },
      cfg.signal ? { signal: cfg.signal } : {},
    );
    const parsed = parseProposal(reply.text);
    const problem = parsed
      ? validatePrompt(parsed.prompt, input.rules)
      : 'Your previous reply had no <new_prompt>…</new_prompt> section. Reply with <rationale>…</rationale> then <new_prompt>…</new_prompt>.';
    if (parsed && problem === null) {
      return { ok: true, prompt: parsed.prompt, rationale: parsed.rationale, attempts: attempt, failures };
    }
    failures.push(problem!);
    feedback = problem!;
  }
  return { ok: false, attempts: 2, failures };
}
