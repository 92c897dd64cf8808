/**
 * The paper's experiments on the simulated model
 * (`npm run bench -- paper [--quick] [--tables=0,1,2,3,4,5,6] [--seeds=N] [--strength=S]`):
 * Table 0 the phenomena's effects on fixed prompts (no search),
 * Table 1 strategies × benchmarks, Table 2 ablations with each phenomenon on and off, Table 3 transfer
 * sim-small → sim-large, Table 4 reward weights, Table 5 topology pruning, Table 6 pool size. Every cell is
 * a mean over seeds of TEST-split accuracy (the optimized map; validation off, so the test split selects
 * nothing), and every comparison is paired per seed (same seed, same test items) with a 95% t-interval
 * over seeds. `--seeds=N` runs seeds 1..N (default 5, --quick 3); `--strength=S` sets every phenomenon's
 * strength in the "on" worlds (default 1; "off" is always 0); `--world=FILE` starts from another world file,
 * `--set=phenomenon.key=value,…` changes other phenomenon parameters. Simulated model only: these say how the mechanisms behave in the test world, nothing about LLMs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { buildSystem, type MaspoConfig, parseConfig } from '../src/config/index.js';
import { buildJudgeMessages, parseVerdict } from '../src/contracts/judge.js';
import { loadSplit, resolveDataDir } from '../src/datasets/index.js';
import type { BenchmarkId, Item } from '../src/datasets/types.js';
import { createLlmClient } from '../src/llm/client.js';
import { DEFAULT_WORLD_PATH } from '../src/llm/sim/index.js';
import type { LlmClient } from '../src/llm/types.js';
import { executeItem } from '../src/mas/execute.js';
import type { PromptMap, System } from '../src/mas/types.js';
import { pMap } from '../src/optimize/calls.js';
import { optimize } from '../src/optimize/index.js';
import { applyTopology } from '../src/optimize/prune.js';
import { scorerFor } from '../src/tasks/index.js';
import type { Scorer } from '../src/tasks/types.js';

const QUICK = process.argv.includes('--quick');
const TABLES = new Set(
  (process.argv.find((a) => a.startsWith('--tables='))?.slice('--tables='.length) ?? '0,1,2,3,4,5,6').split(
    ',',
  ),
);
const flag = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
function numberFlag(name: string, fallback: number, ok: (x: number) => boolean): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (!ok(x)) throw new Error(`--${name}=${raw}: not a valid value`);
  return x;
}
const SEED_COUNT = numberFlag('seeds', QUICK ? 3 : 5, (x) => Number.isInteger(x) && x >= 1 && x <= 30);
const SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => i + 1);
/** `--world=FILE`: the base world whose phenomena strengths the tables set (default: the shipped world). */
const BASE_WORLD = flag('world') ?? DEFAULT_WORLD_PATH;
/**
 * `--set=phenomenon.key=value,…`: other phenomenon parameters of the base world, e.g.
 * `--set=misleadingStyle.judgePreference=0.15,misleadingStyle.downstreamHarm=1`.
 */
const OVERRIDES: Array<[string, string, number]> = (flag('set') ?? '')
  .split(',')
  .filter((x) => x !== '')
  .map((x) => {
    const m = /^(\w+)\.(\w+)=([0-9.]+)$/.exec(x);
    if (!m || m[2] === 'strength')
      throw new Error(`--set: "${x}" is not phenomenon.key=number (strength: use --strength)`);
    return [m[1]!, m[2]!, Number(m[3])];
  });
const STRENGTH = numberFlag('strength', 1, (x) => Number.isFinite(x) && x >= 0);
const TEST_LIMIT = 300;
/** The search's size: the end-to-end test's small budget (the paper's defaults cost ~3× more). */
const SEARCH = { poolSize: 20, minibatch: 6, rounds: 2, generations: QUICK ? 2 : 3, concurrency: 8 };
const BENCHMARKS: BenchmarkId[] = QUICK
  ? ['math500', 'gpqa-diamond']
  : ['math500', 'agieval-math', 'aqua', 'gpqa-diamond', 'mbpp', 'humaneval-et'];

