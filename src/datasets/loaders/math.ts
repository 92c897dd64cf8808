import { z } from 'zod';
import { parseJsonl, readDataFile } from '../files.js';
import type { Item } from '../types.js';
import { type LoadContext, validateRow } from './common.js';

const Math500Row = z.object({
  problem: z.string().min(1),
  answer: z.string(),
  solution: z.string(),
  subject: z.string(),
  level: z.number().int().min(1).max(5),
  unique_id: z.string().min(1),
});

export function loadMath500(ctx: LoadContext): Item[] {
  const rel = 'math500/math_500.jsonl';
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(Math500Row, raw, abs, rel, i + 1);
    return {
      id: r.unique_id,
      benchmark: 'math500',
      task: 'math',
      question: r.problem,
      gold: r.answer,
      meta: { level: r.level, subject: r.subject, solution: r.solution },
    };
  });
}

const AgievalRow = z.object({
  problem: z.string().min(1),
  answer: z.string(),
  solution: z.string(),
  type: z.string(),
  level: z.number().int().min(1).max(5),
});

export function loadAgievalMath(ctx: LoadContext): Item[] {
  const rel = 'agieval-math/test.jsonl';
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(AgievalRow, raw, abs, rel, i + 1);
    return {
      id: `agieval-math/${i}`,
      benchmark: 'agieval-math',
      task: 'math',
      question: r.problem,
      gold: r.answer,
      meta: { level: r.level, subject: r.type, solution: r.solution, row: i },
    };
  });
}
