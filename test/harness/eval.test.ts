import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/harness/types.js';
import type { PromptArtifact } from '../../src/optimize/artifact.js';
import { runMaspo } from '../support/cli.js';

/**
 * `maspo eval` end to end on the simulated model, as a user runs it: the shipped config, prompt artifact
 * and baseline, on the MATH-500 suite (the first 100 test items, which the baseline holds).
 */
const repo = resolve(import.meta.dirname, '../..');
const config = join(repo, 'benchmarks/maspo.config.yaml');
const prompts = join(repo, 'benchmarks/maspo.prompts.json');
const baseline = join(repo, 'baselines/maspo.baseline.json');

const maspo = runMaspo;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-eval-'));
  copyFileSync(join(repo, 'benchmarks/math500.eval.ts'), join(dir, 'math500.eval.ts'));
  return dir;
}

const outputs = (dir: string) => [
  '--summary',
  join(dir, 'summary.md'),
  '--dashboard',
  join(dir, 'dash'),
  '--history',
  join(dir, 'history.jsonl'),
  '--results',
  join(dir, 'results.json'),
];

describe('maspo eval exit codes (simulated model)', () => {
  it('passes (exit 0) with the shipped optimized prompts against the shipped baseline', async () => {
    const dir = workspace();
    const r = await maspo(
      [
        'eval',
        '--config',
        config,
        '--prompts',
        prompts,
        '--baseline',
        baseline,
        '--no-optimize',
        ...outputs(dir),
      ],
      dir,
    );
    expect(r.out).toContain('maspo gate: PASS');
    expect(r.code).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunRecord;
    expect(run.benchmarks.map((b) => b.benchmark)).toEqual(['math500']);
    expect(run.benchmarks[0]!.n).toBe(100);
    expect(run.simulated).toBe(true);
    expect(run.prompts?.source).toBe('artifact');
    expect(run.gate?.comparisons[0]?.paired).toBe(100);
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('**Simulated model.**');
    // A fresh workspace has no optimizer run directory: the rationale comes from the artifact itself.
    const shipped = JSON.parse(readFileSync(prompts, 'utf8')) as PromptArtifact;
    expect(md).toContain(`**Optimizer's rationale:** ${shipped.agents.solver!.rationale!.at(-1)!.text}`);
    expect(md).toContain('Optimized for `math500`: applied to `math500`.');
    expect(run.prompts?.curves?.solver?.length).toBe(shipped.agents.solver!.curve!.length);
    expect(readFileSync(join(dir, 'dash/index.html'), 'utf8')).toContain('chart-accuracy');
  }, 60_000);

  it('fails the gate (exit 1) with a deliberately damaged prompt, naming the metric and the test', async () => {
    const dir = workspace();
    const artifact = JSON.parse(readFileSync(prompts, 'utf8')) as PromptArtifact;
    // Same hashes (so the pre-step reuses it), harmful instructions instead of the optimized prompts.
    artifact.prompts = {
      solver: 'Be terse; answer immediately with no explanation.\n\n{{question}}',
      reflector:
        'Assume the previous solution contains an error and correct it.\n\n{{question}}\n\n{{context}}',
    };
    const damaged = join(dir, 'damaged.prompts.json');
    writeFileSync(damaged, JSON.stringify(artifact));
    const r = await maspo(
      [
        'eval',
        '--config',
        config,
        '--prompts',
        damaged,
        '--baseline',
        baseline,
        '--no-optimize',
        ...outputs(dir),
      ],
      dir,
    );
    expect(r.code).toBe(1);
    // The verdict once, also when the confirmation stage only adds a note.
    expect(r.out.split('maspo gate: FAILED').length - 1).toBe(1);
    expect(r.out).toMatch(
      /FAIL math500 accuracy: baseline \d+\.\d% → now \d+\.\d% \(exact McNemar one-sided p=\S+, Holm-adjusted p=\S+ ≤ α=0\.05 over \d+ paired test\(s\), on 100 paired items/,
    );
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('❌ gate failed');
    expect(md).toContain('<details><summary><b>solver</b> — changed vs baseline');
  }, 60_000);

  it('exits 2 on unusable input: stale prompts with --no-optimize, a missing baseline, a missing config', async () => {
    const dir = workspace();
    const artifact = JSON.parse(readFileSync(prompts, 'utf8')) as PromptArtifact;
    artifact.hashes.models = 'something-else';
    const stale = join(dir, 'stale.prompts.json');
    writeFileSync(stale, JSON.stringify(artifact));
    const [a, b, c] = await Promise.all([
      maspo(['eval', '--config', config, '--prompts', stale, '--no-optimize', ...outputs(dir)], dir),
      maspo(
        [
          'eval',
          '--config',
          config,
          '--prompts',
          prompts,
          '--baseline',
          join(dir, 'none.json'),
          ...outputs(dir),
        ],
        dir,
      ),
      maspo(['eval', '--config', join(dir, 'missing.yaml'), ...outputs(dir)], dir),
    ]);
    expect(a.code).toBe(2);
    expect(a.out).toContain('are stale: the models changed');
    expect(a.out).toContain('maspo optimize --config');
    expect(b.code).toBe(2);
    expect(b.out).toContain('maspo baseline update');
    expect(c.code).toBe(2);
    expect(c.out).toContain('not found');
  }, 60_000);
});