type Strengths = { misleadingStyle: number; peerCoupling: number; hiddenHandoff: number };
const ON: Strengths = { misleadingStyle: STRENGTH, peerCoupling: STRENGTH, hiddenHandoff: STRENGTH };
const OFF: Strengths = { misleadingStyle: 0, peerCoupling: 0, hiddenHandoff: 0 };

const dataDir = resolveDataDir();
const tmp = mkdtempSync(join(tmpdir(), 'maspo-paper-'));
const worldFiles = new Map<string, string>();
const clients = new Map<string, LlmClient>();

/** A copy of the base world (`--world`, else the shipped one) with the phenomena's strengths replaced. */
function worldFile(s: Strengths): string {
  const key = JSON.stringify(s);
  let file = worldFiles.get(key);
  if (!file) {
    const w = yaml.load(readFileSync(BASE_WORLD, 'utf8')) as {
      phenomena: Record<string, Record<string, number>>;
    };
    for (const [ph, key, value] of OVERRIDES) {
      if (w.phenomena[ph]?.[key] === undefined)
        throw new Error(`--set: the world has no phenomena.${ph}.${key}`);
      w.phenomena[ph][key] = value;
    }
    for (const k of Object.keys(s) as Array<keyof Strengths>) w.phenomena[k]!.strength = s[k];
    file = join(tmp, `world-${worldFiles.size}.yaml`);
    writeFileSync(file, yaml.dump(w));
    worldFiles.set(key, file);
  }
  return file;
}

function clientFor(s: Strengths): LlmClient {
  const key = JSON.stringify(s);
  let c = clients.get(key);
  if (!c) {
    c = createLlmClient({ cache: { mode: 'off' }, sim: { dataDir, worldPath: worldFile(s) } });
    clients.set(key, c);
  }
  return c;
}

interface Cell {
  benchmark: BenchmarkId;
  topology: 'sequential' | 'hierarchical';
  world: Strengths;
  optimize: Record<string, unknown>;
  /** Evaluate the optimized map with this agent model (default: the optimization's). */
  evalModel?: string;
  /** The system section (default: sequential 1 round / hierarchical 3 experts). */
  system?: Record<string, unknown>;
}

