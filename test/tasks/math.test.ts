import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/datasets/types.js';
import { extractMathAnswer, gradeMath, mathEquivalent, mathScorer } from '../../src/tasks/math.js';
import { normalizeMath } from '../../src/tasks/math-normalize.js';

/** [a, b, why]: pairs that must be judged equivalent, in both directions. */
const EQUIVALENT: Array<[string, string, string]> = [
  ['\\frac{1}{2}', '0.5', 'fraction vs decimal'],
  ['\\frac{3}{4}', '.75', 'leading-dot decimal'],
  ['\\dfrac{3}{4}', '\\frac34', '\\dfrac vs shorthand \\frac34'],
  ['\\tfrac{3}{2}', '1.5', '\\tfrac'],
  ['\\frac 59', '\\frac{5}{9}', 'spaced shorthand'],
  ['\\frac9{19}', '\\frac{9}{19}', 'half-braced shorthand'],
  ['2\\sqrt{2}', '\\sqrt{8}', 'radicals simplify'],
  ['\\sqrt2', '\\sqrt{2}', 'unbraced sqrt'],
  ['\\frac{\\sqrt{3}}{3}', '\\frac{1}{\\sqrt{3}}', 'rationalised denominator'],
  ['\\frac{\\pi}{4}', '0.785398', 'pi vs 6-dp decimal'],
  ['2\\pi', '\\pi \\cdot 2', 'pi products'],
  ['\\sqrt[3]{8}', '2', 'cube root'],
  ['2.5\\times10^{3}', '2500', 'scientific notation'],
  ['2^{10}', '1024', 'power'],
  ['\\log_2 8', '3', 'logarithm'],
  ['5!', '120', 'factorial'],
  ['\\binom{5}{2}', '10', 'binomial coefficient'],
  ['|-3|', '3', 'absolute value'],
  ['\\sin\\frac{\\pi}{6}', '\\frac12', 'trig value'],
  ['e^{i\\pi}', '-1', 'complex exponential'],
  ['6 - 5i', '-5i+6', 'complex numbers reordered'],
  ['(2,\\infty)', '\\left( 2, \\infty \\right)', '\\left/\\right'],
  ['(3,4]', '\\left(3, 4\\right]', 'half-open interval'],
  ['[-2,7]', 'x \\in [-2,7]', 'x \\in interval'],
  ['(-\\infty, 2) \\cup (3, \\infty)', '(3,\\infty)\\cup(-\\infty,2)', 'unions are unordered'],
  ['(6,31,-1)', '(6, 31, -1)', 'tuple spacing'],
  ['\\left( \\frac{3}{2}, -13 \\right)', '(1.5,-13)', 'tuple elements compared as numbers'],
  ['\\{1,2\\}', '\\{2,1\\}', 'sets are unordered'],
  ['1,-2', '-2, 1', 'bare lists of solutions are unordered'],
  ['1 \\pm \\sqrt{19}', '1+\\sqrt{19}, 1-\\sqrt{19}', '\\pm expands to two answers'],
  ['\\{1\\pm\\sqrt{5},-2\\}', '-2, 1+\\sqrt5, 1-\\sqrt5', '\\pm inside a set'],
  ['90^\\circ', '90', 'degrees'],
  ['90^{\\circ}', '90°', 'degree sign'],
  ['\\frac{270}7\\text{ degrees}', '\\frac{270}{7}', 'degrees as text unit'],
  ['100\\%', '100', 'percent sign'],
  ['10,\\!080', '10080', 'thousands with \\!'],
  ['11,\\! 111,\\! 111,\\! 100', '11111111100', 'several thousands groups'],
  ['58,500', '58500', 'plain thousands separators'],
  ['\\$32,\\!348', '32348', 'dollars and thousands'],
  ['\\$18.90', '18.9', 'dollar amount with trailing zero'],
  ['5.4 \\text{ cents}', '5.4', '\\text unit'],
  ['864 \\mbox{ inches}^2', '864', '\\mbox unit with exponent'],
  ['15\\mbox{ cm}^2', '15 cm^2', 'unit words'],
  ['8\\sqrt{3} \\text { square inches}', '8\\sqrt{3}', '\\text with a space before the brace'],
  ['12 \\text{cm}', '12', 'unit without leading space'],
  ['x=5', '5', 'assignment vs value'],
  ['x = 3', '3', 'assignment with spaces'],
  ['y = 2x + 3', 'y=3+2x', 'line equation'],
  ['5x - 7y + 11z + 4 = 0', '-5x + 7y - 11z - 4 = 0', 'plane equation up to a factor'],
  ['20x + 23y + 26z - 69 = 0', '40x+46y+52z=138', 'plane equation scaled'],
  ['\\frac{x^2}{16} - \\frac{y^2}{9} = 1', '9x^2 - 16y^2 = 144', 'conic equation scaled'],
  ['x^2+2x+1', '(x+1)^2', 'polynomial identity'],
  ['(a+5)(b+2)', 'ab+2a+5b+10', 'factored vs expanded'],
  ['\\frac{11+9a}{20}', '\\frac{11}{20}+\\frac{9a}{20}', 'split fraction with a variable'],
  ['\\cot x', '\\frac{\\cos x}{\\sin x}', 'trig identity; \\cot x keeps its space'],
  ['-\\sqrt{x-3}+3', '3-\\sqrt{x-3}', 'radical with a variable'],
  ['1\\frac{4}{5}', '\\frac95', 'mixed number'],
  ['137 \\frac{1}{2}', '137.5', 'mixed number with a space'],
  [
    '\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}',
    '\\begin{pmatrix} -\\frac13 \\\\ \\frac23 \\\\ \\frac53 \\end{pmatrix}',
    'column vector entries',
  ],
  [
    '\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}',
    '\\begin{bmatrix}-1&0\\\\0&-1\\end{bmatrix}',
    'matrix environments',
  ],
  ['\\begin{pmatrix} 1 \\\\ -2 \\\\ -1 \\end{pmatrix}', '(1,-2,-1)', 'column vector as a tuple'],
  ['\\text{(C)}', 'C', 'AQuA/AGIEval letter in \\text'],
  ['(C)', 'C', 'letter in parentheses'],
  ['\\textbf{(B)}', '(B)', 'bold letter'],
  ['\\text{Evelyn}', 'Evelyn', 'text answer'],
  ['\\text{east}', 'East', 'text answers are case-insensitive'],
  ['52_8', '52_{8}', 'base-n numeral'],
  ['\\boxed{7}', '7', 'boxed gold'],
  ['$\\frac{1}{3}$', '\\frac13', 'dollar-delimited'],
  ['\\frac{12}{5,\\!525}', '\\frac{12}{5525}', 'thousands inside a fraction'],
  ['0.\\overline{3}', '\\frac13', 'repeating decimal'],
  ['\\infty', '\\infty', 'infinity'],
  ['-\\frac{\\pi}{6}', '-\\frac{\\pi}{6}', 'identical'],
  ['\\frac{3}{2}', '\\frac{6}{4}', 'unreduced fraction (lenient)'],
  ['3 and 5', '3, 5', '"and" between answers'],
  ['10\\%', '10', 'percent'],
  ['C', '(C) 4\\sqrt{2}', 'option letter followed by its text'],
  ['\\text{5 cm}', '5', 'unit inside \\text'],
  ['\\$1,000.50', '1000.5', 'money with thousands and cents'],
  ['1/2', '\\frac{1}{2}', 'slash fraction'],
  ['(-∞, 0]', '(-\\infty,0]', 'unicode infinity'],
  [
    '\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]',
    '[\\pi^2/8, 5\\pi^2/4]',
    'closed interval with pi',
  ],
  ['1{,}000', '1000', 'thousands with {,}'],
  ['1\\,000', '1000', 'thousands with a thin space'],
  ['1,000,000', '1000000', 'two thousands groups'],
  ['\\text{10 meters}', '10', 'number and unit inside \\text'],
  ['k = 7', '7', 'assignment to another letter'],
  ['x=\\frac12', '0.5', 'assignment to a fraction'],
  ['\\left\\{ 1, 2 \\right\\}', '\\{2,1\\}', '\\left\\{ set'],
  ['-\\frac{1}{2}', '\\frac{-1}{2}', 'sign inside the fraction'],
  ['\\sqrt{2}/2', '\\frac{\\sqrt{2}}{2}', 'slash fraction with a radical'],
  ['\\pi', '3.14159265', 'pi vs 8-dp decimal'],
  ['[1,3)', '\\left[1,3\\right)', 'half-open interval, other side'],
  ['30^{\\circ}', '30^\\circ', 'braced and bare degrees'],
  ['1.5\\%', '1.5', 'decimal percent'],
  ['\\textbf{(A)}', 'A', 'bold letter vs bare letter'],
];

