import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSystem, loadConfig } from '../../src/config/index.js';
import { promptsForSuite } from '../../src/harness/define.js';
import { appliesTo } from '../../src/harness/markdown.js';
import { promptsInfoFromArtifact } from '../../src/harness/runinfo.js';
import { readArtifact } from '../../src/optimize/artifact.js';
import { outcomes, run } from './synthetic.js';

const repo = resolve(import.meta.dirname, '../..');

/** Which suites of benchmarks/maspo.config.yaml get the math-optimized prompts of the shipped artifact. */
describe('scope of optimized prompts across the six suites', async () => {
  const config = await loadConfig(resolve(repo, 'benchmarks/maspo.config.yaml'));
  const artifact = readArtifact(resolve(repo, 'benchmarks/maspo.prompts.json'));
  const info = promptsInfoFromArtifact(artifact, { source: 'artifact' });

  it('the artifact records the benchmark it was optimized for', () => {
    expect(artifact.benchmark).toBe('math500');
    expect(info.benchmarks).toEqual(['math500']);
  });

  it('applies the optimized prompts to their own benchmark only', () => {
    const math = buildSystem(config, 'math500');
    expect(promptsForSuite(info, math, 'math500')).toEqual(artifact.prompts);
    for (const b of ['gpqa-diamond', 'mbpp', 'humaneval-et', 'aqua', 'agieval-math'] as const) {
      const system = buildSystem(config, b);
      expect(promptsForSuite(info, system, b), b).toBeUndefined();
    }
  });

  it('code and choice suites keep seed prompts of their own task type', () => {
    const seeds = (b: 'math500' | 'mbpp' | 'aqua') =>
      Object.fromEntries(buildSystem(config, b).agents.map((a) => [a.id, a.prompt]));
    expect(seeds('mbpp').solver).not.toEqual(seeds('math500').solver);
    expect(seeds('aqua').solver).not.toEqual(seeds('math500').solver);
    // The optimized solver prompt is a math prompt: it must never reach a code or choice suite.
    expect(artifact.prompts.solver).toMatch(/mathematician/);
  });

  it("never turns the config's own prompts (--seed-prompts) into overrides", () => {
    const seed = { ...info, source: 'config' as const, benchmarks: ['math500', 'mbpp'] };
    expect(promptsForSuite(seed, buildSystem(config, 'mbpp'), 'mbpp')).toBeUndefined();
    expect(promptsForSuite(seed, buildSystem(config, 'math500'), 'math500')).toBeUndefined();
  });

  it('does not apply prompts whose benchmark is unrecorded', () => {
    const { benchmarks: _b, ...unscoped } = info;
    expect(promptsForSuite(unscoped, buildSystem(config, 'math500'), 'math500')).toBeUndefined();
  });

  it('the summary says which suites ran the optimized prompts', () => {
    const r = run({ math500: outcomes(10, 5), mbpp: outcomes(10, 5), aqua: outcomes(10, 5) });
    r.prompts = info;
    expect(appliesTo(r)).toBe(
      'Optimized for `math500`: applied to `math500`. `aqua`, `mbpp` ran their own seed prompts (never the prompts of another task).',
    );
  });
});