function configOf(cell: Cell, seed: number): MaspoConfig {
  const c = parseConfig({
    name: `paper-${cell.benchmark}-${cell.topology}`,
    seed,
    benchmark: cell.benchmark,
    data: { dir: dataDir },
    system:
      cell.system ??
      (cell.topology === 'sequential'
        ? { topology: 'sequential', rounds: 1 }
        : { topology: 'hierarchical', experts: 3 }),
    models: { agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' },
    llm: { cache: { mode: 'off' }, sim: { dataDir, worldPath: worldFile(cell.world) } },
    optimize: { ...SEARCH, ...cell.optimize, validation: { enabled: false } },
  });
  return c;
}

const testItems = new Map<BenchmarkId, Item[]>();
async function testOf(b: BenchmarkId): Promise<Item[]> {
  let t = testItems.get(b);
  if (!t) {
    t = (await loadSplit(b, 'test', { dataDir })).slice(0, TEST_LIMIT);
    testItems.set(b, t);
  }
  return t;
}

const scorers = new Map<string, Scorer>();
const scorerOf = (task: System['task']) => {
  let s = scorers.get(task);
  if (!s) {
    s = scorerFor(task);
    scorers.set(task, s);
  }
  return s;
};

const evalMemo = new Map<string, Promise<number>>();
/** Test accuracy of a prompt map (errors count as not correct, and are rare on the sim). */
function accuracy(
  system: System,
  prompts: PromptMap,
  b: BenchmarkId,
  s: Strengths,
  model: string,
): Promise<number> {
  // The whole system: CoT and self-consistency share agent ids and prompts but not samples/temperature.
  const key = JSON.stringify([system, prompts, b, s, model]);
  let p = evalMemo.get(key);
  if (!p) {
    p = (async () => {
      const items = await testOf(b);
      const scorer = scorerOf(system.task);
      const client = clientFor(s);
      const ok = await pMap(items, 8, async (item) => {
        const t = await executeItem(system, item, { client, model, prompts, scorer });
        if (t.error) return false;
        const r = await scorer.score(item, t.finalOutput);
        return !r.error && r.correct;
      });
      return ok.filter(Boolean).length / ok.length;
    })();
    evalMemo.set(key, p);
  }
  return p;
}

interface Outcome {
  seed: number;
  before: number;
  after: number;
  agentCalls: number;
  judgeCalls: number;
  optimizerCalls: number;
  /** Agents of the system the prompts are for (fewer than declared when pruned). */
  agents: number;
  /** Pruned runs: the pruned system with the seed prompts (else = before). */
  prunedSeed: number;
  /** Agents the pruning removed. */
  removed: string[];
}

async function systemFor(config: MaspoConfig, b: BenchmarkId): Promise<System> {
  if (config.optimize.strategy !== 'single-agent') return buildSystem(config, b);
  const sa = await import('../src/optimize/baselines/single-agent.js');
  await sa.loadSingleAgent();
  return sa.singleAgentSystem(config, b);
}

const runMemo = new Map<string, Promise<Outcome[]>>();
/** One cell over the seeds: before = the MAS's seed prompts, after = the strategy's map. */
function runCell(cell: Cell): Promise<Outcome[]> {
  const key = JSON.stringify(cell);
  let p = runMemo.get(key);
  if (!p) {
    p = (async () => {
      const out: Outcome[] = [];
      for (const seed of SEEDS) {
        const config = configOf(cell, seed);
        const r = await optimize(config, {
          client: clientFor(cell.world),
          runsDir: join(tmp, 'runs'),
          out: join(tmp, `p-${seed}.json`),
          dataDir,
        });
        const model = cell.evalModel ?? config.models.agent;
        const mas = buildSystem(
          { ...config, optimize: { ...config.optimize, strategy: 'maspo' } },
          cell.benchmark,
        );
        const seedPrompts = Object.fromEntries(mas.agents.map((a) => [a.id, a.prompt]));
        const declared = await systemFor(config, cell.benchmark);
        const topology = r.artifact.topology;
        const system = topology ? applyTopology(declared, topology) : declared;
        const before = await accuracy(mas, seedPrompts, cell.benchmark, cell.world, model);
        out.push({
          seed,
          before,
          after: await accuracy(system, r.artifact.prompts, cell.benchmark, cell.world, model),
          agentCalls: r.calls.search.paid.agent,
          judgeCalls: r.calls.search.paid.judge,
          optimizerCalls: r.calls.search.paid.optimizer,
          agents: system.agents.length,
          prunedSeed: topology
            ? await accuracy(system, seedPrompts, cell.benchmark, cell.world, model)
            : before,
          removed: topology?.removed.agents ?? [],
        });
      }
      return out;
    })();
    runMemo.set(key, p);
  }
  return p;
}

// ---------- statistics and formatting ----------

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Two-sided 95% Student t quantiles by degrees of freedom. */
const T95 = [
  Number.NaN,
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
];
function interval(diffs: number[]): string {
  const m = mean(diffs);
  if (diffs.length < 2) return `${pts(m)}`;
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - m) ** 2, 0) / (diffs.length - 1));
  const h = (T95[diffs.length - 1] ?? 1.96) * (sd / Math.sqrt(diffs.length));
  return `${pts(m)} [${pts(m - h)}, ${pts(m + h)}]`;
}
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
const pc = (x: number) => (100 * x).toFixed(1);

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const MASPO = { strategy: 'maspo' };
const STRATEGIES: Array<[string, Record<string, unknown>]> = [
  ['MAS seed prompts', { strategy: 'none' }],
  ['single-agent vanilla', { strategy: 'single-agent', singleAgent: { method: 'vanilla' } }],
  ['single-agent CoT', { strategy: 'single-agent', singleAgent: { method: 'cot' } }],
  ['single-agent SC', { strategy: 'single-agent', singleAgent: { method: 'self-consistency' } }],
  [
    'single-agent Self-Refine',
    { strategy: 'single-agent', singleAgent: { method: 'self-refine', iterations: 1 } },
  ],
  ['SPO', { strategy: 'spo' }],
  ['TPE', { strategy: 'tpe' }],
  ['MASPO', MASPO],
];

