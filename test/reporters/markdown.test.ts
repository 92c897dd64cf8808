import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/harness/gate.js';
import { MAX_COMMENT_CHARS, promptDiff, renderMarkdown, STICKY_MARKER } from '../../src/harness/markdown.js';
import { baselineOf, outcomes, perturb, run } from '../harness/synthetic.js';

const base = outcomes(100, 70);

describe('markdown summary', () => {
  const current = run({ math500: perturb(base, 20, 2) });
  current.prompts = {
    source: 'artifact',
    path: 'maspo.prompts.json',
    hash: 'abcdef0123456789',
    agents: {
      solver: {
        prompt: 'Solve {{question}}.\nThink step by step.\nPut the answer in \\boxed{}.',
        rationale: 'Asked for explicit steps.',
        depth: 2,
      },
      reflector: { prompt: 'Check {{context}}', depth: 0 },
    },
  };
  const baseline = baselineOf({ math500: base });
  baseline.prompts = {
    solver: 'Solve {{question}}.\nPut the answer in \\boxed{}.',
    reflector: 'Check {{context}}',
  };
  const verdict = evaluateGate(current, baseline);
  const md = renderMarkdown(current, baseline, verdict);

  it('shows accuracy with its Wilson CI, the paired delta, misalignment, errors and usage', () => {
    expect(md.startsWith(STICKY_MARKER)).toBe(true);
    expect(md).toContain('❌ gate failed');
    const row = md.split('\n').find((l) => l.startsWith('| math500 '))!;
    const [lo, hi] = current.benchmarks[0]!.accuracyCi;
    expect(row).toContain(`52.0% (${(100 * lo).toFixed(1)}%–${(100 * hi).toFixed(1)}%)`);
    expect(row).toContain('−18.0 pt (p=0.000, 100 paired)');
    expect(row).toContain('| 200 |'); // calls
    expect(row).toContain('10,000 / 5,000');
    expect(md).toMatch(/- FAIL math500 accuracy: baseline 70\.0% → now 52\.0% \(exact McNemar/);
  });

  it('labels simulated results with a banner', () => {
    expect(md).toContain('**Simulated model.**');
    const real = { ...current, simulated: false };
    expect(renderMarkdown(real, baseline, verdict)).not.toContain('Simulated model');
  });

  it('puts a collapsed prompt diff with the rationale per agent', () => {
    expect(md).toContain('<details><summary><b>solver</b> — changed vs baseline (depth 2)</summary>');
    expect(md).toContain("**Optimizer's rationale:** Asked for explicit steps.");
    expect(md).toContain(
      '```diff\n Solve {{question}}.\n+Think step by step.\n Put the answer in \\boxed{}.\n```',
    );
    expect(md).toContain('<details><summary><b>reflector</b> — unchanged (depth 0)</summary>');
  });

  it('stays under the PR comment limit', () => {
    const huge = structuredClone(current);
    huge.prompts!.agents.solver!.prompt = 'x\n'.repeat(80_000);
    const text = renderMarkdown(huge, baseline, verdict);
    expect(text.length).toBeLessThan(MAX_COMMENT_CHARS + 500);
    expect(text).toContain('truncated');
  });

  it('diffs prompts line by line', () => {
    expect(promptDiff('a\nb\n', 'a\nc\n')).toBe(' a\n-b\n+c');
    expect(promptDiff('same', 'same')).toBe('');
  });
});