/** [a, b, why]: wrong-but-similar pairs that must stay different, in both directions. */
const DIFFERENT: Array<[string, string, string]> = [
  ['(3,4]', '(3,4)', 'interval bracket kinds'],
  ['[0,\\infty)', '(0,\\infty)', 'closed vs open end'],
  ['1,000', '1', 'thousands vs one'],
  ['2\\sqrt{2}', '\\sqrt{2}', 'coefficient matters'],
  ['\\frac13', '0.33', 'two-digit decimal is not a third'],
  ['\\sqrt2', '1.41', 'rounded radical'],
  ['\\frac{\\pi}{4}', '0.7854', 'four decimals are not six'],
  ['(1,2)', '[1,2]', 'tuple vs closed interval'],
  ['(1,2)', '(2,1)', 'tuples are ordered'],
  ['x+1', 'x-1', 'different polynomials'],
  ['|x|', 'x', 'absolute value'],
  ['90', '\\frac{\\pi}{2}', 'degrees are not radians'],
  ['x=3', 'x=4', 'different assignments'],
  ['5x-7y+11z+4=0', '6x-7y+11z+4=0', 'different planes'],
  ['x\\in[-2,7]', 'x\\in[-3,7]', 'different intervals with \\in'],
  ['x < 3', 'x > 3', 'inequality direction'],
  ['10\\%', '0.1', 'percent is not rescaled'],
  ['52_8', '52', 'base subscript matters'],
  ['C', 'D', 'different letters'],
  ['(C)', '3', 'letter vs number'],
  ['C', '(D) 4\\sqrt{2}', 'other option letter followed by text'],
  ['\\text{Evelyn}', '\\text{Devon}', 'different names'],
  ['1, 2', '1, 2, 3', 'list lengths'],
  ['\\{1,2\\}', '(1,2)', 'set vs tuple'],
  ['0.0000672', '0.0000673', 'small decimals'],
  ['10^{10^{10}}', '10^{10^{11}}', 'huge towers are not both "infinity"'],
  ['100000!', '99999!', 'huge factorials'],
  ['2k+2', '2k', 'different linear expressions'],
  ['3R^2', '3r^2', 'variables are case-sensitive'],
  ['1+2i', '1-2i', 'conjugates'],
  [
    '\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}',
    '\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}',
    'transposed',
  ],
  ['(0,9) \\cup (9,36)', '(0,36)', 'a hole in the interval'],
  ['1 \\pm \\sqrt{19}', '1+\\sqrt{19}', 'only one of the two'],
  ['', '0', 'empty answer'],
  ['[3,4)', '(3,4)', 'closed left end'],
  ['[3,4]', '(3,4]', 'closed vs half-open'],
  ['1,000', '1,001', 'thousands differ in the last digit'],
  ['1000', '1,000,000', 'one thousand vs one million'],
  ['12,345', '12345.1', 'thousands vs a decimal'],
  ['3\\sqrt{2}', '2\\sqrt{3}', 'swapped coefficient and radicand'],
  ['\\sqrt{2}/2', '\\sqrt{2}', 'missing denominator'],
  ['\\pi', '3.14', 'pi to two decimals'],
  ['2\\pi', '\\pi', 'pi coefficient'],
  ['(1,2,3)', '(3,2,1)', 'reversed tuple'],
  ['\\{1,2\\}', '\\{1,2,3\\}', 'set with an extra element'],
  ['30^\\circ', '60', 'different degrees'],
  ['25\\%', '0.25', 'percent vs fraction of one'],
  ['x=3', '-3', 'sign of an assigned value'],
  ['\\frac{-1}{2}', '\\frac12', 'sign inside the fraction'],
  ['0.5', '0.05', 'decimal place'],
  ['3', '3.001', 'close but not equal'],
  ['\\infty', '-\\infty', 'signed infinity'],
  ['5\\text{ cm}', '6\\text{ cm}', 'same unit, different number'],
  ['\\begin{pmatrix}1\\\\2\\end{pmatrix}', '\\begin{pmatrix}2\\\\1\\end{pmatrix}', 'vector entries swapped'],
  ['(A)', '(B)', 'different bracketed letters'],
];