/** Self-consistency samples matched to the MAS's agent calls per item (sequential 2 → 3, hierarchical 4 → 5). */
const scSamples = (topology: Cell['topology']) => (topology === 'sequential' ? 3 : 5);

async function table1(): Promise<void> {
  for (const topology of ['sequential', 'hierarchical'] as const) {
    const rows: string[][] = [];
    const means = new Map<string, number[]>();
    for (const [name, opt] of STRATEGIES) {
      const row = [name];
      for (const b of BENCHMARKS) {
        let o = opt;
        if (
          opt.strategy === 'single-agent' &&
          (opt.singleAgent as { method: string }).method === 'self-consistency'
        )
          o = { ...opt, singleAgent: { method: 'self-consistency', samples: scSamples(topology) } };
        const base = await runCell({ benchmark: b, topology, world: ON, optimize: MASPO });
        if (opt.strategy === 'none') {
          const v = mean(base.map((x) => x.before));
          row.push(pc(v));
          means.set(name, [...(means.get(name) ?? []), v]);
          continue;
        }
        const r = await runCell({ benchmark: b, topology, world: ON, optimize: o });
        const v = mean(r.map((x) => x.after));
        means.set(name, [...(means.get(name) ?? []), v]);
        row.push(
          name === 'MASPO'
            ? `${pc(v)} (${interval(r.map((x) => x.after - x.before))} vs seed)`
            : `${pc(v)} (${interval(r.map((x, i) => x.after - base[i]!.after))} vs MASPO)`,
        );
      }
      row.push(pc(mean(means.get(name)!)));
      rows.push(row);
    }
    console.log(
      `\nTable 1 (${topology}): test accuracy %, mean of seeds ${SEEDS.join(',')}; paired Δ pts [95% CI over seeds]\n`,
    );
    console.log(table(['strategy', ...BENCHMARKS, 'avg'], rows));
  }
}

const ABLATIONS: Array<[string, Record<string, unknown>, string]> = [
  ['full MASPO', {}, ''],
  ['serial search', { serialSearch: true }, ''],
  ['single cycle (rounds 1)', { rounds: 1 }, ''],
  ['w/o beam refresh', { beamRefresh: false }, 'peerCoupling'],
  ['w/o joint evaluate (global-only)', { reward: 'global-only' }, 'misleadingStyle'],
  ['local-only reward', { reward: 'local-only' }, 'misleadingStyle'],
  ['w/o misalignment sampling', { misalignmentSampling: false }, 'hiddenHandoff'],
  ['w/ success-case sampling', { successCaseSampling: true }, 'hiddenHandoff'],
  ['one judge order', { judgeOrders: 1 }, ''],
  ["uncentred score (paper's J + R)", { centredScore: false }, ''],
];

async function table2(): Promise<void> {
  const worlds: Array<[string, Strengths]> = [
    [`all phenomena on (strength ${STRENGTH})`, ON],
    ['all phenomena off (control)', OFF],
  ];
  if (!QUICK)
    for (const k of Object.keys(ON) as Array<keyof Strengths>)
      worlds.push([`only ${k} off`, { ...ON, [k]: 0 }]);
  const rows: string[][] = [];
  for (const [label, opt, targets] of ABLATIONS) {
    const row = [label, targets || '—'];
    for (const [, w] of worlds) {
      const full = await runCell({ benchmark: 'math500', topology: 'sequential', world: w, optimize: MASPO });
      if (label === 'full MASPO') {
        row.push(
          `${pc(mean(full.map((x) => x.after)))} (${interval(full.map((x) => x.after - x.before))} vs seed)`,
        );
        continue;
      }
      const r = await runCell({
        benchmark: 'math500',
        topology: 'sequential',
        world: w,
        optimize: { ...MASPO, ...opt },
      });
      row.push(`${pc(mean(r.map((x) => x.after)))} (${interval(r.map((x, i) => x.after - full[i]!.after))})`);
    }
    rows.push(row);
  }
  console.log(
    `\nTable 2: ablations on math500, sequential; test accuracy %, mean of seeds ${SEEDS.join(',')}; (paired Δ vs full MASPO in the same world, pts [95% CI])\n`,
  );
  console.log(table(['variant', 'phenomenon it targets', ...worlds.map(([l]) => l)], rows));
}

