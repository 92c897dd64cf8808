import { beforeAll, describe, expect, it } from 'vitest';
import { buildJudgeMessages, parseVerdict } from '../../src/contracts/judge.js';
import type { Item } from '../../src/datasets/types.js';
import { gradeMath } from '../../src/tasks/math.js';
import {
  baseSim,
  FLAW,
  items,
  KEEP,
  MARK,
  type PipelineRun,
  runPipeline,
  SEED_REFLECTOR,
  SEED_SOLVER,
  withDirective,
} from './helpers.js';

let list: Item[];
const accuracy = (runs: PipelineRun[]) =>
  runs.filter((r, i) => gradeMath(r.final, list[i]!.gold).correct).length / runs.length;

beforeAll(() => {
  list = items('math500').slice(0, 100);
});

describe('directive effects in the base world (phenomena at strength 0), measured with the real math scorer (100 MATH-500 items, solver → reflector, sim-small)', () => {
  it('mark-final-answer (solver) + keep-unless-wrong (reflector) beat the seed prompts by at least 10 points', async () => {
    const { client } = baseSim();
    const seed = await runPipeline(client, list, { solver: SEED_SOLVER, reflector: SEED_REFLECTOR });
    const tuned = await runPipeline(client, list, {
      solver: withDirective(SEED_SOLVER, MARK),
      reflector: withDirective(SEED_REFLECTOR, KEEP),
    });
    const a0 = accuracy(seed);
    const a1 = accuracy(tuned);
    console.log(`simulated model: seed ${a0.toFixed(2)}, tuned ${a1.toFixed(2)}`);
    expect(a1 - a0).toBeGreaterThanOrEqual(0.1);
    // Each directive helps on its own too.
    const markOnly = accuracy(
      await runPipeline(client, list, {
        solver: withDirective(SEED_SOLVER, MARK),
        reflector: SEED_REFLECTOR,
      }),
    );
    expect(markOnly).toBeGreaterThan(a0);
    expect(a1).toBeGreaterThan(markOnly);
  });

  it('a harmful directive lowers accuracy (always-find-a-flaw on the reflector, be-terse on the solver)', async () => {
    const { client } = baseSim();
    const base = { solver: withDirective(SEED_SOLVER, MARK), reflector: SEED_REFLECTOR };
    const a0 = accuracy(await runPipeline(client, list, base));
    const flaw = accuracy(
      await runPipeline(client, list, { ...base, reflector: withDirective(SEED_REFLECTOR, FLAW) }),
    );
    const terse = accuracy(
      await runPipeline(client, list, {
        ...base,
        solver: withDirective(base.solver, 'Be terse; answer immediately with no explanation.'),
      }),
    );
    expect(flaw).toBeLessThan(a0 - 0.05);
    expect(terse).toBeLessThan(a0);
  });

  it('sim-large scores higher than sim-small with the same prompts', async () => {
    const { client } = baseSim();
    const prompts = {
      solver: withDirective(SEED_SOLVER, MARK),
      reflector: withDirective(SEED_REFLECTOR, KEEP),
    };
    const small = accuracy(await runPipeline(client, list, prompts));
    const large = accuracy(await runPipeline(client, list, prompts, 'sim:sim-large'));
    expect(large).toBeGreaterThan(small + 0.05);
  });
});

describe('misalignment', () => {
  it('a local judge often prefers the verbose unmarked seed solution on items whose final answer then fails', async () => {
    const { client } = baseSim();
    const seed = await runPipeline(client, list, { solver: SEED_SOLVER, reflector: SEED_REFLECTOR });
    const marked = await runPipeline(client, list, {
      solver: withDirective(SEED_SOLVER, MARK),
      reflector: SEED_REFLECTOR,
    });
    let prefersUnmarked = 0;
    let prefersUnmarkedAndFails = 0;
    for (const [i, item] of list.entries()) {
      const verdict = parseVerdict(
        (
          await client.complete({
            model: 'sim:sim-small',
            role: 'judge',
            messages: buildJudgeMessages({
              signal: 'local',
              agentRole: 'solver',
              rubric: 'Which output is the better solution to the question?',
              question: item.question,
              outputA: seed[i]!.solver,
              outputB: marked[i]!.solver,
            }),
          })
        ).text,
      );
      if (verdict === 'A') {
        prefersUnmarked++;
        if (!gradeMath(seed[i]!.final, item.gold).correct) prefersUnmarkedAndFails++;
      }
    }
    console.log(
      `simulated model: local judge prefers unmarked on ${prefersUnmarked}/100, of which final fails ${prefersUnmarkedAndFails}`,
    );
    // A measurable share, not a majority: a local judge that nearly always preferred the unmarked style
    // would make the beneficial directive unreachable for any joint reward (bench/optimize-seeds.bench.ts).
    expect(prefersUnmarked).toBeGreaterThanOrEqual(30);
    expect(prefersUnmarkedAndFails).toBeGreaterThanOrEqual(20);
  });
});
