import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { sha256 } from '../util/hash.js';
import { type CustomFileFormat, customFormatOf, parseRows, type RowProblem } from './custom-parse.js';
import { DataError } from './errors.js';
import { mbppEntryPoint } from './loaders/code.js';
import { formatChoiceQuestion, pythonImports } from './loaders/common.js';
import { DEFAULT_SPLIT_SEED, splitItems } from './splits.js';
import { BENCHMARK_IDS, type ChoiceOption, type Item, type Split, type TaskType } from './types.js';

/**
 * A benchmark declared in a config from the user's own file (docs/datasets.md "Your own benchmark").
 * Tasks: math | choice | code are graded as the built-ins; exact, numeric, regex compare a final answer;
 * judge asks the judge model with a rubric.
 */
export const CUSTOM_TASKS = ['math', 'choice', 'code', 'exact', 'numeric', 'regex', 'judge'] as const;
export type CustomTask = (typeof CUSTOM_TASKS)[number];

/** The columns a custom file can map. */
export const CUSTOM_FIELDS = ['id', 'question', 'answer', 'choices', 'tests'] as const;
export type CustomField = (typeof CUSTOM_FIELDS)[number];

/** How items of a custom task are prompted and answered: the built-in family whose prompts fit. */
export function familyOf(task: CustomTask): TaskType {
  return task === 'choice' || task === 'code' ? task : 'math';
}

/** A user scorer (TypeScript configs): the final output and the item → a verdict. */
export type UserScorer = (
  output: string,
  item: Item,
) =>
  | { correct: boolean; extracted?: string | null; error?: string; detail?: string }
  | Promise<{ correct: boolean; extracted?: string | null; error?: string; detail?: string }>;

/** A custom benchmark as a config declares it; `file` is absolute once the config is loaded. */
export interface CustomBenchmark {
  id: string;
  file: string;
  task: CustomTask;
  fields: Partial<Record<CustomField, string>>;
  /** seeded 20/20/60 (default seed 'maspo-splits-v1'), or the column holding train/dev/test. */
  split: { seed: string | number } | { column: string };
  /** judge: what a passing answer must do. */
  rubric?: string;
  /** TypeScript configs: grades the final output instead of the task's scorer. */
  scorer?: UserScorer;
}

/** The plain-data part of a custom benchmark (what the simulated model needs to find its questions). */
export type CustomBenchmarkSource = Omit<CustomBenchmark, 'scorer'>;

/** Item meta of a custom benchmark's items. */
export interface CustomItemMeta {
  task: CustomTask;
  /** 1-based line of the row in the file. */
  line: number;
  /** sha256 of the whole file: part of the dataset hash, so changed data makes artifacts stale. */
  fileSha256: string;
  /** exact: every distinct answer of the file (the simulated model's plausible wrong answers). */
  labels?: string[];
  rubric?: string;
  split?: Split;
}

export const customIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function customMeta(item: Pick<Item, 'meta'>): CustomItemMeta | undefined {
  return item.meta.custom as CustomItemMeta | undefined;
}

const DEFAULT_FIELDS: Record<CustomField, string> = {
  id: 'id',
  question: 'question',
  answer: 'answer',
  choices: 'choices',
  tests: 'tests',
};

const SPLIT_VALUES = new Set(['train', 'dev', 'test']);
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MAX_LISTED = 20;

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** A list cell: a JSON array, or (CSV) a JSON array written as text, or `a | b | c` / one per line. */
function list(v: unknown, sep: RegExp): string[] | null {
  if (Array.isArray(v)) return v.every((x) => text(x) !== null) ? v.map((x) => text(x)!) : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s.startsWith('[')) {
    try {
      return list(JSON.parse(s), sep);
    } catch {
      return null;
    }
  }
  return s
    .split(sep)
    .map((x) => x.trim())
    .filter(Boolean);
}

export interface LoadedCustom {
  items: Item[];
  sha256: string;
  format: CustomFileFormat;
}

const loaded = new Map<string, { key: string; value: LoadedCustom }>();

/**
 * Reads and checks every row of a custom benchmark's file. Any problem (empty file, unparseable row,
 * missing question or answer, duplicate id, unknown column, bad split value) is a DataError listing
 * each problem as `file:line` with its fix; no item is returned unless every row is good.
 */
