import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runOptimizeCommand } from '../../src/cli/commands/optimize-action.js';
import { loadConfig, type MaspoConfig } from '../../src/config/index.js';
import { createLlmClient } from '../../src/llm/client.js';
import type { ChatRequest, ChatResponse, CompleteOptions, LlmClient } from '../../src/llm/types.js';
import { optimize, type ProgressInfo, type RunStateFile, readArtifact } from '../../src/optimize/index.js';
import { RunDir } from '../../src/optimize/rundir.js';
import { mathScorer } from '../../src/tasks/math.js';
import { requireDataDir } from '../support/data.js';

/** Resume, budgets across a crash, the event log on replay, and refusals (simulated model, small runs). */

const root = resolve(import.meta.dirname, '../..');

type LlmInput = NonNullable<MaspoConfig['llm']>;

async function tinyConfig(
  llm: Partial<LlmInput> = {},
  extra: Record<string, unknown> = {},
): Promise<MaspoConfig> {
  const dataDir = requireDataDir();
  const config = await loadConfig(join(root, 'examples/math500-sequential.yaml'));
  return {
    ...config,
    data: { dir: dataDir },
    llm: { ...config.llm, cache: { ...config.llm.cache, mode: 'off' }, sim: { dataDir }, ...llm } as LlmInput,
    optimize: {
      ...config.optimize,
      rounds: 2,
      generations: 2,
      poolSize: 12,
      minibatch: 4,
      concurrency: 4,
      validation: { ...config.optimize.validation, limit: 20 },
      ...extra,
    },
  };
}

const run = (
  config: MaspoConfig,
  dir: string,
  opts: {
    resume?: boolean;
    client?: LlmClient;
    signal?: AbortSignal;
    onProgress?: (p: ProgressInfo) => void;
  } = {},
) =>
  optimize(config, {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    client: opts.client ?? createLlmClient(config.llm),
    runsDir: join(dir, 'runs'),
    out: join(dir, 'p.json'),
    scorer: mathScorer,
    dataDir: requireDataDir(),
    ...(opts.resume ? { resume: true } : {}),
  });

const stateOf = (dir: string): RunStateFile => {
  const id = RunDir.latest(join(dir, 'runs'))!;
  return RunDir.create(join(dir, 'runs'), id).readState<RunStateFile>()!;
};
const eventsOf = (dir: string) => {
  const id = RunDir.latest(join(dir, 'runs'))!;
  return RunDir.create(join(dir, 'runs'), id).readEvents();
};

/** Delegates to the real client until the n-th call, then dies like a killed process: every call fails. */
class CrashAt implements LlmClient {
  calls = 0;
  readonly controller = new AbortController();
  constructor(
    private readonly inner: LlmClient,
    private readonly n: number,
  ) {}
  complete(r: ChatRequest, o?: CompleteOptions): Promise<ChatResponse> {
    if (++this.calls >= this.n) {
      const e = new Error('simulated crash');
      e.name = 'AbortError';
      this.controller.abort(e);
      return Promise.reject(e);
    }
    return this.inner.complete(r, o);
  }
}

describe('budgets', () => {
  it('a budget stop writes a validated best-so-far artifact; a resumed run respects the budget across the crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-budget-'));
    const limited = await tinyConfig({ budget: { optimizer: { calls: 5 } } });
    const first = await run(limited, dir);
    expect(first.artifact.stoppedBy).toMatch(/optimizer budget exhausted/);
    expect(first.calls.total.paid.optimizer).toBeLessThanOrEqual(5);
    // Best so far, validated on dev and written (agent calls were still allowed).
    const written = readArtifact(join(dir, 'p.json'));
    expect(written.validation?.n).toBe(20);
    expect(written.stoppedBy).toBe(first.artifact.stoppedBy);
    const st1 = stateOf(dir);
    expect(st1.status).toBe('stopped');
    expect(st1.spent!.calls.optimizer).toBe(first.calls.total.paid.optimizer);
    const cursor1 = (st1.search as { cursor: number }).cursor;
    expect(cursor1).toBeLessThan(10); // stopped before the schedule's end

    // Resume under the same budget: earlier processes' spend counts, so no optimizer call is made.
    const second = await run(limited, dir, { resume: true });
    expect(second.calls.total.paid.optimizer).toBe(0);
    expect(second.artifact.stoppedBy).toMatch(/optimizer budget exhausted: calls \d of 5/);
    const st2 = stateOf(dir);
    expect(st2.spent!.calls.optimizer).toBe(st1.spent!.calls.optimizer);
    expect((st2.search as { cursor: number }).cursor).toBe(cursor1);

    // A larger budget (budgets are operational, not part of the config hash) lets it finish.
    const third = await run(await tinyConfig({ budget: { optimizer: { calls: 1000 } } }), dir, {
      resume: true,
    });
    expect(third.artifact.stoppedBy).toBeNull();
    expect(stateOf(dir).status).toBe('done');
    expect(stateOf(dir).spent!.calls.optimizer).toBe(
      st1.spent!.calls.optimizer + third.calls.total.paid.optimizer,
    );
    // Stopping and resuming changes nothing: the artifact equals an uninterrupted run's (the step cut
    // short by the budget was rolled back to its checkpoint, minibatch memory included).
    const plain = mkdtempSync(join(tmpdir(), 'maspo-budget-plain-'));
    expect(third.artifact).toEqual((await run(await tinyConfig(), plain)).artifact);
    // Three processes, one log: each step started once; each budget stop is logged.
    const events = eventsOf(dir);
    const starts = events.filter((e) => e.type === 'step-start').map((e) => (e as { step: number }).step);
    expect(starts).toEqual([...Array(10).keys()]);
    expect(events.filter((e) => e.type === 'budget')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'run-start')).toHaveLength(3);
  }, 30_000);
});

