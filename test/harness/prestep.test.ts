import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { currentHashes, resolvePrompts, StalePromptsError } from '../../src/harness/prestep.js';
import { promptsInfoFromArtifact } from '../../src/harness/runinfo.js';
import type { PromptArtifact } from '../../src/optimize/artifact.js';
import { requireDataDir } from '../support/data.js';

const dataDir = requireDataDir();

function configYaml(seed: number, cache = 'read-write'): string {
  return [
    'name: prestep-test',
    `seed: ${seed}`,
    'benchmark: math500',
    `data: { dir: ${JSON.stringify(dataDir)} }`,
    'system: { topology: sequential, rounds: 1 }',
    'models: { agent: sim:sim-small }',
    `llm: { cache: { mode: ${cache} } }`,
    'optimize: { poolSize: 8 }',
    '',
  ].join('\n');
}

async function artifactFor(configPath: string): Promise<PromptArtifact> {
  const config = await loadConfig(configPath);
  const hashes = await currentHashes(config, 'math500');
  const lineage = (h: string) => [
    { hash: 'seed', round: 0, generation: 0, R: null, J: 0 },
    { hash: h, round: 1, generation: 1, R: 0.7, J: 0.2 },
  ];
  return {
    format: 'maspo.prompts/v1',
    system: 'prestep-test/math500',
    benchmark: 'math500',
    strategy: 'maspo',
    seed: 1,
    simulated: true,
    models: { agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' },
    hashes,
    prompts: { solver: 'Solve {{question}} step by step.', reflector: 'Check {{context}} for {{question}}.' },
    agents: {
      solver: {
        prompt: 'Solve {{question}} step by step.',
        seedPrompt: 'Solve {{question}}',
        changed: true,
        hash: 'h-solver',
        J: 0.2,
        lineage: lineage('h-solver'),
      },
      reflector: {
        prompt: 'Check {{context}} for {{question}}.',
        seedPrompt: 'Check {{context}} for {{question}}.',
        changed: false,
        hash: 'seed',
        J: 0,
        lineage: lineage('seed').slice(0, 1),
      },
    },
    validation: null,
    stoppedBy: null,
  };
}

describe('optimization pre-step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-prestep-'));
  const cfg = join(dir, 'maspo.config.yaml');
  const prompts = join(dir, 'maspo.prompts.json');
  const runsDir = join(dir, 'runs');

  it('reuses an artifact whose hashes match, with rationale and curves from its run directory', async () => {
    writeFileSync(cfg, configYaml(1));
    const artifact = await artifactFor(cfg);
    writeFileSync(prompts, JSON.stringify(artifact));
    const run = join(runsDir, '20250101-000000-abc');
    mkdirSync(join(run, 'generations'), { recursive: true });
    writeFileSync(
      join(run, 'events.jsonl'),
      [
        { type: 'run-start', runId: 'x', strategy: 'maspo', steps: 2, hashes: artifact.hashes },
        { type: 'generation', step: 0, agent: 'solver', misalignmentRate: 0.4, bestJ: 0.1 },
        { type: 'generation', step: 1, agent: 'solver', misalignmentRate: 0.25, bestJ: 0.2 },
        { type: 'generation', step: 2, agent: 'reflector', misalignmentRate: 0.1, bestJ: 0 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    writeFileSync(
      join(run, 'generations', '000-solver-r1-g1.json'),
      JSON.stringify({ candidates: [{ hash: 'h-solver', rationale: 'Asked for steps.' }] }),
    );
    const r = await resolvePrompts({ configPath: cfg, promptsPath: prompts, noOptimize: true, runsDir });
    expect(r.action).toBe('reused');
    expect(r.prompts.source).toBe('artifact');
    expect(r.prompts.agents.solver).toEqual({
      prompt: 'Solve {{question}} step by step.',
      seed: 'Solve {{question}}',
      rationale: 'Asked for steps.',
      depth: 1,
    });
    expect(r.prompts.agents.reflector!.rationale).toMatch(/unchanged/);
    expect(r.prompts.curves).toEqual({
      solver: [
        { depth: 1, misalignmentRate: 0.4, score: 0.1 },
        { depth: 2, misalignmentRate: 0.25, score: 0.2 },
      ],
      reflector: [{ depth: 1, misalignmentRate: 0.1, score: 0 }],
    });
    expect(r.prompts.benchmarks).toEqual(['math500']);
  });

  it('reads rationale and curves from the artifact itself first (a fresh clone has no run directory)', async () => {
    writeFileSync(cfg, configYaml(1));
    const artifact = await artifactFor(cfg);
    const extras = {
      rationale: [
        { hash: 'older', round: 1, generation: 1, R: 0.6, text: 'An earlier step.' },
        { hash: 'h-solver', round: 1, generation: 1, R: 0.7, text: 'Asked for explicit steps.' },
      ],
      curve: [
        {
          depth: 1,
          step: 0,
          round: 1,
          generation: 1,
          misalignmentRate: 0.3,
          reward: 0.6,
          candidates: 4,
          accepted: 1,
          bestJ: 0.1,
        },
        {
          depth: 2,
          step: 1,
          round: 1,
          generation: 2,
          misalignmentRate: null,
          reward: null,
          candidates: 0,
          accepted: 0,
          bestJ: 0.1,
        },
        {
          depth: 3,
          step: 2,
          round: 2,
          generation: 1,
          misalignmentRate: 0.2,
          reward: 0.7,
          candidates: 4,
          accepted: 1,
          bestJ: 0.2,
        },
      ],
    };
    Object.assign(artifact.agents.solver!, extras);
    // A stale run directory with other numbers must not win over the artifact.
    const info = promptsInfoFromArtifact(artifact, { source: 'artifact', runsDir: join(dir, 'no-runs') });
    expect(info.agents.solver).toEqual({
      prompt: 'Solve {{question}} step by step.',
      seed: 'Solve {{question}}',
      rationale: 'Asked for explicit steps.',
      depth: 1,
    });
    expect(info.agents.reflector!.rationale).toMatch(/unchanged/);
    expect(info.curves).toEqual({
      solver: [
        { depth: 1, misalignmentRate: 0.3, score: 0.1 },
        { depth: 3, misalignmentRate: 0.2, score: 0.2 },
      ],
    });
    const withRuns = promptsInfoFromArtifact(artifact, { source: 'artifact', runsDir });
    expect(withRuns.curves).toEqual(info.curves);
    expect(withRuns.agents.solver!.rationale).toBe('Asked for explicit steps.');
  });

  it('detects a stale artifact and, with --no-optimize, says why and how to refresh', async () => {
    writeFileSync(cfg, configYaml(2)); // the seed changed since the artifact was written
    const err = await resolvePrompts({
      configPath: cfg,
      promptsPath: prompts,
      noOptimize: true,
      runsDir,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StalePromptsError);
    expect(err.message).toContain(
      'are stale: the config (system, optimize settings, seed or benchmarks) changed',
    );
    expect(err.message).toContain('--no-optimize was given');
    expect(err.message).toContain(`maspo optimize --config ${cfg}`);
  });

  it('refuses to re-optimize in cache replay mode', async () => {
    writeFileSync(cfg, configYaml(3, 'replay'));
    const err = await resolvePrompts({ configPath: cfg, promptsPath: prompts, runsDir }).catch((e) => e);
    expect(err).toBeInstanceOf(StalePromptsError);
    expect(err.message).toContain('replay mode');
  });

  it('treats a missing artifact as stale', async () => {
    writeFileSync(cfg, configYaml(1));
    const err = await resolvePrompts({
      configPath: cfg,
      promptsPath: join(dir, 'nope.json'),
      noOptimize: true,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StalePromptsError);
    expect(err.message).toContain('the file does not exist');
  });

  it('detects a changed model as stale', async () => {
    writeFileSync(cfg, configYaml(1).replace('agent: sim:sim-small', 'agent: sim:sim-large'));
    const err = await resolvePrompts({ configPath: cfg, promptsPath: prompts, noOptimize: true }).catch(
      (e) => e,
    );
    expect(err.message).toContain('the models changed');
  });
});
