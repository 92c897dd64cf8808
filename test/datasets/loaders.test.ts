import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvObjects } from '../../src/datasets/csv.js';
import {
  BENCHMARK_IDS,
  BENCHMARKS,
  GPQA_ZIP_PASSWORD,
  type Item,
  loadBenchmark,
  loadBenchmarkSync,
  parseInlineOptions,
} from '../../src/datasets/index.js';
import { requireDataDir } from '../support/data.js';

const dataDir = requireDataDir();
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('loaders: counts, ids, task types', () => {
  const expected: Record<string, number> = {
    math500: 500,
    'gpqa-diamond': 198,
    mbpp: 427,
    'humaneval-et': 164,
    aqua: 254,
    'agieval-math': 256,
  };
  for (const id of BENCHMARK_IDS) {
    it(`${id}: ${expected[id]} unique items with the benchmark's task type`, async () => {
      const items = await loadBenchmark(id, { dataDir });
      expect(items).toHaveLength(expected[id]!);
      expect(BENCHMARKS[id].records).toBe(expected[id]);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      for (const it of items) {
        expect(it.benchmark).toBe(id);
        expect(it.task).toBe(BENCHMARKS[id].task);
        expect(it.question.length).toBeGreaterThan(0);
        expect(it.gold.length).toBeGreaterThan(0);
      }
    });
  }

  it('memoises per (dir, id), returns fresh arrays of frozen items', () => {
    const a = loadBenchmarkSync('math500', { dataDir });
    const b = loadBenchmarkSync('math500', { dataDir });
    expect(a).not.toBe(b);
    expect(a[0]).toBe(b[0]);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(() => {
      (a[0]!.meta as { level?: number }).level = 9;
    }).toThrow(TypeError);
  });

  it('takes the data dir from MASPO_DATA_DIR when no option is given', () => {
    const old = process.env.MASPO_DATA_DIR;
    process.env.MASPO_DATA_DIR = dataDir;
    try {
      expect(loadBenchmarkSync('aqua')).toHaveLength(254);
    } finally {
      if (old === undefined) delete process.env.MASPO_DATA_DIR;
      else process.env.MASPO_DATA_DIR = old;
    }
  });
});

describe('math items', () => {
  it('math500: id = unique_id, meta level 1–5 with the published histogram, subject, solution with a boxed answer', () => {
    const items = loadBenchmarkSync('math500', { dataDir });
    expect(items[0]!.id).toBe('test/precalculus/807.json');
    expect(items[0]!.gold).toBe('\\left( 3, \\frac{\\pi}{2} \\right)');
    const hist = [1, 2, 3, 4, 5].map((l) => items.filter((i) => i.meta.level === l).length);
    expect(hist).toEqual([43, 90, 105, 128, 134]);
    expect(new Set(items.map((i) => i.meta.subject)).size).toBe(7);
    expect(items.every((i) => typeof i.meta.solution === 'string' && i.meta.solution.includes('boxed'))).toBe(
      true,
    );
  });

  it('agieval-math: row-index ids, all level 5, subject from type', () => {
    const items = loadBenchmarkSync('agieval-math', { dataDir });
    expect(items.map((i) => i.id).slice(0, 3)).toEqual([
      'agieval-math/0',
      'agieval-math/1',
      'agieval-math/2',
    ]);
    expect(items.at(-1)!.id).toBe('agieval-math/255');
    expect(items.every((i) => i.meta.level === 5)).toBe(true);
    expect(items[0]!.gold).toBe('(3,4]');
    expect(items[0]!.meta.subject).toBe('Intermediate Algebra');
  });
});

describe('code items', () => {
  it('mbpp: ids mbpp/<task_id>, gold = entry point called by the tests, imports = test_imports', () => {
    const items = loadBenchmarkSync('mbpp', { dataDir });
    const first = items[0]!;
    expect(first.id).toBe('mbpp/2');
    expect(first.gold).toBe('similar_elements');
    expect(first.meta.entryPoint).toBe('similar_elements');
    expect(first.meta.tests).toHaveLength(3);
    expect(first.question).toContain('similar_elements');
    for (const it of items) {
      expect(it.meta.canonicalSolution).toMatch(new RegExp(`def\\s+${it.gold}\\s*\\(`));
      expect(it.meta.tests!.length).toBeGreaterThanOrEqual(3);
      expect(it.meta.tests!.every((t) => new RegExp(`\\b${it.gold}\\s*\\(`).test(t))).toBe(true);
      expect(it.meta.canonicalSolution).not.toContain('\r');
    }
    expect(items.filter((i) => i.meta.imports!.length > 0)).toHaveLength(13);
    expect(items.find((i) => i.meta.imports!.length > 0)!.meta.imports![0]).toMatch(/^(import|from) /);
  });

  it('humaneval-et: id = task_id, canonical = prompt + body, imports from the prompt, ET tests', () => {
    const items = loadBenchmarkSync('humaneval-et', { dataDir });
    expect(items[0]!.id).toBe('HumanEval/0');
    expect(items.at(-1)!.id).toBe('HumanEval/163');
    const h0 = items[0]!;
    expect(h0.gold).toBe('has_close_elements');
    expect(h0.meta.imports).toEqual(['from typing import List']);
    expect(h0.meta.canonicalSolution!.startsWith(h0.question)).toBe(true);
    expect(h0.meta.canonicalSolution).toContain('def has_close_elements(');
    expect(h0.meta.canonicalSolution).toContain('return False');
    const total = items.reduce((s, i) => s + i.meta.tests!.length, 0);
    expect(total).toBe(17628);
    for (const it of items) {
      expect(it.meta.canonicalSolution).toContain(`def ${it.gold}(`);
      for (const imp of it.meta.imports!) expect(it.question).toContain(imp);
    }
  });
});