describe('mathEquivalent', () => {
  it.each(EQUIVALENT)('%s ≡ %s (%s)', (a, b) => {
    expect(mathEquivalent(a, b)).toBe(true);
    expect(mathEquivalent(b, a)).toBe(true);
  });
  it.each(DIFFERENT)('%s ≢ %s (%s)', (a, b) => {
    expect(mathEquivalent(a, b)).toBe(false);
    expect(mathEquivalent(b, a)).toBe(false);
  });
  it('finishes pathological inputs fast and false', () => {
    const t = performance.now();
    expect(mathEquivalent('2^{2^{2^{2^{10}}}}', '1')).toBe(false);
    expect(mathEquivalent('\\sum_{n=1}^{10^{9}} n', '1')).toBe(false);
    expect(mathEquivalent('(1+x)^{200}', '(x+1)^{200}')).toBe(true);
    expect(mathEquivalent('9'.repeat(2000), '1')).toBe(false);
    expect(mathEquivalent('\\sum_{n=1}^{10} n', '55')).toBe(true);
    expect(mathEquivalent('(x+1)^{100000}', '(x+1)^2')).toBe(false);
    expect(mathEquivalent('99999999999999999999!', '1')).toBe(false);
    expect(mathEquivalent('\\prod_{k=1}^{1000000}k', '1')).toBe(false);
    expect(mathEquivalent('e^{e^{e^{e^{10}}}}', 'e^{e^{e^{e^{11}}}}')).toBe(false);
    const ones = (last: string) => `\\{${Array(40).fill('1').join(',')},${last}\\}`;
    expect(mathEquivalent(ones('2'), ones('3'))).toBe(false);
    expect(performance.now() - t).toBeLessThan(1500);
  });
});