describe('resume after a crash', () => {
  it('replayed steps do not log their events twice, and the artifact equals an uninterrupted run', async () => {
    const config = await tinyConfig({ cache: { mode: 'read-write', dir: '' } as LlmInput['cache'] });
    const a = mkdtempSync(join(tmpdir(), 'maspo-replay-a-'));
    const b = mkdtempSync(join(tmpdir(), 'maspo-replay-b-'));
    const withCache = (d: string): MaspoConfig => ({
      ...config,
      llm: { ...config.llm, cache: { mode: 'read-write', dir: join(d, 'cache') } } as LlmInput,
    });
    const progress: ProgressInfo[] = [];
    const ref = await run(withCache(a), a, { onProgress: (p) => progress.push(p) });
    // The progress feed: one update per step, with agent, round, generation, best J and calls spent.
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.every((p) => p.steps === 10)).toBe(true);
    expect(progress.map((p) => `${p.agent}:${p.round}.${p.generation}`)).toEqual(
      ref.search.steps.map((s) => `${s.agent}:${s.round}.${s.generation}`),
    );
    expect(progress.at(-1)!.calls).toBe(Object.values(ref.calls.search.paid).reduce((x, y) => x + y, 0));

    const crashy = new CrashAt(createLlmClient(withCache(b).llm), 120);
    await expect(run(withCache(b), b, { client: crashy, signal: crashy.controller.signal })).rejects.toThrow(
      /simulated crash|cancelled/,
    );
    const st = stateOf(b);
    const cursor = (st.search as { cursor: number }).cursor;
    expect(st.status).toBe('running');
    expect(cursor).toBeGreaterThan(0);
    // The spend is checkpointed when the search stops, not only after whole steps: every call sent counts
    // (the cache was empty; a failed call counts, as in the LLM layer's meter), except any sent after.
    const paidAtCrash = Object.values(st.spent!.calls).reduce((x, y) => x + y, 0);
    expect(paidAtCrash).toBeLessThanOrEqual(crashy.calls);
    expect(paidAtCrash).toBeGreaterThanOrEqual(120 - 4);
    // The crashed step had logged some events past the checkpoint.
    const before = eventsOf(b);
    expect(before.slice(st.events!).some((e) => e.type === 'step-start' && e.step === cursor)).toBe(true);

    const resumed = await run(withCache(b), b, { resume: true });
    expect(resumed.artifact).toEqual(ref.artifact);
    expect(resumed.calls.total.cached.agent).toBeGreaterThan(0); // the crashed step's calls came from the cache

    const strip = (es: ReturnType<typeof eventsOf>) =>
      es
        .filter((e) => e.type !== 'run-start' && e.type !== 'error' && e.type !== 'run-end')
        .map(({ ts: _ts, ...e }) => JSON.stringify(e));
    const after = eventsOf(b);
    // Same step events as the uninterrupted run, each once; the crash and the resume are marked.
    expect(strip(after)).toEqual(strip(eventsOf(a)));
    const starts = after.filter((e) => e.type === 'step-start').map((e) => (e as { step: number }).step);
    expect(new Set(starts).size).toBe(starts.length);
    expect(after.filter((e) => e.type === 'error')).toHaveLength(1);
    expect(after.filter((e) => e.type === 'run-start').at(-1)).toMatchObject({ fromStep: cursor });
    // Append-only: the crashed process's lines are untouched.
    expect(after.slice(0, before.length)).toEqual(before);
  }, 30_000);

  it('--resume without a run id picks the latest run of this config, not of another one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-pick-'));
    const mine = await tinyConfig({}, { rounds: 1, generations: 1, validation: { enabled: false } });
    const first = await run(mine, dir);
    const other = { ...mine, name: 'another-config', optimize: { ...mine.optimize, generations: 2 } };
    const second = await run(other, dir);
    expect(second.runId).not.toBe(first.runId);
    const resumed = await run(mine, dir, { resume: true });
    expect(resumed.runId).toBe(first.runId);
  }, 30_000);

  it('refuses to resume when the models or the dataset split changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-refuse-'));
    const config = await tinyConfig({}, { rounds: 1, generations: 1, validation: { enabled: false } });
    await run(config, dir);
    await expect(
      run({ ...config, models: { ...config.models, judge: 'sim:sim-large' } }, dir, { resume: true }),
    ).rejects.toThrow(/cannot resume run .*the models \(run used .*sim:sim-small.*\) changed/);
    await expect(
      optimize(config, {
        client: createLlmClient(config.llm),
        runsDir: join(dir, 'runs'),
        resume: true,
        scorer: mathScorer,
        // A different train split (e.g. the data files changed): the pool hash differs.
        loadSplit: async (b, split) => {
          const ds = await import('../../src/datasets/index.js');
          const items = await ds.loadSplit(b as 'math500', split, { dataDir: requireDataDir() });
          return split === 'train' ? items.map((i) => ({ ...i, gold: `${i.gold} ` })) : items;
        },
      }),
    ).rejects.toThrow(/cannot resume run .*the dataset split changed/);
    await expect(
      optimize(config, { client: createLlmClient(config.llm), runsDir: join(dir, 'nothing'), resume: true }),
    ).rejects.toThrow(/nothing to resume/);
  }, 30_000);
});