function checkChoice(items: Item[], letters: string[]) {
  const bad: number[] = [];
  items.forEach((it, i) => {
    const opts = it.meta.options ?? [];
    const ok =
      opts.map((o) => o.letter).join('') === letters.join('') &&
      opts.every((o) => o.text.length > 0 && it.question.includes(`\n${o.letter}) ${o.text}`)) &&
      letters.includes(it.gold);
    if (!ok) bad.push(i);
  });
  return bad;
}

describe('choice items', () => {
  it('aqua: five options A–E parsed from the tokenized strings, gold letter histogram as published', () => {
    const items = loadBenchmarkSync('aqua', { dataDir });
    expect(checkChoice(items, ['A', 'B', 'C', 'D', 'E'])).toEqual([]);
    expect(items[0]!.meta.options![0]).toEqual({ letter: 'A', text: '5 ( √ 3 + 1 )' });
    expect(items[0]!.question.endsWith('E) None of these')).toBe(true);
    expect(items.map((i) => i.id).slice(0, 2)).toEqual(['aqua/0', 'aqua/1']);
    const hist = Object.fromEntries(
      ['A', 'B', 'C', 'D', 'E'].map((l) => [l, items.filter((i) => i.gold === l).length]),
    );
    expect(hist).toEqual({ A: 63, B: 58, C: 46, D: 53, E: 34 });
  });

  // GPQA: assertions only on indices/counts so that no question text reaches test output.
  it('gpqa-diamond (MASPO file): all 198 rows parse into options A–D, gold among them, stem without the options', () => {
    const items = loadBenchmarkSync('gpqa-diamond', { dataDir });
    expect(checkChoice(items, ['A', 'B', 'C', 'D'])).toEqual([]);
    const stemHasInlineMarkers = items.filter((it) =>
      /\nA\. [\s\S]*\nB\. [\s\S]*\nC\. [\s\S]*\nD\. /.test(it.question),
    );
    expect(stemHasInlineMarkers.map((i) => i.id)).toEqual([]);
    const hist = Object.fromEntries(
      ['A', 'B', 'C', 'D'].map((l) => [l, items.filter((i) => i.gold === l).length]),
    );
    expect(hist).toEqual({ A: 55, B: 54, C: 48, D: 41 });
    expect(items.every((i) => i.meta.source === 'maspo')).toBe(true);
  });

  it('gpqa-diamond (official zip, read in memory): seeded per-item shuffle, gold follows the correct answer', () => {
    const up = loadBenchmarkSync('gpqa-diamond', { dataDir, gpqaSource: 'upstream-zip' });
    expect(up).toHaveLength(198);
    expect(checkChoice(up, ['A', 'B', 'C', 'D'])).toEqual([]);
    // Same seed → same permutation; another seed → different permutations for most items.
    const again = loadBenchmarkSync('gpqa-diamond', { dataDir, gpqaSource: 'upstream-zip', verify: false });
    expect(again.map((i) => i.gold)).toEqual(up.map((i) => i.gold));
    const other = loadBenchmarkSync('gpqa-diamond', { dataDir, gpqaSource: 'upstream-zip', optionSeed: 7 });
    const moved = other.filter((o, k) => o.gold !== up[k]!.gold).length;
    expect(moved).toBeGreaterThan(100);
    // Gold letters spread over all four positions (not always A, as in the CSV).
    for (const l of ['A', 'B', 'C', 'D']) expect(up.filter((i) => i.gold === l).length).toBeGreaterThan(30);
    // Gold option is the official correct answer in every item, under both seeds.
    const zip = new AdmZip(`${dataDir}/gpqa-diamond/upstream/dataset.zip`);
    const csv = zip.readFile('dataset/gpqa_diamond.csv', GPQA_ZIP_PASSWORD)!.toString('utf8');
    const rows = parseCsvObjects(csv);
    const wrong = [up, other].flatMap((set) =>
      set
        .filter(
          (it, k) =>
            it.meta.options!.find((o) => o.letter === it.gold)!.text !== rows[k]!['Correct Answer']!.trim(),
        )
        .map((i) => i.id),
    );
    expect(wrong).toEqual([]);
    expect(new Set(up.map((i) => i.meta.subject))).toEqual(new Set(['Chemistry', 'Physics', 'Biology']));
  });

  // The data README reports row 121 as matching none of the official answers; matching by the full stem
  // shows it is official record recjgMJaMxz4ESDF2, whose stem shares a 378-character prefix with
  // rec9GugrngvsQR99A (the record the README compared it to). All 198 agree.
  it("gpqa-diamond: MASPO's gold option is the official correct answer for all 198 (matched by full stem)", () => {
    const maspo = loadBenchmarkSync('gpqa-diamond', { dataDir });
    const up = loadBenchmarkSync('gpqa-diamond', { dataDir, gpqaSource: 'upstream-zip' });
    const byStem = new Map(up.map((u) => [norm(parseStem(u)), u]));
    const unmatched: string[] = [];
    const disagree: string[] = [];
    for (const m of maspo) {
      const u = byStem.get(norm(parseStem(m)));
      if (!u) {
        unmatched.push(m.id);
        continue;
      }
      const mGold = m.meta.options!.find((o) => o.letter === m.gold)!.text;
      const uGold = u.meta.options!.find((o) => o.letter === u.gold)!.text;
      if (mGold !== uGold) disagree.push(m.id);
      const same =
        JSON.stringify(m.meta.options!.map((o) => o.text).sort()) ===
        JSON.stringify(u.meta.options!.map((o) => o.text).sort());
      if (!same) disagree.push(`${m.id} options`);
      if (m.id === 'gpqa-diamond/121') expect(u.meta.recordId).toBe('recjgMJaMxz4ESDF2');
    }
    expect(unmatched).toEqual([]);
    expect(disagree).toEqual([]);
  });

  it('gpqa-diamond: a plain extracted gpqa_diamond.csv gives the same items as the zip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-gpqa-'));
    try {
      const zip = new AdmZip(`${dataDir}/gpqa-diamond/upstream/dataset.zip`);
      mkdirSync(join(dir, 'gpqa-diamond'));
      writeFileSync(
        join(dir, 'gpqa-diamond/gpqa_diamond.csv'),
        zip.readFile('dataset/gpqa_diamond.csv', GPQA_ZIP_PASSWORD)!,
      );
      const fromCsv = loadBenchmarkSync('gpqa-diamond', { dataDir: dir });
      const fromZip = loadBenchmarkSync('gpqa-diamond', { dataDir, gpqaSource: 'upstream-zip' });
      expect(fromCsv.length).toBe(198);
      expect(
        fromCsv.every((it, k) => it.question === fromZip[k]!.question && it.gold === fromZip[k]!.gold),
      ).toBe(true);
      // auto source falls back to the zip when the jsonl is absent
      const dir2 = mkdtempSync(join(tmpdir(), 'maspo-gpqa-'));
      mkdirSync(join(dir2, 'gpqa-diamond/upstream'), { recursive: true });
      symlinkSync(
        `${dataDir}/gpqa-diamond/upstream/dataset.zip`,
        join(dir2, 'gpqa-diamond/upstream/dataset.zip'),
      );
      const auto = loadBenchmarkSync('gpqa-diamond', { dataDir: dir2 });
      expect(auto.every((it) => it.meta.source === 'upstream')).toBe(true);
      rmSync(dir2, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseInlineOptions', () => {
  it('takes the last A.–D. block, keeps multi-line options and leaves lettered lists in the stem alone', () => {
    const q =
      'Which holds?\nA. first in stem\nB. second in stem\n\nA. one\nB. two\nlines\nC. three\nD. four\n';
    const p = parseInlineOptions(q)!;
    expect(p.options).toEqual([
      { letter: 'A', text: 'one' },
      { letter: 'B', text: 'two\nlines' },
      { letter: 'C', text: 'three' },
      { letter: 'D', text: 'four' },
    ]);
    expect(p.stem).toBe('Which holds?\nA. first in stem\nB. second in stem');
    expect(parseInlineOptions('No options here\nA. x\nB. y')).toBeNull();
  });
});

function parseStem(it: Item): string {
  return it.question.slice(0, it.question.lastIndexOf('\n\nA) '));
}

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, embedded newlines and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","he said ""hi""\nthere"\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'he said "hi"\nthere'],
      ['1', ''],
    ]);
    expect(parseCsvObjects('h1,h2\nv1,v2\n')).toEqual([{ h1: 'v1', h2: 'v2' }]);
    expect(() => parseCsv('"open')).toThrow(/quoted/);
  });
});