describe('normalizeMath', () => {
  it.each([
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '(3,\\frac{\\pi}{2})'],
    ['\\dfrac{17}{50}', '\\frac{17}{50}'],
    ['10,\\!080', '10080'],
    ['\\$36', '36'],
    ['\\text{(E)}', 'E'],
    ['\\cot x', '\\cot x'],
    ['5.0', '5'],
    ['\\boxed{\\frac12}', '\\frac{1}{2}'],
    ['3, 5, 7', '3,5,7'],
  ])('%s → %s', (raw, want) => {
    expect(normalizeMath(raw)).toBe(want);
    expect(normalizeMath(normalizeMath(raw))).toBe(want);
  });
});

describe('extractMathAnswer', () => {
  it.each<[string, string | null]>([
    ['so the total is $\\boxed{42}$.', '42'],
    ['first \\boxed{1}, then finally \\boxed{\\frac{\\sqrt{2}}{2}}', '\\frac{\\sqrt{2}}{2}'],
    ['nested: \\boxed{\\left(\\frac{1}{2}, \\{3\\}\\right)}', '\\left(\\frac{1}{2}, \\{3\\}\\right)'],
    ['the roots are $\\boxed{1}$ and $\\boxed{-2}$', '1, -2'],
    ['answer \\boxed{840} ... so \\boxed{840}', '840'],
    ['\\fbox{7} done', '7'],
    ['We get \\boxed 5 as claimed', '5'],
    ['<answer>\\frac{3}{4}</answer>', '\\frac{3}{4}'],
    ['draft \\boxed{3}. Final: <answer>4</answer>', '4'],
    ['<answer>The value is \\boxed{9}</answer>', '9'],
    ['Thus the final answer is $12$. I hope it is correct.', '12'],
    ['Final Answer: x = 3', 'x = 3'],
    ['So the answer is 3.5.', '3.5'],
    ['The answer is **73**', '73'],
    ['Answer: \\(\\frac{1}{2}\\)', '\\frac{1}{2}'],
    ['\\frac{7}{2}', '\\frac{7}{2}'],
    ['$x = -4$', 'x = -4'],
    ['I could not solve this problem in time.', null],
    ['', null],
    ['unbalanced \\boxed{3', null],
  ])('%s → %s', (text, want) => {
    expect(extractMathAnswer(text)).toBe(want);
  });
});

