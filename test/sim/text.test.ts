import { describe, expect, it } from 'vitest';
import { lastBoxed } from '../../src/llm/sim/text.js';

describe('how the simulated model reads a boxed answer', () => {
  it('takes the last balanced \\boxed{} and stops on an unbalanced one at the very start', () => {
    expect(lastBoxed('so \\boxed{\\frac{1}{2}} here')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\boxed{1} then \\boxed{2')).toBe('1');
    expect(lastBoxed('\\boxed{x')).toBeNull();
    expect(lastBoxed('no box')).toBeNull();
  });
});