export function loadCustomBenchmark(spec: CustomBenchmarkSource): LoadedCustom {
  const file = spec.file;
  const shown = isAbsolute(file) ? relative(process.cwd(), file) || file : file;
  const fail = (problems: RowProblem[]): never => {
    const lines = problems
      .slice(0, MAX_LISTED)
      .map((p) => `  ${shown}:${p.line}: ${p.message}`)
      .join('\n');
    const more = problems.length > MAX_LISTED ? `\n  … and ${problems.length - MAX_LISTED} more` : '';
    throw new DataError(
      `benchmark "${spec.id}": ${problems.length} problem${problems.length > 1 ? 's' : ''} in ${shown} (nothing was loaded):\n${lines}${more}`,
      file,
    );
  };
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new DataError(
      `benchmark "${spec.id}": data file ${file} not found. Fix: \`file:\` is relative to the config file; check the path`,
      file,
    );
  }
  const format = customFormatOf(file);
  if (!format) {
    throw new DataError(
      `benchmark "${spec.id}": ${shown}: unknown file type. Fix: use a .jsonl, .json (array) or .csv file`,
      file,
    );
  }
  const buf = readFileSync(file);
  const hash = sha256(buf);
  const key = `${hash}\u0000${JSON.stringify(spec)}`;
  const memo = loaded.get(file);
  if (memo && memo.key === key) return memo.value;

  const { rows, problems } = parseRows(format, buf.toString('utf8'));
  if (rows.length === 0 && problems.length === 0) {
    fail([
      { line: 1, message: 'the file has no rows. Fix: add at least one row with a question and an answer' },
    ]);
  }
  const fields = { ...DEFAULT_FIELDS, ...spec.fields };
  const splitColumn = 'column' in spec.split ? spec.split.column : undefined;
  const answerRequired = spec.task !== 'judge';

  // A column named in `fields` (or the split column) that no row has is a config mistake, not a row's.
  const columns = new Set<string>();
  for (const r of rows)
    if (r.value && typeof r.value === 'object') for (const k of Object.keys(r.value)) columns.add(k);
  const named: Array<[string, string]> = [
    ...Object.entries(spec.fields).map(([k, c]) => [`fields.${k}`, c] as [string, string]),
    ...(splitColumn ? [['split.column', splitColumn] as [string, string]] : []),
  ];
  for (const [where, col] of named) {
    if (rows.length > 0 && !columns.has(col)) {
      problems.unshift({
        line: rows[0]!.line,
        message: `column "${col}" (named by ${where}) is in no row; the rows have ${[...columns].map((c) => `"${c}"`).join(', ')}. Fix: name one of those in ${where}`,
      });
      return fail(problems);
    }
  }
  if (spec.task === 'choice' && !columns.has(fields.choices) && rows.length > 0) {
    problems.push({
      line: rows[0]!.line,
      message: `task choice needs the options: no column "${fields.choices}". Fix: add a "${fields.choices}" column (a list) or map yours with fields.choices`,
    });
  }
  if (spec.task === 'code' && !columns.has(fields.tests) && rows.length > 0) {
    problems.push({
      line: rows[0]!.line,
      message: `task code needs Python asserts: no column "${fields.tests}". Fix: add a "${fields.tests}" column (a list of assert lines) or map yours with fields.tests`,
    });
  }
  if (problems.length > 0 && problems.some((p) => p.message.startsWith('task '))) return fail(problems);

  const items: Item[] = [];
  const seen = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    const { line, value } = rows[k]!;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({
        line,
        message: 'a row must be an object. Fix: write {"question": ..., "answer": ...}',
      });
      continue;
    }
    const row = value as Record<string, unknown>;
    const bad = (message: string) => problems.push({ line, message });
    const id = row[fields.id] === undefined ? String(k + 1) : text(row[fields.id]);
    const question = text(row[fields.question]);
    const answerRaw = row[fields.answer];
    let gold = answerRaw === undefined || answerRaw === null ? '' : (text(answerRaw) ?? '');
    if (id === null || id.trim() === '') {
      bad(
        `"${fields.id}" is empty or not text. Fix: give every row a unique id (or drop the column: ids become row numbers)`,
      );
      continue;
    }
    if (question === null || question.trim() === '') {
      bad(
        `no question ("${fields.question}" is missing or empty). Fix: add it, or map your column with fields.question`,
      );
      continue;
    }
    if (answerRequired && gold.trim() === '') {
      bad(
        `no answer ("${fields.answer}" is missing or empty). Fix: add it, or map your column with fields.answer`,
      );
      continue;
    }
    const prev = seen.get(id);
    if (prev !== undefined) {
      bad(`duplicate id "${id}" (first on line ${prev}). Fix: make ids unique`);
      continue;
    }
    seen.set(id, line);
    const meta: Record<string, unknown> = {};
    let q = question;
    if (spec.task === 'numeric' && !Number.isFinite(Number(gold.replace(/,/g, '').trim()))) {
      bad(`answer "${gold}" is not a number (task numeric). Fix: write a plain number, or use task exact`);
      continue;
    }
    if (spec.task === 'regex') {
      try {
        new RegExp(gold);
      } catch (err) {
        bad(
          `answer is not a valid regular expression (${(err as Error).message}). Fix: escape it, or use task exact`,
        );
        continue;
      }
    }
    if (spec.task === 'choice') {
      const choices = list(row[fields.choices], /\s*\|\s*|\n/);
      if (!choices || choices.length < 2) {
        bad(`"${fields.choices}" must list at least two options. Fix: a JSON list, or "a | b | c" in CSV`);
        continue;
      }
      const options: ChoiceOption[] = choices.map((t, i) => ({ letter: LETTERS[i]!, text: t }));
      const byLetter = options.find((o) => o.letter === gold.trim().toUpperCase().replace(/[().]/g, ''));
      const byText = options.find((o) => o.text.trim() === gold.trim());
      const hit = byText ?? byLetter;
      if (!hit) {
        bad(
          `answer "${gold}" is neither an option letter (A–${options.at(-1)!.letter}) nor one of the options. Fix: use the letter or the exact option text`,
        );
        continue;
      }
      gold = hit.letter;
      meta.options = options;
      q = formatChoiceQuestion(question, options);
    }
    if (spec.task === 'code') {
      const tests = list(row[fields.tests], /\n/);
      if (!tests || tests.length === 0 || !tests.every((t) => /^\s*assert\b/.test(t))) {
        bad(
          `"${fields.tests}" must be a list of Python assert statements. Fix: e.g. ["assert add(1, 2) == 3"]`,
        );
        continue;
      }
      const entry = mbppEntryPoint(gold, tests);
      if (!entry) {
        bad(
          `no function of the answer (the reference solution) is called by the tests. Fix: the answer must define the function the asserts call`,
        );
        continue;
      }
      Object.assign(meta, {
        entryPoint: entry,
        canonicalSolution: gold.replace(/\r\n/g, '\n'),
        tests,
        imports: pythonImports(gold),
      });
      q = `${question.trim()}\n\nWrite a Python function \`${entry}\`. Your code should pass this test:\n${tests[0]}`;
      gold = entry;
    }
    let split: Split | undefined;
    if (splitColumn) {
      const s = text(row[splitColumn])?.trim().toLowerCase();
      if (!s || !SPLIT_VALUES.has(s)) {
        bad(`split column "${splitColumn}" is "${s ?? ''}". Fix: write train, dev or test`);
        continue;
      }
      split = s as Split;
    }
    const custom: CustomItemMeta = {
      task: spec.task,
      line,
      fileSha256: hash,
      ...(spec.rubric ? { rubric: spec.rubric } : {}),
      ...(split ? { split } : {}),
    };
    items.push({
      id,
      benchmark: spec.id,
      task: familyOf(spec.task),
      question: q,
      gold,
      meta: { ...meta, custom },
    });
  }
  if (problems.length > 0) fail(problems.sort((a, b) => a.line - b.line));
  if (spec.task === 'exact') {
    const labels = [...new Set(items.map((i) => i.gold.trim()))];
    if (labels.length <= 50) for (const i of items) (i.meta.custom as CustomItemMeta).labels = labels;
  }
  const value = { items, sha256: hash, format };
  loaded.set(file, { key, value });
  return value;
}

