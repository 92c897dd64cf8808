import type { z } from 'zod';
import { DataError, howToGetData } from '../errors.js';
import type { ChoiceOption } from '../types.js';

export interface LoadContext {
  dataDir: string;
  verify?: boolean;
  /** Seed for shuffling GPQA options when reading the upstream CSV (default 'maspo-gpqa-v1'). */
  optionSeed?: string | number;
}

/** Validates one parsed record; a mismatch is a DataError naming file:line and the field. */
export function validateRow<T>(
  schema: z.ZodType<T>,
  row: unknown,
  abs: string,
  rel: string,
  line: number | string,
): T {
  const r = schema.safeParse(row);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : '(record)';
  throw new DataError(
    `${typeof line === 'number' ? `${abs}:${line}` : `${abs} (${line})`}: field '${field}': ${issue?.message ?? 'invalid'}; the file is corrupt or not the expected format. ${howToGetData(rel)}`,
    abs,
  );
}

/** The question an agent sees for a choice item: stem, blank line, then `A) text` lines. */
export function formatChoiceQuestion(stem: string, options: readonly ChoiceOption[]): string {
  return `${stem.trim()}\n\n${options.map((o) => `${o.letter}) ${o.text}`).join('\n')}`;
}

/**
 * Parses options inlined at the end of a question as lines `A. …` … `D. …` (GPQA in MASPO's file).
 * Searches backwards so a stem that itself contains lettered lists is left alone. Option text may
 * span lines. Returns null when the markers are not all there.
 */
export function parseInlineOptions(
  text: string,
  letters: readonly string[] = ['A', 'B', 'C', 'D'],
): { stem: string; options: ChoiceOption[] } | null {
  const at: number[] = [];
  let end = text.length;
  for (let i = letters.length - 1; i >= 0; i--) {
    const pos = text.lastIndexOf(`\n${letters[i]}. `, end - 1);
    if (pos < 0) return null;
    at[i] = pos;
    end = pos;
  }
  const options = letters.map((letter, i) => {
    const start = at[i]! + letter.length + 3;
    const stop = i + 1 < letters.length ? at[i + 1]! : text.length;
    return { letter, text: text.slice(start, stop).trim() };
  });
  if (options.some((o) => o.text === '')) return null;
  const stem = text.slice(0, at[0]).trim();
  if (!stem) return null;
  return { stem, options };
}

/** Import lines (`import x`, `from x import y`) at the top level of Python source. */
export function pythonImports(source: string): string[] {
  return source
    .split('\n')
    .filter((l) => /^(import\s+\S|from\s+\S+\s+import\s)/.test(l))
    .map((l) => l.trimEnd());
}
