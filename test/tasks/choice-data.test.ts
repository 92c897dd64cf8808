/**
 * Real data, labels written by others: AQuA's human-written rationales mostly end with the chosen letter
 * in free form ("Answer: C", "ANS:D", "D is the answer", "Option B is correct", "(ANSWER E)"). The letter
 * we extract must agree with the dataset's `correct` label whenever we extract one, and we must extract
 * one for the large majority.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractChoice } from '../../src/tasks/choice.js';
import { requireDataDir } from '../support/data.js';

function rows(p: string): Array<{ rationale: string; correct: string }> {
  return readFileSync(join(requireDataDir(), p), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('AQuA rationales vs their gold letters', () => {
  // [file, rows, minimum extracted] — measured: 237, 233, 229; the rest state no letter at all
  it.each([
    ['aqua/upstream/test.json', 254, 235],
    ['aqua/val.jsonl', 254, 230],
    ['aqua/test.jsonl', 254, 225],
  ] as const)('%s: no disagreement, most extracted', (file, n, minExtracted) => {
    const data = rows(file);
    expect(data.length).toBe(n);
    let extracted = 0;
    const disagreements: string[] = [];
    for (const [i, r] of data.entries()) {
      const got = extractChoice(r.rationale);
      if (got === null) continue;
      extracted++;
      if (got !== r.correct) disagreements.push(`row ${i}: extracted ${got}, labelled ${r.correct}`);
    }
    expect(disagreements).toEqual([]);
    expect(extracted).toBeGreaterThanOrEqual(minExtracted);
  });
  it('an option walk-through is not an answer (AQuA test row 165)', () => {
    const r = rows('aqua/upstream/test.json')[165]!;
    expect(r.rationale).toMatch(/each answer choice: \(A\)/);
    expect(extractChoice(r.rationale)).toBeNull();
  });
});