describe('maspo optimize command output', () => {
  afterEach(() => vi.restoreAllMocks());

  const writeConfig = (dir: string) => {
    const dataDir = requireDataDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      [
        'name: cli-test',
        'benchmark: math500',
        `data: { dir: ${JSON.stringify(dataDir)} }`,
        'system: { topology: sequential, rounds: 1 }',
        'models: { agent: sim:sim-small, optimizer: sim:sim-small, judge: sim:sim-small }',
        `llm: { cache: { mode: "off" }, sim: { dataDir: ${JSON.stringify(dataDir)} } }`,
        'optimize: { rounds: 2, generations: 2, poolSize: 12, minibatch: 4, validation: { limit: 20 } }',
        '',
      ].join('\n'),
    );
    return file;
  };
  const capture = () => {
    const chunks: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    });
    return chunks;
  };

  it('--dry-run --json prints exactly { calls: { agent, optimizer, judge }, tokens, usd }', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-cli-'));
    const out = capture();
    const r = await runOptimizeCommand({
      config: writeConfig(dir),
      dryRun: true,
      json: true,
      progress: false,
    });
    vi.restoreAllMocks();
    expect(out).toHaveLength(1);
    const printed = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['calls', 'tokens', 'usd']);
    expect(Object.keys(printed.calls as object)).toEqual(['agent', 'optimizer', 'judge']);
    expect(printed.calls).toEqual(r.dryRun!.calls);
    expect((printed.calls as { optimizer: number }).optimizer).toBeGreaterThan(0);
    expect(printed.tokens).toBeGreaterThan(0);
    expect(typeof printed.usd).toBe('number');
  }, 30_000);

  it('prints the final report: a row per agent per generation, judge, validation and call lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-cli-'));
    const out = capture();
    const r = await runOptimizeCommand({
      config: writeConfig(dir),
      out: join(dir, 'p.json'),
      runsDir: join(dir, 'runs'),
      progress: false,
    });
    vi.restoreAllMocks();
    const text = out.join('');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\[SIMULATED\] cli-test\/math500 on math500: strategy maspo/);
    // rounds 2 × (solver, reflector) × 2 generations + 2 refreshes
    expect(r.search.steps).toHaveLength(10);
    const rows = lines.filter((l) => /^\s+\d+ (solver|reflector)/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows.filter((l) => l.includes('(refresh)'))).toHaveLength(2);
    expect(text).toMatch(
      /judge: \d+ pairs, \d+ requests \(\d+ paid calls, \d+ answered from the run's memo, \d+ from the cache\), ties .*order-flip rate +\d/,
    );
    expect(text).toMatch(/validation on dev \(n = 20, errors 0\)/);
    expect(text).toMatch(/calls paid: agent \d+, optimizer \d+, judge \d+/);
    expect(text).toContain(`artifact: ${join(dir, 'p.json')}`);
    const artifact = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as { simulated: boolean };
    expect(artifact.simulated).toBe(true);
  }, 30_000);
});
