import { describe, expect, it } from 'vitest';
import {
  buildJudgeMessages,
  buildProposalMessages,
  formatContext,
  formatProposal,
  parseContext,
  parseProposal,
  parseVerdict,
  recognizeRequest,
  stripContext,
} from '../src/contracts/index.js';

describe('request contracts', () => {
  it('round-trips a judge request and recognises it', () => {
    const data = {
      signal: 'lookahead' as const,
      agentRole: 'reflector',
      rubric: 'Is the answer right?',
      question: 'What is $\\frac{1}{2}+\\frac{1}{2}$?',
      context: 'ctx',
      outputA: 'It is \\boxed{1}',
      outputB: 'It is 2',
    };
    const r = recognizeRequest(buildJudgeMessages(data));
    expect(r).toEqual({ kind: 'judge', data });
  });

  it('round-trips a proposal request with cases and feedback', () => {
    const data = {
      agentId: 'solver',
      agentRole: 'solver',
      currentPrompt: 'Solve: {{question}}',
      traces: [{ question: 'q1', context: '(none)', output: 'o1' }],
      failureCases: [
        {
          question: 'q2',
          context: 'c',
          output: 'o2',
          successorOutput: 's',
          finalOutput: 'f',
          verdicts: 'local=win',
        },
      ],
      successCases: [],
      rules: 'Keep {{question}}.',
      validatorFeedback: 'missing {{question}}',
    };
    const r = recognizeRequest(buildProposalMessages(data));
    expect(r).toEqual({ kind: 'optimizer', data });
  });

  it('treats anything else as an agent call', () => {
    expect(recognizeRequest([{ role: 'user', content: 'VERDICT: A <new_prompt>x</new_prompt>' }])).toEqual({
      kind: 'agent',
    });
  });

  it('parses verdicts and proposals from replies', () => {
    expect(parseVerdict('A is better.\nVERDICT: B')).toBe('B');
    expect(parseVerdict('verdict: tie')).toBe('TIE');
    expect(parseVerdict('no idea')).toBeNull();
    expect(parseProposal(formatProposal({ prompt: 'New {{question}}', rationale: 'why' }))).toEqual({
      prompt: 'New {{question}}',
      rationale: 'why',
    });
    expect(parseProposal('<new_prompt>  </new_prompt>')).toBeNull();
  });

  it('formats and parses context blocks', () => {
    const entries = [
      { agentId: 'solver', role: 'solver', text: 'x = \\boxed{3}' },
      { agentId: 'expert_2', role: 'expert', text: 'multi\nline' },
    ];
    const ctx = formatContext(entries);
    expect(parseContext(ctx)).toEqual(entries);
    const stripped = stripContext(`before\n${ctx}\nafter`);
    expect(stripped).not.toContain('boxed');
    expect(stripped).not.toContain('multi');
    expect(stripped.startsWith('before')).toBe(true);
    expect(stripped.endsWith('after')).toBe(true);
  });
});
