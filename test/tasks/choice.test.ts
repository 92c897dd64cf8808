import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/datasets/types.js';
import { choiceScorer, extractChoice, gradeChoice, normalizeChoiceLetter } from '../../src/tasks/choice.js';

const ABCD = ['A', 'B', 'C', 'D'];

describe('extractChoice: explicit answers win', () => {
  it.each<[string, string]>([
    ['Answer: C', 'C'],
    ['answer: c', 'C'],
    ['Some reasoning about B.\nAnswer: D', 'D'],
    ['Therefore, the answer is (C).', 'C'],
    ['The answer is C because the others fail.', 'C'],
    ['The correct answer is: **B**', 'B'],
    ['The correct option is B) 42', 'B'],
    ['Final answer: $\\boxed{A}$', 'A'],
    ['so we pick \\boxed{D}', 'D'],
    ['so we pick \\boxed{(B)}', 'B'],
    ['so we pick \\boxed{\\text{C}}', 'C'],
    ['<answer>B</answer>', 'B'],
    ['<answer>(A)</answer>', 'A'],
    ['The answer is A. Wait, that is wrong; the answer is C.', 'C'],
    ['A) 5 B) 6 C) 7 D) 8\nAnswer: B', 'B'],
    ['I considered A and B, but the final answer is D', 'D'],
    ['The answer is $\\text{(E)}$', 'E'],
    ['Answer - B', 'B'],
    ['The best choice is option C.', 'C'],
    ['the answer is (c)', 'C'],
    ['B', 'B'],
    ['(D)', 'D'],
    ['Lots of reasoning.\n\n**C**', 'C'],
    ['Reasoning...\n$\\text{(A)}$', 'A'],
    ['**Final Answer: D**', 'D'],
    ['Answer: (B) 42', 'B'],
    ['ANSWER: B', 'B'],
    ['Answer: Option C', 'C'],
    ['So, Answer: C\n\nExplanation: because A and B fail.', 'C'],
    ['The final answer is D) 18', 'D'],
  ])('%j → %s', (text, want) => {
    expect(extractChoice(text)).toBe(want);
  });
});

describe('extractChoice: letters that do not count', () => {
  it.each<[string]>([
    ['A) foo B) bar C) baz D) qux'],
    ['I considered A and B.'],
    ['Both options A and C look plausible.'],
    ['A cat sat on the mat. Because of this, nothing.'],
    ['Apples are Delicious.'],
    ['The answer is a number greater than five.'],
    ['The answer is not obvious.'],
    ['Answer: Also depends on temperature.'],
    ['the answer is C or D'],
    ['Answer: B, C'],
    [''],
    ['I do not know.'],
    ['<answer>42</answer>'],
    ['Choices: (A) 1 (B) 2 (C) 3'],
    ['Option A: 5\nOption B: 6'],
    ['Between A and D, I choose D.'],
    ['The answer is BAD'],
    ['Answer: All of the above'],
    ['The answer is I think B'],
  ])('%j → null', (text) => {
    expect(extractChoice(text)).toBeNull();
  });
  it('respects the valid letters', () => {
    expect(extractChoice('Answer: E', ABCD)).toBeNull();
    expect(extractChoice('Answer: E')).toBe('E');
  });
});

describe('gradeChoice and choiceScorer', () => {
  it('grades', () => {
    expect(gradeChoice('Answer: C', 'C')).toEqual({ correct: true, extracted: 'C' });
    expect(gradeChoice('Answer: B', 'C')).toEqual({ correct: false, extracted: 'B' });
    expect(gradeChoice('no idea', 'C')).toEqual({ correct: false, extracted: null });
    expect(gradeChoice('Answer: C', '(c)')).toEqual({ correct: true, extracted: 'C' });
    expect(gradeChoice('Answer: C', '??').error).toMatch(/not a letter/);
  });
  it('normalises gold letters', () => {
    expect(normalizeChoiceLetter(' (b) ')).toBe('B');
    expect(normalizeChoiceLetter('AB')).toBeNull();
  });
  it('scorer takes the letters from the item options', async () => {
    const item: Item = {
      id: 'x',
      benchmark: 'aqua',
      task: 'choice',
      question: 'q',
      gold: 'E',
      meta: { options: ['A', 'B', 'C', 'D', 'E'].map((letter) => ({ letter, text: letter.toLowerCase() })) },
    };
    expect(await choiceScorer.score(item, 'The answer is E')).toEqual({ correct: true, extracted: 'E' });
    const four: Item = { ...item, gold: 'A', meta: { options: item.meta.options!.slice(0, 4) } };
    expect(choiceScorer.extract(four, 'Answer: E')).toBeNull();
    expect(choiceScorer.same(item, 'c', 'C')).toBe(true);
  });
});

describe('scorerFor', () => {
  it('returns the scorer for each task type', async () => {
    const { scorerFor } = await import('../../src/tasks/index.js');
    const { mathScorer } = await import('../../src/tasks/math.js');
    expect(scorerFor('choice')).toBe(choiceScorer);
    expect(scorerFor('math')).toBe(mathScorer);
    const code = scorerFor('code');
    expect(typeof code.score).toBe('function');
    expect(typeof code.extract).toBe('function');
    await code.close();
  });
});

describe('extractChoice: replies that open with the letter, and other issue 11 forms', () => {
  it.each<[string, string | null]>([
    ["D. it can't be A or B", 'D'],
    ['(D) Alina', 'D'],
    ['C Cecile', 'C'],
    ['A Peter\nCelina bum', 'A'],
    ['B。不是 A', 'B'],
    ['The answer is for sure D, it can’t be A or B', 'D'],
    ["The answer is for sure D, it can't be A or B", 'D'],
    ['After checking each option, I pick option c.', 'C'],
    ['I would rule out option a.', null],
    [': B', 'B'],
    ["Let's think step by step. It's not A because it doesn't make sense, therefore I think it's B", 'B'],
    ["It's not B", null],
    ['réponse est C non A', 'C'],
    // a letter that is only mentioned still never counts
    ['A or B could both work, hard to say.', null],
    ['A) 1\nB) 2\nC) 3', null],
    ['(A) 1 (B) 2 (C) 3', null],
    ['A cat sat on the mat, then B came.', null],
    ['A Bayesian reading of the question suggests several things', null],
    ['We can eliminate A and B quickly.', null],
  ])('%j → %s', (text, want) => {
    expect(extractChoice(text)).toBe(want);
  });
});
