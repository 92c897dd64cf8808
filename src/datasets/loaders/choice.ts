import { z } from 'zod';
import { Prng } from '../../util/prng.js';
import { parseCsvObjects } from '../csv.js';
import { DataError, howToGetData } from '../errors.js';
import { fileExists, parseJsonl, readDataFile, readGpqaZipCsv } from '../files.js';
import type { ChoiceOption, Item } from '../types.js';
import { formatChoiceQuestion, type LoadContext, parseInlineOptions, validateRow } from './common.js';

const AQUA_LETTERS = ['A', 'B', 'C', 'D', 'E'] as const;

const AquaRow = z.object({
  question: z.string().min(1),
  options: z.array(z.string()).length(5),
  rationale: z.string(),
  answer: z.enum(AQUA_LETTERS),
});

/** `A ) 5 ( √ 3 + 1 )` or `A)5(√3 + 1)` → { letter: 'A', text: '5 ( √ 3 + 1 )' }. */
export function parseLetteredOption(raw: string): ChoiceOption | null {
  const m = /^\s*([A-Z])\s*\)\s*([\s\S]*)$/.exec(raw);
  if (!m) return null;
  return { letter: m[1]!, text: m[2]!.trim() };
}

export function loadAqua(ctx: LoadContext): Item[] {
  const rel = 'aqua/aqua.jsonl';
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(AquaRow, raw, abs, rel, i + 1);
    const options = r.options.map((o, k) => {
      const p = parseLetteredOption(o);
      if (!p || p.letter !== AQUA_LETTERS[k]) {
        throw new DataError(
          `${abs}:${i + 1}: field 'options.${k}': expected an option starting '${AQUA_LETTERS[k]})'. ${howToGetData(rel)}`,
          abs,
        );
      }
      return p;
    });
    return {
      id: `aqua/${i}`,
      benchmark: 'aqua',
      task: 'choice',
      question: formatChoiceQuestion(r.question, options),
      gold: r.answer,
      meta: { options, solution: r.rationale, row: i },
    };
  });
}

const GPQA_LETTERS = ['A', 'B', 'C', 'D'] as const;
const GPQA_JSONL = 'gpqa-diamond/gpqa_diamond.jsonl';
const GPQA_ZIP = 'gpqa-diamond/upstream/dataset.zip';
const GPQA_CSV = 'gpqa-diamond/gpqa_diamond.csv';
export const GPQA_DEFAULT_OPTION_SEED = 'maspo-gpqa-v1';

const GpqaJsonlRow = z.object({ question: z.string().min(1), answer: z.enum(GPQA_LETTERS) });

export type GpqaSource = 'maspo' | 'upstream-zip' | 'upstream-csv';

/** Which GPQA file a data dir offers, in order of preference: MASPO's jsonl, the official zip, an extracted CSV. */
export function gpqaSource(dataDir: string): GpqaSource | null {
  if (fileExists(dataDir, GPQA_JSONL)) return 'maspo';
  if (fileExists(dataDir, GPQA_ZIP)) return 'upstream-zip';
  if (fileExists(dataDir, GPQA_CSV)) return 'upstream-csv';
  return null;
}

export function loadGpqa(ctx: LoadContext & { source?: GpqaSource }): Item[] {
  const source = ctx.source ?? gpqaSource(ctx.dataDir);
  if (source === null) {
    throw new DataError(
      `missing GPQA-Diamond data in ${ctx.dataDir}: none of '${GPQA_JSONL}', '${GPQA_ZIP}' (the official ` +
        `password-protected zip, read in memory) or '${GPQA_CSV}' (its extracted dataset/gpqa_diamond.csv) is there. ` +
        howToGetData(GPQA_JSONL),
      `${ctx.dataDir}/${GPQA_JSONL}`,
    );
  }
  if (source === 'maspo') return loadGpqaJsonl(ctx);
  const rel = source === 'upstream-zip' ? GPQA_ZIP : GPQA_CSV;
  const abs = `${ctx.dataDir}/${rel}`;
  const buf = readDataFile(ctx.dataDir, rel, ctx);
  const csv = source === 'upstream-zip' ? readGpqaZipCsv(buf, abs) : buf.toString('utf8');
  return gpqaItemsFromCsv(csv, abs, rel, ctx.optionSeed ?? GPQA_DEFAULT_OPTION_SEED);
}

function loadGpqaJsonl(ctx: LoadContext): Item[] {
  const rel = GPQA_JSONL;
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(GpqaJsonlRow, raw, abs, rel, i + 1);
    const parsed = parseInlineOptions(r.question, GPQA_LETTERS);
    if (!parsed) {
      // Never quote GPQA text in errors or logs.
      throw new DataError(
        `${abs}:${i + 1}: field 'question': options 'A. ' … 'D. ' not found at its end. ${howToGetData(rel)}`,
        abs,
      );
    }
    return {
      id: `gpqa-diamond/${i}`,
      benchmark: 'gpqa-diamond',
      task: 'choice',
      question: formatChoiceQuestion(parsed.stem, parsed.options),
      gold: r.answer,
      meta: { options: parsed.options, source: 'maspo', row: i },
    };
  });
}

const GpqaCsvRow = z.object({
  Question: z.string().trim().min(1),
  'Correct Answer': z.string().trim().min(1),
  'Incorrect Answer 1': z.string().trim().min(1),
  'Incorrect Answer 2': z.string().trim().min(1),
  'Incorrect Answer 3': z.string().trim().min(1),
  'Record ID': z.string().optional(),
  'High-level domain': z.string().optional(),
  Subdomain: z.string().optional(),
  Explanation: z.string().optional(),
});

/**
 * Items from the official GPQA CSV: the correct answer and three distractors are shuffled with a seeded
 * permutation per item (`Prng.from(seed, itemId)`), and the gold letter follows the correct answer.
 */
export function gpqaItemsFromCsv(csv: string, abs: string, rel: string, seed: string | number): Item[] {
  let rows: Array<Record<string, string>>;
  try {
    rows = parseCsvObjects(csv);
  } catch (err) {
    throw new DataError(`${abs}: not valid CSV (${(err as Error).message}). ${howToGetData(rel)}`, abs);
  }
  return rows.map((raw, i) => {
    // line numbers in a CSV with multi-line fields are not meaningful; name the data row instead
    const r = validateRow(GpqaCsvRow, raw, abs, rel, `data row ${i + 1}`);
    const id = `gpqa-diamond/${i}`;
    const texts = [
      r['Correct Answer'],
      r['Incorrect Answer 1'],
      r['Incorrect Answer 2'],
      r['Incorrect Answer 3'],
    ];
    const order = Prng.from(seed, id).shuffle([0, 1, 2, 3]);
    const options = order.map((k, pos) => ({ letter: GPQA_LETTERS[pos]!, text: texts[k]! }));
    const gold = GPQA_LETTERS[order.indexOf(0)]!;
    return {
      id,
      benchmark: 'gpqa-diamond',
      task: 'choice',
      question: formatChoiceQuestion(r.Question, options),
      gold,
      meta: {
        options,
        source: 'upstream',
        row: i,
        recordId: r['Record ID'] || undefined,
        subject: r['High-level domain'] || undefined,
        subdomain: r.Subdomain || undefined,
        solution: r.Explanation || undefined,
        optionSeed: String(seed),
      },
    };
  });
}
