/**
 * Math grading speed: grade the 500 MATH-500 reference solutions against their answer fields
 * (extraction + equivalence), target < 1 s. Reports the first pass in a fresh process (includes
 * loading compute-engine), a pass with the parse memo cleared, a fully warm pass, and the slowest item.
 * Then long and hostile inputs (100 000-digit numbers, 50 000 nested braces, hundreds of boxes …), each
 * graded once per run with its worst time; target < 1 s per line, and none blocks the event loop for long.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../src/datasets/index.js';
import { clearParseCache } from '../src/tasks/math-eval.js';

export default async function bench(): Promise<void> {
  const dir = resolveDataDir();
  const rows = readFileSync(join(dir, 'math500/math_500.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { unique_id: string; answer: string; solution: string });
  const t0 = performance.now();
  const { gradeMath } = await import('../src/tasks/math.js');
  const loadMs = performance.now() - t0;
  const pass = (): { ms: number; correct: number; slowest: [string, number] } => {
    let correct = 0;
    let slowest: [string, number] = ['', 0];
    const start = performance.now();
    for (const r of rows) {
      const t = performance.now();
      if (gradeMath(r.solution, r.answer).correct) correct++;
      const dt = performance.now() - t;
      if (dt > slowest[1]) slowest = [r.unique_id, dt];
    }
    return { ms: performance.now() - start, correct, slowest };
  };
  const cold = pass();
  clearParseCache();
  const cleared = pass();
  const warm = pass();
  const line = (name: string, p: ReturnType<typeof pass>) =>
    `${name.padEnd(28)} ${p.ms.toFixed(0).padStart(5)} ms  (${(p.ms / rows.length).toFixed(3)} ms/item, ` +
    `${p.correct}/${rows.length} correct, slowest ${p.slowest[0]} ${p.slowest[1].toFixed(1)} ms)`;
  process.stdout.write(`module load (compute-engine)  ${loadMs.toFixed(0)} ms\n`);
  process.stdout.write(`${line('first pass (cold)', cold)}\n`);
  process.stdout.write(`${line('parse memo cleared', cleared)}\n`);
  process.stdout.write(`${line('warm', warm)}\n`);
  // Pairs that cannot be settled by string equality: each gold vs the next gold (all go through parsing
  // and numeric/random-point evaluation).
  const { mathEquivalent } = await import('../src/tasks/math.js');
  clearParseCache();
  const tp = performance.now();
  let accepted = 0;
  for (let i = 0; i < rows.length; i++) {
    if (mathEquivalent(rows[i]!.answer, rows[(i + 1) % rows.length]!.answer)) accepted++;
  }
  const pairMs = performance.now() - tp;
  process.stdout.write(
    `${'500 gold-vs-other-gold pairs'.padEnd(28)} ${pairMs.toFixed(0).padStart(5)} ms  (${(pairMs / rows.length).toFixed(3)} ms/pair, ${accepted} accepted: all genuinely equal, e.g. "5" vs "x=5")\n`,
  );
  process.stdout.write(
    `target: 500 reference answers graded in < 1000 ms — ${cold.ms < 1000 ? 'met' : 'MISSED'} (cold pass)\n`,
  );
  longInputs(gradeMath);
}

/** Worst-of-5 grading time for long and hostile replies (the 2 000-character cap applies before normalising). */
function longInputs(gradeMath: (prediction: string, gold: string) => { correct: boolean }): void {
  const digits = '9'.repeat(100_000);
  const cases: Array<[string, string, string]> = [
    ['100 000-digit bare number', digits, '1'],
    ['100 000-digit number after "The answer is"', `The answer is ${digits}.`, digits],
    ['50 000 nested braces in a box', `\\boxed{${'{'.repeat(50_000)}1${'}'.repeat(50_000)}}`, '1'],
    ['50 000 unclosed braces in a box', `\\boxed{${'{'.repeat(50_000)}1`, '1'],
    ['300 adjacent boxes', '\\boxed{5}'.repeat(300), '5'],
    ['20 000 "answer:" phrases', 'answer: 1 '.repeat(20_000), '1'],
    ['30 000 math spans', '$1$ '.repeat(30_000), '1'],
    ['20 000 unclosed <answer> tags', '<answer>'.repeat(20_000), '1'],
    ['100 000 chars of prose, one line', 'lorem ipsum '.repeat(8_400), '1'],
    ['1 999-char answer (just under the cap)', `\\boxed{${'1+'.repeat(999)}1}`, '1000'],
  ];
  let worstAll = 0;
  for (const [name, prediction, gold] of cases) {
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      gradeMath(prediction, gold);
      worst = Math.max(worst, performance.now() - t);
    }
    worstAll = Math.max(worstAll, worst);
    process.stdout.write(`${name.padEnd(44)} worst ${worst.toFixed(1).padStart(7)} ms\n`);
  }
  process.stdout.write(
    `target: every long input graded in < 1000 ms — ${worstAll < 1000 ? 'met' : 'MISSED'} (worst ${worstAll.toFixed(0)} ms)\n`,
  );
}
