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
    expect(md).toContain('<details><summary><b>reflector</b> — unchanged vs baseline (depth 0)</summary>');
  });

  it('also diffs against the seed prompt when the harness knows it', () => {
    const withSeed = structuredClone(current);
    withSeed.prompts!.agents.solver!.seed = 'Solve {{question}}.';
    withSeed.prompts!.agents.reflector!.seed = 'Check {{context}}';
    const text = renderMarkdown(withSeed, baseline, verdict);
    expect(text).toContain(
      '<details><summary><b>solver</b> — changed vs baseline, differs from the seed (depth 2)</summary>',
    );
    expect(text).toContain(
      "Diff against the config's seed prompt:\n\n```diff\n Solve {{question}}.\n+Think step by step.\n+Put the answer in \\boxed{}.\n```",
    );
    expect(text).toContain('<b>reflector</b> — unchanged vs baseline, same as the seed (depth 0)');
  });

  it('lists the flipped items per benchmark, collapsed and capped, with answers before → now, gold and agents', () => {
    const flips = md.slice(md.indexOf('### Flipped items'));
    expect(flips).toContain(
      '<details><summary><b>math500</b>: 20 newly wrong, 2 newly right, 0 newly misaligned (of 100 paired)</summary>',
    );
    const rows = flips.split('\n').filter((l) => /^\| newly /.test(l));
    expect(rows).toHaveLength(10); // default cap
    expect(rows[0]).toBe(
      '| newly wrong | `math500/0` | `42` → `7` | `42` | reflector `7` ✗<br>solver `7` ✗ |',
    );
    expect(flips).toContain('… and 12 more: the dashboard lists every flipped item.');
    const all = renderMarkdown(current, baseline, verdict, { maxFlips: 100 });
    expect(all.split('\n').filter((l) => /^\| newly right /.test(l))).toEqual([
      '| newly right | `math500/70` | `7` → `42` | `42` | reflector `42` ✓<br>solver `42` ✓ |',
      '| newly right | `math500/71` | `7` → `42` | `42` | reflector `42` ✓<br>solver `42` ✓ |',
    ]);
  });

  it('tells the misalignment story: the agent was right, the final answer wrong', () => {
    const misBase = outcomes(40, 20);
    const now = run({ math500: misBase.map((o, i) => (i < 8 ? { correct: false, misaligned: true } : o)) });
    const b = baselineOf({ math500: misBase });
    const text = renderMarkdown(now, b, evaluateGate(now, b));
    expect(text).toContain('8 newly wrong, 0 newly right, 8 newly misaligned (of 40 paired)');
    expect(text).toContain(
      '| newly misaligned | `math500/0` | `42` → `7` | `42` | reflector `7` ✗<br>solver `42` ✓ |',
    );
  });

  it('shows no flips without a baseline, and escapes pipes in answers', () => {
    expect(renderMarkdown(current, undefined, evaluateGate(current, undefined))).not.toContain('Flipped');
    const odd = structuredClone(current);
    odd.items.math500![0]!.extracted = 'a|b';
    expect(renderMarkdown(odd, baseline, verdict)).toContain('`42` → `a\\|b`');
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
