import { describe, expect, it } from 'vitest';
import { confirmVerdict, discordantIds, type Resampler } from '../../src/harness/confirm.js';
import { evaluateGate } from '../../src/harness/gate.js';
import type { ItemResultRecord } from '../../src/harness/types.js';
import type { PromptMap } from '../../src/mas/types.js';
import { baselineOf, outcomes, perturb, records, run } from './synthetic.js';

const base = outcomes(100, 70);
const now = perturb(base, 12, 2); // borderline: Holm-adjusted p ≈ 0.013 over 2 tests
const stage1 = run({ math500: now });
const baseline = baselineOf({ math500: base });
const BASELINE_PROMPTS: PromptMap = { solver: 'baseline solver prompt' };

/** A crafted resampler: each item's fresh outcome is decided by `decide(side, id, sampleIndex)`. */
function crafted(decide: (side: 'now' | 'base', id: string, sampleIndex: number) => boolean) {
  const calls: Array<{ side: 'now' | 'base'; ids: readonly string[]; sampleIndex: number }> = [];
  const sampler: Resampler = {
    async run(benchmark, o) {
      const side = o.prompts === BASELINE_PROMPTS ? 'base' : 'now';
      calls.push({ side, ids: o.ids, sampleIndex: o.sampleIndex });
      const recs = records(
        benchmark,
        o.ids.map((id) => ({ correct: decide(side, id, o.sampleIndex) })),
      );
      return recs.map((r, i): ItemResultRecord => ({ ...r, id: o.ids[i]! }));
    },
  };
  return { sampler, calls };
}

const options = (over: Partial<Parameters<typeof confirmVerdict>[4]> = {}) => ({
  repeats: 3,
  all: false,
  baselineResample: true,
  baselinePromptsFor: () => BASELINE_PROMPTS,
  ...over,
});

describe('confirmation of borderline failures (stage 2)', () => {
  const v1 = evaluateGate(stage1, baseline);

  it('stage 1 flags the failure as borderline, on 14 discordant items', () => {
    expect(v1.pass).toBe(false);
    expect(v1.failures[0]!.borderline).toBe(true);
    expect(discordantIds(stage1, baseline, 'math500', 'accuracy')).toHaveLength(14);
  });

  it('confirms a real regression: fresh pairs mostly worse; only discordant items, fresh indexes on both sides', async () => {
    const { sampler, calls } = crafted((side) => side === 'base'); // baseline right, now wrong, every time
    const v = await confirmVerdict(stage1, baseline, v1, sampler, options());
    expect(v.pass).toBe(false);
    expect(v.failures[0]!.test).toMatch(
      /confirmed \(stage 2 on 3 fresh sample\(s\) of 14 discordant item\(s\) per side: 42 worse, 0 better/,
    );
    expect(calls.map((c) => `${c.side}:${c.sampleIndex}`)).toEqual([
      'now:1',
      'base:4',
      'now:2',
      'base:5',
      'now:3',
      'base:6',
    ]);
    const discordant = discordantIds(stage1, baseline, 'math500', 'accuracy');
    for (const c of calls) expect([...c.ids].sort()).toEqual([...discordant].sort());
    expect(v.confirmation).toMatchObject({ repeats: 3, baselineResampled: true });
    expect(v.confirmation!.cost.calls).toBe(6 * 14 * 2); // 2 calls per synthetic item record
    expect(v.notes.at(-1)).toMatch(
      /^confirmation: 1 metric\(s\), 3 fresh sample\(s\) .* cost 168 calls, 12600 tokens \(8400 in \/ 4200 out\)/,
    );
  });

  it('clears noise: when fresh pairs go both ways the failure is not confirmed and the gate passes', async () => {
    // Each item's fresh outcome is a coin flip shared by nothing: half the pairs worse, half better.
    const { sampler } = crafted(
      (side, id, k) => (Number(id.split('/')[1]) + k + (side === 'base' ? 1 : 0)) % 2 === 0,
    );
    const v = await confirmVerdict(stage1, baseline, v1, sampler, options());
    expect(v.pass).toBe(true);
    expect(v.failures).toEqual([]);
    expect(v.notes.join('\n')).toMatch(
      /math500: accuracy failure not confirmed \(stage 2 .* > α=0\.05\); passes/,
    );
  });

  it('never re-samples the baseline silently: without --confirm-baseline the failure stands with a hint', async () => {
    const { sampler, calls } = crafted(() => true);
    const v = await confirmVerdict(stage1, baseline, v1, sampler, options({ baselineResample: false }));
    expect(calls).toEqual([]);
    expect(v.pass).toBe(false);
    expect(v.notes.at(-1)).toMatch(/borderline: math500 accuracy .* rerun with `--confirm-baseline`/);
  });

  it('leaves strong failures alone unless every failure is to be confirmed (`--confirm n`)', async () => {
    const strong = evaluateGate(run({ math500: perturb(base, 25, 1) }), baseline);
    expect(strong.failures[0]!.borderline).toBe(false);
    const { sampler, calls } = crafted(() => true); // fresh samples all right on both sides: no evidence
    expect(
      await confirmVerdict(run({ math500: perturb(base, 25, 1) }), baseline, strong, sampler, options()),
    ).toBe(strong);
    expect(calls).toEqual([]);
    const all = await confirmVerdict(
      run({ math500: perturb(base, 25, 1) }),
      baseline,
      strong,
      sampler,
      options({ all: true }),
    );
    expect(all.pass).toBe(true);
    expect(calls.length).toBe(6);
  });
});