async function table3(): Promise<void> {
  const rows: string[][] = [];
  for (const topology of ['sequential', 'hierarchical'] as const) {
    for (const b of BENCHMARKS.filter((x) => x !== 'mbpp' && x !== 'humaneval-et')) {
      const small = await runCell({ benchmark: b, topology, world: ON, optimize: MASPO });
      const large = await runCell({
        benchmark: b,
        topology,
        world: ON,
        optimize: MASPO,
        evalModel: 'sim:sim-large',
      });
      rows.push([
        `${b} ${topology}`,
        `${pc(mean(small.map((x) => x.before)))} → ${pc(mean(small.map((x) => x.after)))}`,
        `${pc(mean(large.map((x) => x.before)))} → ${pc(mean(large.map((x) => x.after)))}`,
        interval(large.map((x) => x.after - x.before)),
      ]);
    }
  }
  console.log(
    '\nTable 3: prompts optimized with sim-small agents, evaluated with sim-large agents (test accuracy %)\n',
  );
  console.log(
    table(
      ['system', 'sim-small seed → optimized', 'sim-large seed → transferred', 'sim-large Δ pts [95% CI]'],
      rows,
    ),
  );
}

async function table4(): Promise<void> {
  const grid: Array<[number, number, number]> = [
    [0.4, 0.4, 0.2],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [0.2, 0.4, 0.4],
    [0.6, 0.2, 0.2],
    [0.2, 0.6, 0.2],
  ];
  const rows: string[][] = [];
  const full = await runCell({ benchmark: 'math500', topology: 'sequential', world: ON, optimize: MASPO });
  for (const [l, la, g] of grid) {
    const r = await runCell({
      benchmark: 'math500',
      topology: 'sequential',
      world: ON,
      optimize: { ...MASPO, weights: { local: l, lookahead: la, global: g } },
    });
    rows.push([
      `${l} / ${la} / ${g}`,
      pc(mean(r.map((x) => x.after))),
      interval(r.map((x, i) => x.after - full[i]!.after)),
    ]);
  }
  console.log(
    `\nTable 4: joint-reward weights α/β/θ, math500 sequential, phenomena at strength ${STRENGTH} (test accuracy %)\n`,
  );
  console.log(table(['α local / β lookahead / θ global', 'accuracy', 'Δ vs 0.4/0.4/0.2 [95% CI]'], rows));
}

// ---------- Table 0: what each phenomenon does to fixed prompts ----------

const SENTENCE = {
  alternatives: 'Before giving your answer, discuss other candidate answers you considered.',
  handoff: 'List every intermediate result for the next agent before your final answer.',
  verify: 'Verify the previous solution by re-deriving its key steps before you accept it.',
  noCheck: 'End with your final answer; do not add check values after it.',
};
/** Adds a directive sentence before the placeholders (as the simulated optimizer does). */
const withSentence = (prompt: string, sentence: string) =>
  prompt.replace('\n\nProblem:', ` ${sentence}\n\nProblem:`);

/** Order-averaged share of items where the local judge prefers output a over output b (a tie counts half). */
async function localPreference(client: LlmClient, items: Item[], a: string[], b: string[]): Promise<number> {
  const ask = async (item: Item, x: string, y: string) => {
    const r = await client.complete({
      model: 'sim:sim-small',
      role: 'judge',
      messages: buildJudgeMessages({
        signal: 'local',
        agentRole: 'solver',
        rubric: 'Which output better performs the role?',
        question: item.question,
        outputA: x,
        outputB: y,
      }),
    });
    return parseVerdict(r.text);
  };
  const wins = await pMap(items, 8, async (item, i) => {
    const score = (v: string | null, win: string) => (v === win ? 1 : v === 'TIE' || v === null ? 0.5 : 0);
    const first = score(await ask(item, a[i]!, b[i]!), 'A');
    const second = score(await ask(item, b[i]!, a[i]!), 'B');
    return (first + second) / 2;
  });
  return mean(wins);
}

