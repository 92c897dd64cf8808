import { extname } from 'node:path';
import { parseCsv } from './csv.js';
import { jsonErrorWithoutText } from './files.js';

/** One record of a user's data file, with the 1-based line it starts on. */
export interface SourceRow {
  line: number;
  value: unknown;
}

export type CustomFileFormat = 'jsonl' | 'json' | 'csv';

export const CUSTOM_FORMATS: Record<string, CustomFileFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
};

/** The format of a user's data file, by its extension (null when unknown). */
export function customFormatOf(file: string): CustomFileFormat | null {
  return CUSTOM_FORMATS[extname(file).toLowerCase()] ?? null;
}

/** A problem at a line of a user's data file. */
export interface RowProblem {
  line: number;
  message: string;
}

export interface ParsedRows {
  rows: SourceRow[];
  problems: RowProblem[];
}

/** JSON Lines: one object per non-blank line; every unparseable line is a problem. */
export function rowsFromJsonl(text: string): ParsedRows {
  const rows: SourceRow[] = [];
  const problems: RowProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    try {
      rows.push({ line: i + 1, value: JSON.parse(line) });
    } catch (err) {
      problems.push({
        line: i + 1,
        message: `not valid JSON (${jsonErrorWithoutText((err as Error).message)}). Fix: write one JSON object per line`,
      });
    }
  });
  return { rows, problems };
}

/**
 * The line each top-level element of a JSON array starts on (JSON.parse keeps no positions). Assumes
 * the text already parsed as an array.
 */
export function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expectValue && c !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return lines;
}

/** A JSON array of objects. A file that does not parse is one problem at the line JSON.parse names. */
export function rowsFromJsonArray(text: string): ParsedRows {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const at = /line (\d+)/.exec(msg)?.[1] ?? positionLine(text, /position (\d+)/.exec(msg)?.[1]);
    return {
      rows: [],
      problems: [
        {
          line: Number(at ?? 1),
          message: `not valid JSON (${jsonErrorWithoutText(msg)}). Fix: the file must be one JSON array of objects`,
        },
      ],
    };
  }
  if (!Array.isArray(value)) {
    return {
      rows: [],
      problems: [{ line: 1, message: 'expected a JSON array of objects. Fix: wrap the rows in [ ... ]' }],
    };
  }
  const lines = arrayElementLines(text);
  return { rows: value.map((v, i) => ({ line: lines[i] ?? 1, value: v })), problems: [] };
}

function positionLine(text: string, pos: string | undefined): number | undefined {
  if (pos === undefined) return undefined;
  return text.slice(0, Number(pos)).split('\n').length;
}

/** CSV with a header row; each data row becomes an object keyed by the header. */
export function rowsFromCsv(text: string): ParsedRows {
  const starts: number[] = [];
  let table: string[][];
  try {
    table = parseCsv(text, starts);
  } catch (err) {
    return {
      rows: [],
      problems: [
        {
          line: text.split('\n').length,
          message: `${(err as Error).message}. Fix: close the quoted field (a quote inside a field is written "")`,
        },
      ],
    };
  }
  const [header, ...data] = table;
  if (!header) return { rows: [], problems: [] };
  const rows: SourceRow[] = [];
  const problems: RowProblem[] = [];
  data.forEach((r, k) => {
    const line = starts[k + 1] ?? k + 2;
    if (r.length === 1 && r[0] === '') return;
    if (r.length !== header.length) {
      problems.push({
        line,
        message: `${r.length} fields, but the header has ${header.length}. Fix: quote fields that contain commas ("a, b")`,
      });
      return;
    }
    const o: Record<string, string> = {};
    header.forEach((h, j) => {
      o[h.trim()] = r[j] ?? '';
    });
    rows.push({ line, value: o });
  });
  return { rows, problems };
}

export function parseRows(format: CustomFileFormat, text: string): ParsedRows {
  switch (format) {
    case 'jsonl':
      return rowsFromJsonl(text);
    case 'json':
      return rowsFromJsonArray(text);
    case 'csv':
      return rowsFromCsv(text);
  }
}