/** One split of a custom benchmark, in file order: by its split column, else seeded 20/20/60. */
export function customSplit(spec: CustomBenchmarkSource, split: Split): Item[] {
  const { items } = loadCustomBenchmark(spec);
  if ('column' in spec.split) return items.filter((i) => customMeta(i)?.split === split);
  return splitItems(items, split, spec.split.seed);
}

// ---------- the config form ----------

const taskSchema = z.enum(CUSTOM_TASKS);

/** The inline form a config accepts wherever it names a benchmark (paths still relative). */
export const inlineBenchmarkSchema = z
  .object({
    id: z
      .string()
      .regex(customIdPattern, 'use letters, digits, ".", "_" and "-"')
      .refine((id) => !(BENCHMARK_IDS as readonly string[]).includes(id), {
        message: 'is the id of a built-in benchmark. Fix: give your benchmark another id',
      }),
    file: z.string().min(1),
    task: taskSchema.optional(),
    fields: z
      .object({
        id: z.string().min(1).optional(),
        question: z.string().min(1).optional(),
        answer: z.string().min(1).optional(),
        choices: z.string().min(1).optional(),
        tests: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    split: z
      .union([
        z.literal('seeded'),
        z.object({ column: z.string().min(1) }).strict(),
        z.object({ seed: z.union([z.string(), z.number()]) }).strict(),
      ])
      .optional(),
    rubric: z.string().min(1).optional(),
    scorer: z
      .custom<UserScorer>((v) => typeof v === 'function', {
        message:
          'must be a function (output, item) => ({ correct, extracted }). Fix: only TypeScript configs can give one',
      })
      .optional(),
  })
  .strict();

export type InlineBenchmark = z.input<typeof inlineBenchmarkSchema>;

/** The inline form, resolved: file absolute (relative to `baseDir`), defaults filled in. */
export function resolveInlineBenchmark(
  b: z.output<typeof inlineBenchmarkSchema>,
  baseDir: string,
): CustomBenchmark {
  return {
    id: b.id,
    file: isAbsolute(b.file) ? b.file : resolve(baseDir, b.file),
    task: b.task ?? 'exact',
    fields: b.fields ?? {},
    split: b.split === undefined || b.split === 'seeded' ? { seed: DEFAULT_SPLIT_SEED } : b.split,
    ...(b.rubric ? { rubric: b.rubric } : {}),
    ...(b.scorer ? { scorer: b.scorer } : {}),
  };
}

/** The plain-data part of a custom benchmark (no scorer function). */
export function customSource(b: CustomBenchmark): CustomBenchmarkSource {
  const { scorer: _s, ...rest } = b;
  return rest;
}