describe('gradeMath and mathScorer', () => {
  it('grades a reply against a gold', () => {
    expect(gradeMath('Therefore $\\boxed{\\dfrac{1}{2}}$.', '0.5')).toEqual({
      correct: true,
      extracted: '\\dfrac{1}{2}',
    });
    expect(gradeMath('so \\boxed{(3,4)}', '(3,4]')).toEqual({ correct: false, extracted: '(3,4)' });
  });
  it('no extractable answer is wrong, not an error', () => {
    const s = gradeMath('I am not sure.', '3');
    expect(s).toEqual({ correct: false, extracted: null });
    expect(s.error).toBeUndefined();
  });
  it('a blown deadline is reported as an error', () => {
    const s = gradeMath('\\boxed{x^2+2x+1}', '(x+1)^2', { deadlineMs: -1 });
    expect(s.correct).toBe(false);
    expect(s.error).toMatch(/deadline/);
  });
  it('scorer uses the item gold and compares extracted answers', async () => {
    const item: Item = {
      id: 'i',
      benchmark: 'math500',
      task: 'math',
      question: 'q',
      gold: '\\frac{14}{3}',
      meta: {},
    };
    expect(await mathScorer.score(item, 'it is \\boxed{4\\frac{2}{3}}')).toMatchObject({ correct: true });
    expect(mathScorer.extract(item, 'it is \\boxed{5}')).toBe('5');
    expect(mathScorer.same(item, '\\frac{14}{3}', '14/3')).toBe(true);
    expect(mathScorer.same(item, '\\frac{14}{3}', '4.67')).toBe(false);
  });
});

