import { z } from 'zod';
import { DataError, howToGetData } from '../errors.js';
import { parseJsonl, readDataFile } from '../files.js';
import type { Item } from '../types.js';
import { type LoadContext, pythonImports, validateRow } from './common.js';

const MbppRow = z.object({
  task_id: z.number().int(),
  prompt: z.string().min(1),
  code: z.string().min(1),
  test_imports: z.array(z.string()),
  test_list: z.array(z.string()).min(1),
  source_file: z.string().optional(),
});

/** The function MBPP's tests call: a `def` of the reference code that the first assert calls. */
export function mbppEntryPoint(code: string, tests: readonly string[]): string | null {
  const defs = [...code.matchAll(/^def\s+([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]!);
  const called = (t: string, name: string) => new RegExp(`(^|[^\\w.])${name}\\s*\\(`).test(t);
  for (const t of tests) {
    const hit = defs.find((d) => called(t, d));
    if (hit) return hit;
  }
  return null;
}

export function loadMbpp(ctx: LoadContext): Item[] {
  const rel = 'mbpp/sanitized-mbpp.jsonl';
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(MbppRow, raw, abs, rel, i + 1);
    const entryPoint = mbppEntryPoint(r.code, r.test_list);
    if (!entryPoint) {
      throw new DataError(
        `${abs}:${i + 1}: task ${r.task_id}: no function of 'code' is called by 'test_list'. ${howToGetData(rel)}`,
        abs,
      );
    }
    const question =
      `${r.prompt.trim()}\n\nWrite a Python function \`${entryPoint}\`. ` +
      `Your code should pass this test:\n${r.test_list[0]}`;
    return {
      id: `mbpp/${r.task_id}`,
      benchmark: 'mbpp',
      task: 'code',
      question,
      gold: entryPoint,
      meta: {
        taskId: r.task_id,
        entryPoint,
        canonicalSolution: r.code.replace(/\r\n/g, '\n'),
        tests: r.test_list,
        imports: r.test_imports,
        description: r.prompt,
      },
    };
  });
}

const HumanEvalEtRow = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  canonical_solution: z.string(),
  entry_point: z.string().min(1),
  test: z.string(),
  test_list: z.array(z.string()).min(1),
});

export function loadHumanEvalEt(ctx: LoadContext): Item[] {
  const rel = 'humaneval-et/HumanEval_ET.jsonl';
  const abs = `${ctx.dataDir}/${rel}`;
  const rows = parseJsonl(readDataFile(ctx.dataDir, rel, ctx).toString('utf8'), abs, rel);
  return rows.map((raw, i) => {
    const r = validateRow(HumanEvalEtRow, raw, abs, rel, i + 1);
    return {
      id: r.task_id,
      benchmark: 'humaneval-et',
      task: 'code',
      question: r.prompt,
      gold: r.entry_point,
      meta: {
        taskId: r.task_id,
        entryPoint: r.entry_point,
        prompt: r.prompt,
        canonicalSolution: r.prompt + r.canonical_solution,
        tests: r.test_list,
        imports: pythonImports(r.prompt),
        /** The original HumanEval `check(candidate)` function. */
        checkFunction: r.test,
      },
    };
  });
}
