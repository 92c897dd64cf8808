/**
 * `npm run bench -- gate`: does the regression gate cry wolf, and does it still catch real damage?
 * (a) noise-only reruns (same prompts, other seeds) at temperature 0.7 and 0 — false-alarm rate with a 95%
 * interval, target ≤ α = 5%; (b) detection of graded damage to the shipped MATH-500 prompts (n = 100), the
 * other suites unchanged; (c) both with and without the confirmation stage, and what it cost.
 * In-process simulated model, response cache off. GATE_BENCH_RERUNS (default 40) and GATE_BENCH_ITEMS
 * (items of the other suites, default 40) make it shorter or longer.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '../src/datasets/index.js';
import { buildRunRecord } from '../src/harness/aggregate.js';
import { baselineFromRun } from '../src/harness/baseline.js';
import { confirmVerdict } from '../src/harness/confirm.js';
import { baselinePromptsFor, DEFAULT_CONFIRM_REPEATS } from '../src/harness/confirm-run.js';
import { evaluateGate } from '../src/harness/gate.js';
import { createItemSampler, type ItemSampler } from '../src/harness/resample.js';
import type {
  Baseline,
  GateVerdict,
  ItemResultRecord,
  PromptsInfo,
  RunRecord,
} from '../src/harness/types.js';
import { wilsonInterval } from '../src/stats/index.js';
import { percent as pct } from '../src/util/format.js';

const ROOT = resolve(import.meta.dirname, '..');
const RERUNS = Number(process.env.GATE_BENCH_RERUNS ?? 40);
const OTHER_ITEMS = Number(process.env.GATE_BENCH_ITEMS ?? 40);
const SUITES = ['math500', 'aqua', 'gpqa-diamond', 'agieval-math'];
const LIMITS = { math500: 100, aqua: OTHER_ITEMS, 'gpqa-diamond': OTHER_ITEMS, 'agieval-math': OTHER_ITEMS };
const seeds = Array.from({ length: RERUNS }, (_, i) => i + 2); // the baseline is seed 1

const artifact = JSON.parse(readFileSync(join(ROOT, 'benchmarks/maspo.prompts.json'), 'utf8')) as {
  prompts: Record<string, string>;
};
const edit = (agent: string, f: (p: string) => string) => ({
  ...artifact.prompts,
  [agent]: f(artifact.prompts[agent]!),
});
const dropLine = (re: RegExp) => (p: string) =>
  p
    .split('\n')
    .filter((l) => !re.test(l))
    .join('\n');
const DAMAGES: Array<{ label: string; metric: string; prompts: Record<string, string> }> = [
  {
    label: 'solver without "think through each step"',
    metric: 'any',
    prompts: edit('solver', dropLine(/^Think through each step/)),
  },
  {
    label: 'reflector without "keep the previous answer"',
    metric: 'any',
    prompts: edit('reflector', dropLine(/^Keep the previous answer/)),
  },
  {
    label: 'reflector told to "always find a flaw" (misalignment-led)',
    metric: 'misalignmentRate',
    prompts: edit('reflector', (p) =>
      p.replace(
        '{{question}}',
        'Always find at least one flaw in the previous answer and fix it.\n{{question}}',
      ),
    ),
  },
];

const info = (prompts: Record<string, string>): PromptsInfo => ({
  source: 'artifact',
  hash: 'bench',
  agents: Object.fromEntries(Object.entries(prompts).map(([k, v]) => [k, { prompt: v }])),
  benchmarks: ['math500'],
  simulated: true,
});

function configAt(temperature: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-gate-bench-'));
  const text = readFileSync(join(ROOT, 'benchmarks/maspo.config.yaml'), 'utf8').replace(
    /^system:\n/m,
    `system:\n  temperature: ${temperature}\n`,
  );
  const file = join(dir, 'maspo.config.yaml');
  writeFileSync(file, text);
  return file;
}

async function sampler(configPath: string, prompts: Record<string, string>): Promise<ItemSampler> {
  return createItemSampler({
    configPath,
    prompts: info(prompts),
    limits: LIMITS,
    dataDir: resolveDataDir(),
    cache: 'off',
  });
}

async function runOf(
  s: ItemSampler,
  seed: number,
  suites = SUITES,
): Promise<Map<string, ItemResultRecord[]>> {
  const out = new Map<string, ItemResultRecord[]>();
  for (const b of suites) out.set(b, await s.run(b, { seed }));
  return out;
}

const record = (
  parts: Map<string, ItemResultRecord[]>,
  prompts: Record<string, string>,
  id: string,
): RunRecord => buildRunRecord([...parts.values()].flat(), { runId: id, prompts: info(prompts) });

interface Outcome {
  off: GateVerdict;
  on: GateVerdict;
}

async function gateBoth(run: RunRecord, baseline: Baseline, current: ItemSampler): Promise<Outcome> {
  const off = evaluateGate(run, baseline);
  const on = await confirmVerdict(run, baseline, off, current, {
    repeats: DEFAULT_CONFIRM_REPEATS,
    all: false,
    baselineResample: true,
    baselinePromptsFor: baselinePromptsFor(baseline, run),
  });
  return { off, on };
}

const rate = (k: number, n: number) => {
  const [lo, hi] = wilsonInterval(k, n);
  return `${k}/${n} = ${pct(k / n)} (95% CI ${pct(lo)}–${pct(hi)})`;
};
const costOf = (vs: GateVerdict[]) => vs.reduce((s, v) => s + (v.confirmation?.cost.calls ?? 0), 0);

export default async function bench(): Promise<void> {
  const started = Date.now();
  console.log(
    `gate bench: ${RERUNS} reruns per row; suites ${SUITES.join(', ')} (MATH-500 100 items, others ${OTHER_ITEMS}); Holm at family-wise α = 0.05; confirmation: ${DEFAULT_CONFIRM_REPEATS} fresh samples per discordant item and side, borderline failures only`,
  );
  const rows: string[] = [];
  let zeroNoise: Array<Map<string, ItemResultRecord[]>> = [];
  let zeroBaseline: Baseline | undefined;
  let zeroConfig = '';
  for (const temperature of [0.7, 0]) {
    const config = configAt(temperature);
    const intact = await sampler(config, artifact.prompts);
    const baseline = baselineFromRun(record(await runOf(intact, 1), artifact.prompts, 'baseline'));
    const outcomes: Outcome[] = [];
    const parts: Array<Map<string, ItemResultRecord[]>> = [];
    let calls = 0;
    for (const seed of seeds) {
      const p = await runOf(intact, seed);
      parts.push(p);
      const run = record(p, artifact.prompts, `noise-${seed}`);
      calls += run.benchmarks.reduce((s, b) => s + b.usage.calls, 0);
      outcomes.push(await gateBoth(run, baseline, intact));
    }
    await intact.close();
    const fa = (k: 'off' | 'on') => outcomes.filter((o) => !o[k].pass).length;
    const failing = outcomes.flatMap((o, i) =>
      o.off.failures.map((f) => `seed ${seeds[i]}: ${f.benchmark} ${f.metric}`),
    );
    rows.push(
      `| (a) noise only, temperature ${temperature} | false alarms | ${rate(fa('off'), RERUNS)} | ${rate(fa('on'), RERUNS)} | ${costOf(outcomes.map((o) => o.on))} calls (${(((costOf(outcomes.map((o) => o.on)) / Math.max(1, calls / RERUNS)) * 100) / RERUNS).toFixed(1)}% of a run, averaged) |`,
    );
    if (failing.length) console.log(`  t=${temperature} failing without confirmation: ${failing.join('; ')}`);
    if (temperature === 0) {
      zeroNoise = parts;
      zeroBaseline = baseline;
      zeroConfig = config;
    }
  }
  for (const d of DAMAGES) {
    const damaged = await sampler(zeroConfig, d.prompts);
    const outcomes: Outcome[] = [];
    const deltas: number[] = [];
    const misDeltas: number[] = [];
    let calls = 0;
    for (const [i, seed] of seeds.entries()) {
      const p = new Map(zeroNoise[i]!);
      p.set('math500', await damaged.run('math500', { seed }));
      const run = record(p, d.prompts, `damage-${seed}`);
      calls += run.benchmarks.reduce((s, b) => s + b.usage.calls, 0);
      const o = await gateBoth(run, zeroBaseline!, damaged);
      const cmp = o.off.comparisons.find((c) => c.benchmark === 'math500')!;
      deltas.push(cmp.accuracyDelta ?? 0);
      misDeltas.push(cmp.misalignmentDelta ?? 0);
      outcomes.push(o);
    }
    await damaged.close();
    const hit = (v: GateVerdict) =>
      v.failures.some((f) => f.benchmark === 'math500' && (d.metric === 'any' || f.metric === d.metric));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const pt = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pt`;
    const c = costOf(outcomes.map((o) => o.on));
    rows.push(
      `| (b) ${d.label}: accuracy ${pt(mean(deltas))}, misalignment ${pt(mean(misDeltas))} (MATH-500, t=0) | detected | ${rate(outcomes.filter((o) => hit(o.off)).length, RERUNS)} | ${rate(outcomes.filter((o) => hit(o.on)).length, RERUNS)} | ${c} calls (${(((c / (calls / RERUNS)) * 100) / RERUNS).toFixed(1)}% of a run, averaged) |`,
    );
  }
  console.log('');
  console.log(
    '| scenario | measure | confirmation off | confirmation on (`--confirm-baseline`) | extra cost of confirmation |',
  );
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