describe('issue 11 families', () => {
  it.each<[string, string, boolean]>([
    // integers compare exactly
    ['99999999999', '100000000000', false],
    ['12345678901', '12345678902', false],
    ['10^{11}', '99999999999', false],
    ['2^{40}', '1099511627776', true],
    ['10!', '3628800', true],
    ['\\frac{10^{12}}{10}', '100000000000', true],
    ['3', '3.0000001', false],
    // genuinely non-integer values keep the relative tolerance
    ['\\frac{1}{12}', '0.0833333333333333', true],
    // equations and labels
    ['2=x', 'x=2', true],
    ['(p,q)=(3,2)', '(3,2)', true],
    ['\\angle APC = 74^\\circ', '74^\\circ', true],
    ['k = 5', '5', true],
    ['AB=4,CD=5', '4, 5', true],
    ['\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}', '\\frac{1}{\\sqrt6}', true],
    ['x \\neq 3', 'x != 3', true],
    ['x >= 5', 'x \\geq 5', true],
    ['x = 5+5+1 = 11', '11', true],
    ['z = 1 + 1 = 2', 'z = 3+3 = 2', true],
    ['7 = 11a+c', '11a+c', false],
    ['a + 3z = 0', '0', false],
    ['2x+4y-3=0', 'y=-\\frac{1}{2}x+\\frac{3}{4}', true],
    ['p=5,q=2;p=7,q=2', '(5,2),(7,2)', true],
    ['-2 \\le x \\le 7', 'x \\in [-2,7]', true],
    ['0<f(x)<1', '(0,1)', true],
    ['1\\leq|z|\\leq \\frac{3}{2}', '[-\\frac32,-1]\\cup[1,\\frac32]', true],
    // LaTeX coverage
    ['\\cfrac{1}{3}', '1/3', true],
    [
      '\\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right]',
      '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}',
      true,
    ],
    [
      '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}',
      '\\begin{pmatrix}6&8\\\\10&12\\end{pmatrix}',
      true,
    ],
    ['\\frac{\\sqrt3}{3} \\approx 0.577', '\\frac{\\sqrt{3}}{3}', true],
    ['x \\approx 11', '11', true],
    ['sqrt(3)', '\\sqrt{3}', true],
    ['2pi', '2\\pi', true],
    ['1 000 000', '1000000', true],
    ['10{,}455', '10455', true],
    ['14 {, }916', '14916', true],
    ['\\\\left(\\\\frac{4}{5},\\\\frac{1}{5}\\\\right)', '(0.8, 0.2)', true],
    ['1,000.99m²', '1000.99', true],
    ['28 pct', '28\\%', true],
    // a bare list against a tuple compares in order
    ['1, 3', '(1,3)', true],
    ['3, 1', '(1,3)', false],
    [
      'x_{1}=10^{\\frac{-5+\\sqrt{13}}{6}},\\quadx_{2}=10^{\\frac{-5-\\sqrt{13}}{6}}',
      '10^{-\\frac{5+\\sqrt{13}}{6}}; 10^{\\frac{\\sqrt{13}-5}{6}}',
      true,
    ],
    ['(11,7)or(7,11)', '(7,11),\\ (11,7)', true],
  ])('%s vs %s → %s', (a, b, want) => {
    expect(mathEquivalent(a, b)).toBe(want);
    expect(mathEquivalent(b, a)).toBe(want);
  });

  it.each<[string, string | null]>([
    // precedence: the latest explicit answer wins
    ['So \\boxed{255}. Final Answer: The final answer is $10,455$. I hope it is correct.', '10,455'],
    ['Final Answer: The smallest value of $N$ is $\\boxed{14{,}916}$. I hope it is correct.', '14{,}916'],
    ['The answer is 3. Therefore \\boxed{4}.', '4'],
    ['draft \\boxed{3}. Final: <answer>4</answer>', '4'],
    [
      'We check it: $17\\cdot 44 \\equiv 1$, so \\boxed{44}. We may check our answer, so our answer is correct.',
      '44',
    ],
    // anchored sentences reduce to their value
    ['Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.', '120'],
    ['Final Answer: The largest $n$ is 34.', '34'],
    ['Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct.', '3'],
    ['Answer $ 9 $', '9'],
    ['so $x+y = 1000$ therefore answer is $1$', '1'],
    // last line
    ['Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user', '2/3'],
    ['Thus $x <= 2$ is our answer.', 'x <= 2'],
    [
      'The identity matrix is $ \\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix} $.',
      '\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}',
    ],
    ['So, there are 12 distinct sequences. I hope it is correct.', '12'],
    ['Nothing to see here. I hope it is correct.', null],
    // several boxes joined by connectors are one answer
    ['$\\boxed{1} \\quad \\text{and} \\quad \\boxed{2}$', '1, 2'],
    ['\\(\\boxed{1}\\) and \\(\\boxed{-2}\\).', '1, -2'],
    ['$y_1 = \\boxed{x+1}$ and $y_2 = \\boxed{x-1}$', 'x+1, x-1'],
    ['\\boxed{1} and and and or thus but \\boxed{2} and \\boxed{3}', '2, 3'],
    // …but a long run of boxes is no answer
    [Array(300).fill('\\boxed{5}').join(' '), null],
    [Array(300).fill('\\boxed{5}').join(''), null],
    ['$\\frac{1}{3},$', '\\frac{1}{3}'],
  ])('%j → %j', (text, want) => {
    expect(extractMathAnswer(text)).toBe(want);
  });

  it('bounded work on huge inputs: verdicts (timings are in `npm run bench -- math-grading`)', () => {
    const digits = '9'.repeat(100_000);
    expect(gradeMath(digits, '1').correct).toBe(false);
    expect(gradeMath(`The answer is ${digits}`, digits).correct).toBe(false); // over the cap: string-only
    expect(mathEquivalent(digits, digits)).toBe(true);
    expect(mathEquivalent(`${digits}8`, `${digits}9`)).toBe(false);
    const nested = `\\boxed{${'{'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    expect(gradeMath(nested, '1').correct).toBe(false);
    expect(gradeMath(`\\boxed{${'{'.repeat(50_000)}1`, '1').extracted).toBeNull();
    expect(gradeMath('answer: 1 '.repeat(20_000), '1').correct).toBe(true);
  });

  it('compute-engine stays off stderr while grading', () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    const origError = console.error;
    process.stderr.write = ((s: string) => {
      writes.push(String(s));
      return true;
    }) as typeof process.stderr.write;
    console.error = (...a: unknown[]) => writes.push(a.map(String).join(' '));
    try {
      // "S_{MBCN}:S" makes compute-engine 0.27 print "Invalid type" with console.error
      expect(mathEquivalent('S_{MBCN}:S=7:32', '7:32')).toBe(true);
      expect(mathEquivalent('a:b', '7:32')).toBe(false);
    } finally {
      process.stderr.write = orig;
      console.error = origError;
    }
    expect(writes).toEqual([]);
  });
});
