import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

const TASKS = ['math', 'choice', 'code'] as const;
type GradeTask = (typeof TASKS)[number];

interface GradeOptions {
  input: string;
  dataDir?: string;
  letters?: string;
}

export interface GradeOutputLine {
  id: string | number;
  correct: boolean;
  extracted: string | null;
  error?: string;
}

/** One parsed input line with its 1-based line number in the file. */
interface Numbered {
  line: number;
  value: Record<string, unknown>;
}

function describeType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Parses JSONL; blank lines are skipped; anything else unusable throws a UsageError naming the line. */
export function parseGradeInput(text: string, task: GradeTask, file: string): Numbered[] {
  const out: Numbered[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UsageError(
        `${file}: line ${n} is not valid JSON (${(err as Error).message}); each line must be one JSON object`,
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${file}: line ${n} must be a JSON object, got ${describeType(value)}`);
    }
    const obj = value as Record<string, unknown>;
    const need = (field: string, ok: (v: unknown) => boolean, what: string): void => {
      if (!(field in obj)) {
        throw new UsageError(`${file}: line ${n} is missing the field "${field}" (${what})`);
      }
      if (!ok(obj[field])) {
        throw new UsageError(
          `${file}: line ${n}: field "${field}" must be ${what}, got ${describeType(obj[field])}`,
        );
      }
    };
    const isId = (v: unknown) =>
      (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
    const isString = (v: unknown) => typeof v === 'string';
    need('id', isId, 'a non-empty string or a number');
    need('prediction', isString, "a string (the model's reply)");
    if (task === 'math') {
      need('gold', isString, 'a string (the reference answer in LaTeX)');
    } else if (task === 'choice') {
      need('gold', isString, 'a string (the correct letter, e.g. "C")');
      if (!/^\s*[([]?\s*[A-Za-z]\s*[)\]]?\.?\s*$/.test(obj.gold as string)) {
        throw new UsageError(
          `${file}: line ${n}: field "gold" must be one letter such as "C", got ${JSON.stringify(obj.gold)}`,
        );
      }
    } else {
      need('benchmark', (v) => v === 'humaneval-et' || v === 'mbpp', '"humaneval-et" or "mbpp"');
      need('task_id', (v) => isId(v), 'a task id such as "HumanEval/0" or 2');
    }
    out.push({ line: n, value: obj });
  }
  return out;
}

/** Reads the input file (or stdin for "-"), with a usable error when it cannot be read. */
async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `input file ${file} does not exist; pass a JSONL file with --input`
        : `cannot read input file ${file}: ${(err as Error).message}`,
    );
  }
}

function parseLetters(spec: string | undefined): string[] | undefined {
  if (spec === undefined) return undefined;
  const letters = spec
    .split(/[\s,]*/)
    .map((l) => l.trim().toUpperCase())
    .filter((l) => l !== '');
  if (letters.length < 2 || letters.some((l) => !/^[A-Z]$/.test(l))) {
    throw new UsageError(
      `--letters must list option letters, e.g. ABCD or A,B,C,D,E; got ${JSON.stringify(spec)}`,
    );
  }
  return letters;
}

/** Grades the parsed lines; one result per line, in input order. */
export async function gradeLines(
  task: GradeTask,
  rows: Numbered[],
  options: { dataDir?: string; letters?: string[]; file?: string } = {},
): Promise<GradeOutputLine[]> {
  if (task === 'math') {
    const { gradeMath } = await import('../../tasks/math.js');
    return rows.map(({ value }) =>
      withId(value.id as string, gradeMath(value.prediction as string, value.gold as string)),
    );
  }
  if (task === 'choice') {
    const { gradeChoice } = await import('../../tasks/choice.js');
    return rows.map(({ value }) =>
      withId(
        value.id as string,
        gradeChoice(value.prediction as string, value.gold as string, options.letters),
      ),
    );
  }
  const { gradeCodeLines } = await import('./grade-code.js');
  const lines = rows.map(({ value }) => ({
    id: value.id as string,
    prediction: value.prediction as string,
    benchmark: value.benchmark as 'humaneval-et' | 'mbpp',
    task_id: value.task_id as string | number,
  }));
  try {
    return await gradeCodeLines(lines, { dataDir: options.dataDir });
  } catch (err) {
    // report the file's line number, not the index among non-blank lines
    if (err instanceof UsageError) {
      const msg = err.message.replace(
        /input line (\d+)/,
        (_m, k: string) => `line ${rows[Number(k) - 1]?.line ?? k}`,
      );
      throw new UsageError(options.file ? `${options.file}: ${msg}` : msg);
    }
    throw err;
  }
}

function withId(
  id: string | number,
  s: { correct: boolean; extracted: string | null; error?: string },
): GradeOutputLine {
  const out: GradeOutputLine = { id, correct: s.correct, extracted: s.extracted };
  if (s.error) out.error = s.error;
  return out;
}

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description(
      'Grade predictions from a JSONL file (math | choice | code); one JSON result line per input on stdout',
    )
    .argument('<task>', 'math | choice | code')
    .requiredOption(
      '-i, --input <file>',
      'JSONL input ("-" for stdin). math/choice lines: {"id","prediction","gold"}; code lines: {"id","prediction","benchmark":"humaneval-et"|"mbpp","task_id"}',
    )
    .option('--data-dir <dir>', 'benchmark data directory for code tasks (default: $MASPO_DATA_DIR)')
    .option(
      '--letters <letters>',
      'valid option letters for choice grading (default A-E, extended to any gold letter)',
    )
    .addHelpText(
      'after',
      '\nOutput: {"id","correct","extracted","error"?} per input line, in input order. Exit 0 whether answers are right or wrong; exit 2 on unusable input.',
    )
    .action(async (task: string, opts: GradeOptions) => {
      if (!(TASKS as readonly string[]).includes(task)) {
        throw new UsageError(`unknown task "${task}" for maspo grade; use one of: ${TASKS.join(', ')}`);
      }
      const t = task as GradeTask;
      const letters = parseLetters(opts.letters);
      const text = await readInput(opts.input);
      const rows = parseGradeInput(text, t, opts.input);
      if (rows.length === 0) {
        const what = opts.input === '-' ? 'standard input' : opts.input;
        throw new UsageError(
          `${what}: no predictions to grade (the input is empty or only blank lines); give one JSON object per line, e.g. {"id":1,"prediction":"\\boxed{2}","gold":"2"}`,
        );
      }
      const results = await gradeLines(t, rows, { dataDir: opts.dataDir, letters, file: opts.input });
      const out = results.map((r) => JSON.stringify(r)).join('\n');
      if (out !== '') {
        await new Promise<void>((resolve, reject) =>
          process.stdout.write(`${out}\n`, (err) => (err ? reject(err) : resolve())),
        );
      }
    });
}