async function solverOutputs(system: System, prompts: PromptMap, items: Item[], client: LlmClient) {
  return pMap(items, 8, async (item) => {
    const t = await executeItem(system, item, {
      client,
      model: 'sim:sim-small',
      prompts,
      scorer: scorerOf(system.task),
    });
    return t.records.find((r) => r.agentId === 'solver')?.output ?? '';
  });
}

async function table0(): Promise<void> {
  const config = configOf({ benchmark: 'math500', topology: 'sequential', world: OFF, optimize: MASPO }, 1);
  const system = buildSystem(config, 'math500');
  const seed: PromptMap = Object.fromEntries(system.agents.map((a) => [a.id, a.prompt]));
  const solver = (sentence: string) => ({ ...seed, solver: withSentence(seed.solver!, sentence) });
  const reflector = (p: PromptMap, sentence: string) => ({
    ...p,
    reflector: withSentence(p.reflector!, sentence),
  });
  const items = await testOf('math500');
  const m = 'sim:sim-small';
  const rows: string[][] = [];
  for (const st of [0, 0.5, 1, 2]) {
    const ms: Strengths = { ...OFF, misleadingStyle: st };
    const styled = solver(SENTENCE.alternatives);
    const pref = await localPreference(
      clientFor(ms),
      items,
      await solverOutputs(system, styled, items, clientFor(ms)),
      await solverOutputs(system, seed, items, clientFor(ms)),
    );
    const pc1: Strengths = { ...OFF, peerCoupling: st };
    const handoff = solver(SENTENCE.handoff);
    const hh: Strengths = { ...OFF, hiddenHandoff: st };
    const all: Strengths = { misleadingStyle: st, peerCoupling: st, hiddenHandoff: st };
    rows.push([
      String(st),
      `${pc(await accuracy(system, seed, 'math500', ms, m))} → ${pc(await accuracy(system, styled, 'math500', ms, m))}; judge prefers it ${pc(pref)}%`,
      `${pc(await accuracy(system, seed, 'math500', pc1, m))} → ${pc(await accuracy(system, handoff, 'math500', pc1, m))}`,
      `${pc(await accuracy(system, reflector(seed, SENTENCE.verify), 'math500', pc1, m))} → ${pc(await accuracy(system, reflector(handoff, SENTENCE.verify), 'math500', pc1, m))}`,
      `${pc(await accuracy(system, seed, 'math500', hh, m))} → ${pc(await accuracy(system, solver(SENTENCE.noCheck), 'math500', hh, m))}`,
      pc(await accuracy(system, seed, 'math500', all, m)),
    ]);
  }
  console.log(
    `\nTable 0: the phenomena on fixed prompts, math500 test (${items.length} items), sequential solver → reflector, sim-small, seed prompts ± one directive; test accuracy % (each phenomenon alone at the strength)\n`,
  );
  console.log(
    table(
      [
        'strength',
        'misleadingStyle: seed → solver + discuss-alternatives; local judge preference for it',
        'peerCoupling: seed → solver + detailed-handoff (plain reviewer)',
        'peerCoupling: reviewer + verify-previous → + solver detailed-handoff',
        'hiddenHandoff: seed → solver + no-trailing-checks',
        'seed prompts, all three at the strength',
      ],
      rows,
    ),
  );
}

/** Systems of Table 5: a 4-agent chain (two solver → reflector rounds) and 3 experts → aggregator. */
const PRUNE_SYSTEMS: Array<[string, Cell['topology'], Record<string, unknown>]> = [
  ['sequential ×2 (4 agents)', 'sequential', { topology: 'sequential', rounds: 2 }],
  ['hierarchical (3 experts + aggregator)', 'hierarchical', { topology: 'hierarchical', experts: 3 }],
];

