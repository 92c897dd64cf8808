import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSystem, loadConfig, type MaspoConfig } from '../../src/config/index.js';
import { loadSplit } from '../../src/datasets/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import { executeItem } from '../../src/mas/execute.js';
import { DryRunClient, optimize, readArtifact } from '../../src/optimize/index.js';
import { validateMaps } from '../../src/optimize/validate.js';
import { mathScorer } from '../../src/tasks/math.js';
import { requireDataDir } from '../support/data.js';

const root = resolve(import.meta.dirname, '../..');
const SMALL = { poolSize: 20, minibatch: 6 };

async function smallConfig(rounds: number, extra: Record<string, unknown> = {}): Promise<MaspoConfig> {
  const config = await loadConfig(join(root, 'examples/math500-sequential.yaml'));
  return {
    ...config,
    data: { dir: requireDataDir() },
    optimize: {
      ...config.optimize,
      ...SMALL,
      rounds,
      validation: { ...config.optimize.validation, limit: 60 },
      ...extra,
    },
  };
}

const simClient = () =>
  createLlmClient({ cache: { mode: 'off', dir: '.maspo/cache' }, sim: { dataDir: requireDataDir() } });

describe('MASPO end to end on MATH-500, sequential system, sim:sim-small (simulated)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'maspo-opt-'));
  });

  it('beats the seed prompts on the TEST split, with less misalignment than the seed, same seed → same artifact', async () => {
    const dataDir = requireDataDir();
    const client = simClient();
    const run = async (rounds: number, tag: string) =>
      optimize(await smallConfig(rounds), {
        client,
        runsDir: join(dir, tag),
        out: join(dir, `${tag}.json`),
        scorer: mathScorer,
        dataDir,
      });
    const depth1 = await run(1, 'd1');
    const depth2 = await run(2, 'd2');
    const again = await run(2, 'd2b');
    expect(readFileSync(join(dir, 'd2.json'), 'utf8')).toBe(readFileSync(join(dir, 'd2b.json'), 'utf8'));
    expect(depth2.artifact.simulated).toBe(true);
    expect(again.artifact.agents.solver!.changed || again.artifact.agents.reflector!.changed).toBe(true);

    // Per agent: the proposer's rationale for each accepted step of the final lineage, and the curve of
    // misalignment rate and reward over depth (one point per generation, across rounds).
    const saved = readArtifact(join(dir, 'd2.json'));
    for (const [id, ag] of Object.entries(saved.agents)) {
      expect(ag.curve!.map((p) => p.depth)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(ag.curve!.map((p) => [p.round, p.generation])).toEqual([
        [1, 1],
        [1, 2],
        [1, 3],
        [2, 1],
        [2, 2],
        [2, 3],
      ]);
      const steps = depth2.search.steps.filter((s) => s.agent === id && s.kind === 'generation');
      expect(ag.curve!.map((p) => p.misalignmentRate)).toEqual(steps.map((s) => s.misalignmentRate));
      if (id === 'solver') for (const p of ag.curve!) expect(p.misalignmentRate).not.toBeNull();
      expect(ag.rationale!.map((r) => r.hash)).toEqual(ag.lineage.slice(1).map((l) => l.hash));
      for (const r of ag.rationale!) expect(r.text.trim().length).toBeGreaterThan(0);
      if (ag.changed) expect(ag.rationale!.length).toBeGreaterThan(0);
    }

    const config = await smallConfig(2);
    const system = buildSystem(config, 'math500');
    const test = await loadSplit('math500', 'test', { dataDir });
    const seedPrompts = Object.fromEntries(system.agents.map((a) => [a.id, a.prompt]));
    const evalOn = (prompts: Record<string, string>) =>
      validateMaps({
        system,
        items: test,
        seedPrompts,
        optimizedPrompts: prompts,
        execute: (item, p) =>
          executeItem(system, item, { client, model: config.models.agent, prompts: p, scorer: mathScorer }),
        scorer: mathScorer,
        settings: { ...config.optimize.validation, split: 'test' },
        concurrency: 32,
      });
    const v1 = await evalOn(depth1.artifact.prompts);
    const v2 = await evalOn(depth2.artifact.prompts);
    console.log(
      `[simulated] MATH-500 test (n=${v2.n}): seed ${(100 * v2.seed.accuracy).toFixed(1)}% → optimized ${(100 * v2.optimized.accuracy).toFixed(1)}% ` +
        `(+${(100 * v2.difference).toFixed(1)} pts, 95% CI [${(100 * v2.ci[0]).toFixed(1)}, ${(100 * v2.ci[1]).toFixed(1)}], McNemar p=${v2.p.toExponential(2)}); ` +
        `misalignment by depth: ${(100 * v1.seed.misalignmentRate!).toFixed(1)}% → ${(100 * v1.optimized.misalignmentRate!).toFixed(1)}% → ${(100 * v2.optimized.misalignmentRate!).toFixed(1)}%`,
    );
    expect(v2.n).toBeGreaterThanOrEqual(250);
    expect(v2.errors).toBe(0);
    expect(v2.difference).toBeGreaterThan(0);
    expect(v2.ci[0]).toBeGreaterThan(0); // significant on the test split
    expect(v2.p).toBeLessThan(0.01);
    // In the shipped world (phenomena on) the deeper search does not lower misalignment further: the
    // misleading style tempts it (docs/results.md). Both depths stay below the seed prompts'.
    expect(v1.optimized.misalignmentRate!).toBeLessThan(v1.seed.misalignmentRate!);
    expect(v2.optimized.misalignmentRate!).toBeLessThan(v1.seed.misalignmentRate!);
  }, 60_000);

  it('dry-run counts equal the actual counts of a run whose calls are all paid', async () => {
    const dataDir = requireDataDir();
    const config = await smallConfig(2);
    const dry = await optimize(config, { client: simClient(), dryRun: true, scorer: mathScorer, dataDir });
    // The same scenario answered by a "real" (uncached) client: every distinct request is a paid call.
    const paid = await optimize(config, {
      client: new DryRunClient(),
      runsDir: join(dir, 'paid'),
      out: join(dir, 'paid.json'),
      scorer: mathScorer,
      dataDir,
    });
    expect(paid.calls.total.cached).toEqual({ agent: 0, optimizer: 0, judge: 0 });
    expect(dry.dryRun!.calls).toEqual(paid.calls.total.paid);
    expect(dry.dryRun!.phases.search.optimizer).toBe(
      paid.search.steps
        .filter((s) => s.kind === 'generation')
        .reduce((n, s) => n + (s.round === 1 && s.generation === 1 ? 2 : 4), 0),
    );
    expect(dry.runDir).toBeNull();
    expect(dry.artifactPath).toBeNull();
  }, 30_000);

  it('refuses to resume when the config changed', async () => {
    const dataDir = requireDataDir();
    const runsDir = join(dir, 'refuse');
    await optimize(
      await smallConfig(1, {
        validation: { enabled: false, split: 'dev', keep: 'unless-worse', alpha: 0.05 },
      }),
      {
        client: simClient(),
        runsDir,
        out: join(dir, 'refuse.json'),
        scorer: mathScorer,
        dataDir,
      },
    );
    await expect(
      optimize(await smallConfig(1, { beamWidth: 3 }), {
        client: simClient(),
        runsDir,
        resume: true,
        scorer: mathScorer,
        dataDir,
      }),
    ).rejects.toThrow(/cannot resume run .*the config .* changed/);
  }, 30_000);
});

