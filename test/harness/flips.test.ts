import { describe, expect, it } from 'vitest';
import { shortAnswer } from '../../src/harness/aggregate.js';
import { baselineSchema } from '../../src/harness/baseline.js';
import { computeFlips, flipCounts } from '../../src/harness/flips.js';
import { ANSWER_CHARS } from '../../src/harness/types.js';
import { baselineOf, outcomes, run } from './synthetic.js';

describe('flips against the baseline', () => {
  const base = outcomes(10, 5);

  it('lists newly wrong, newly right and newly misaligned paired items, with answers and agents', () => {
    const now = base.map((o, i) =>
      i === 0 ? { correct: false, misaligned: true } : i === 7 ? { correct: true } : o,
    );
    const [f] = computeFlips(run({ math500: now }), baselineOf({ math500: base }));
    expect(f!.paired).toBe(10);
    expect(flipCounts(f!)).toEqual({ 'newly wrong': 1, 'newly right': 1, 'newly misaligned': 1 });
    expect(f!.flips.map((x) => [x.kind, x.id])).toEqual([
      ['newly wrong', 'math500/0'],
      ['newly right', 'math500/7'],
      ['newly misaligned', 'math500/0'],
    ]);
    expect(f!.flips[2]).toEqual({
      id: 'math500/0',
      kind: 'newly misaligned',
      before: '42',
      now: '7',
      gold: '42',
      agents: [
        { agent: 'reflector', extracted: '7', correct: false },
        { agent: 'solver', extracted: '42', correct: true },
      ],
    });
  });

  it('skips items errored on either side or missing from the baseline; none without a baseline', () => {
    const now = run({ math500: base.map((o, i) => (i === 0 ? { correct: false, error: 'timeout' } : o)) });
    const b = baselineOf({ math500: base.map((o, i) => (i === 1 ? { correct: false, error: 'x' } : o)) });
    delete b.benchmarks.math500!.items['math500/2'];
    const [f] = computeFlips(now, b);
    expect(f!.paired).toBe(7);
    expect(f!.flips).toEqual([]);
    expect(computeFlips(now, undefined)).toEqual([]);
  });

  it('reads a baseline written before answers were kept (before is unknown, not "none")', () => {
    const b = baselineOf({ math500: base });
    for (const it of Object.values(b.benchmarks.math500!.items)) delete it.a;
    const [f] = computeFlips(run({ math500: outcomes(10, 4) }), baselineSchema.parse(b) as typeof b);
    expect(f!.flips[0]!.before).toBeUndefined();
  });

  it('keeps answers short (code answers are whole programs)', () => {
    const program = `def f(x):\n    return ${'x + '.repeat(40)}1\n`;
    const s = shortAnswer(program);
    expect(s.length).toBe(ANSWER_CHARS);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toContain('\n');
    expect(shortAnswer(' B ')).toBe('B');
  });
});