async function table5(): Promise<void> {
  const rows: string[][] = [];
  for (const [label, topology, sys] of PRUNE_SYSTEMS) {
    const cell = (opt: Record<string, unknown>): Cell => ({
      benchmark: 'math500',
      topology,
      world: ON,
      optimize: opt,
      system: sys,
    });
    const full = await runCell(cell(MASPO));
    rows.push([
      label,
      'MASPO on the declared system',
      String(full[0]!.agents),
      '—',
      pc(mean(full.map((x) => x.before))),
      pc(mean(full.map((x) => x.after))),
      '—',
      String(Math.round(mean(full.map((x) => x.agentCalls)))),
    ]);
    for (const maxDrop of QUICK ? [0.05] : [0, 0.05, 0.1]) {
      const r = await runCell(cell({ ...MASPO, prune: { maxDrop } }));
      const removed = new Map<string, number>();
      for (const o of r) for (const a of o.removed) removed.set(a, (removed.get(a) ?? 0) + 1);
      rows.push([
        label,
        `prune maxDrop ${maxDrop} + MASPO`,
        mean(r.map((x) => x.agents)).toFixed(1),
        [...removed].map(([a, n]) => `${a} ×${n}`).join(', ') || '—',
        pc(mean(r.map((x) => x.prunedSeed))),
        pc(mean(r.map((x) => x.after))),
        interval(r.map((x, i) => x.after - full[i]!.after)),
        String(Math.round(mean(r.map((x) => x.agentCalls)))),
      ]);
    }
  }
  console.log(
    `\nTable 5: topology pruning (optimize.prune, measured on the train pool) + MASPO, math500, phenomena at strength ${STRENGTH}; test accuracy %, mean of seeds ${SEEDS.join(',')}\n`,
  );
  console.log(
    table(
      [
        'system',
        'variant',
        'agents kept (mean)',
        'agents removed (seeds)',
        'seed prompts',
        'optimized',
        'Δ vs MASPO on the declared system [95% CI]',
        'paid agent calls (pruning + search)',
      ],
      rows,
    ),
  );
}

async function table6(): Promise<void> {
  const rows: string[][] = [];
  for (const poolSize of [10, 20, 40]) {
    const r = await runCell({
      benchmark: 'math500',
      topology: 'sequential',
      world: ON,
      optimize: { ...MASPO, poolSize },
    });
    rows.push([
      String(poolSize),
      pc(mean(r.map((x) => x.after))),
      interval(r.map((x) => x.after - x.before)),
      String(Math.round(mean(r.map((x) => x.agentCalls)))),
    ]);
  }
  console.log(
    `\nTable 6: optimization pool size |D|, math500 sequential, phenomena at strength ${STRENGTH} (test accuracy %)\n`,
  );
  console.log(table(['|D|', 'accuracy', 'Δ vs seed [95% CI]', 'paid agent calls (search)'], rows));
}

export default async function bench(): Promise<void> {
  const started = performance.now();
  console.log(
    `[simulated model] paper tables${QUICK ? ' (--quick)' : ''}: seeds ${SEEDS.join(',')}; phenomena strength ${STRENGTH} where on; world ${BASE_WORLD === DEFAULT_WORLD_PATH ? 'default' : BASE_WORLD}${OVERRIDES.length ? ` with ${OVERRIDES.map(([p, k, v]) => `${p}.${k}=${v}`).join(', ')}` : ''}; search ${JSON.stringify(SEARCH)}; test items per benchmark ≤ ${TEST_LIMIT}`,
  );
  if (TABLES.has('0')) await table0();
  if (TABLES.has('2')) await table2();
  if (TABLES.has('1')) await table1();
  if (TABLES.has('3')) await table3();
  if (TABLES.has('4')) await table4();
  if (TABLES.has('5')) await table5();
  if (TABLES.has('6')) await table6();
  console.log(`\nrun time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