describe('crash safety: kill -9 mid-run, --resume', () => {
  it('finishes with the same artifact as an uninterrupted run and repeats no paid call', async () => {
    const dataDir = requireDataDir();
    const dir = mkdtempSync(join(tmpdir(), 'maspo-crash-'));
    const cfg = (cacheDir: string) =>
      [
        'name: crash-test',
        'seed: 3',
        'benchmark: math500',
        `data: { dir: ${JSON.stringify(dataDir)} }`,
        'system: { topology: sequential, rounds: 1 }',
        'models: { agent: sim:sim-small, optimizer: sim:sim-small, judge: sim:sim-small }',
        `llm: { cache: { mode: read-write, dir: ${JSON.stringify(cacheDir)} }, sim: { dataDir: ${JSON.stringify(dataDir)} }, endpoints: { sim: { maxConcurrency: 2 } } }`,
        'optimize: { rounds: 2, poolSize: 20, minibatch: 6, concurrency: 2, validation: { limit: 20 } }',
        '',
      ].join('\n');
    writeFileSync(join(dir, 'a.yaml'), cfg(join(dir, 'cache-a')));
    writeFileSync(join(dir, 'b.yaml'), cfg(join(dir, 'cache-b')));
    const bin = join(root, 'bin/maspo.js');
    const args = (c: string, runs: string, out: string) => [
      bin,
      'optimize',
      '--config',
      join(dir, c),
      '--runs-dir',
      join(dir, runs),
      '--out',
      join(dir, out),
      '--no-progress',
    ];

    // Uninterrupted reference run.
    execFileSync('node', args('a.yaml', 'runs-a', 'a.json'), { cwd: dir, stdio: 'pipe' });

    // Interrupted run: kill -9 once a few steps are checkpointed.
    const child = spawn('node', args('b.yaml', 'runs-b', 'b.json'), { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const stateOf = () => {
      const runs = join(dir, 'runs-b');
      if (!existsSync(runs)) return null;
      const id = execFileSync('ls', [runs]).toString().trim().split('\n')[0];
      const p = id ? join(runs, id, 'state.json') : '';
      return p && existsSync(p)
        ? (JSON.parse(readFileSync(p, 'utf8')) as { search: { cursor: number } | null; status: string })
        : null;
    };
    let killedAt = -1;
    for (let i = 0; i < 2000; i++) {
      const s = stateOf();
      if (s?.search && s.search.cursor >= 3) {
        killedAt = s.search.cursor;
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await exited;
    expect(killedAt).toBeGreaterThanOrEqual(3);
    expect(stateOf()!.status).toBe('running');
    expect(existsSync(join(dir, 'b.json'))).toBe(false);

    execFileSync('node', [...args('b.yaml', 'runs-b', 'b.json'), '--resume'], { cwd: dir, stdio: 'pipe' });
    const a = readArtifact(join(dir, 'a.json'));
    const b = readArtifact(join(dir, 'b.json'));
    expect(b).toEqual(a);
    expect(stateOf()!.status).toBe('done');

    const stores = readFileSync(join(dir, 'cache-b', 'log.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; key: string; pid: number })
      .filter((e) => e.event === 'store');
    const keys = stores.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(stores.map((e) => e.pid)).size).toBe(2); // both processes paid for calls

    // The event log holds each step once, as the uninterrupted run's does (the replay is not re-logged).
    const events = (runs: string) => {
      const id = execFileSync('ls', [join(dir, runs)])
        .toString()
        .trim()
        .split('\n')[0]!;
      return readFileSync(join(dir, runs, id, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as { type: string; ts?: string }];
          } catch {
            return []; // the line the kill cut short
          }
        })
        .filter((e) => !['run-start', 'run-end', 'error'].includes(e.type))
        .map(({ ts: _ts, ...e }) => JSON.stringify(e));
    };
    expect(events('runs-b')).toEqual(events('runs-a'));
  }, 60_000);
});
