/** The `code` branch of `maspo grade`: grade model replies against HumanEval-ET / MBPP tasks. */
import { loadBenchmark } from '../../datasets/index.js';
import type { Item } from '../../datasets/types.js';
import { UsageError } from '../../errors.js';
import { type CodeScorerOptions, createCodeScorer, SandboxUnavailableError } from '../../tasks/code/index.js';

export interface CodeGradeLine {
  id: string;
  prediction: string;
  benchmark: 'humaneval-et' | 'mbpp';
  task_id: string | number;
}

export interface CodeGradeResult {
  id: string;
  correct: boolean;
  extracted: string | null;
  /** The reason of the verdict (the failing assert, cpu-timeout, memory, syntax error, crash, …). */
  detail?: string;
  error?: string;
  /** Present, and "unsandboxed", when MASPO_SANDBOX=unsafe ran the code without bubblewrap. */
  sandbox?: 'unsandboxed';
}

/** Item id for a (benchmark, task_id) pair: humaneval-et accepts `HumanEval/7` or `7`; mbpp `mbpp/2`, `2` or 2. */
export function itemIdFor(benchmark: string, taskId: string | number): string {
  const t = String(taskId).trim();
  if (benchmark === 'humaneval-et') return /^\d+$/.test(t) ? `HumanEval/${t}` : t;
  if (benchmark === 'mbpp') return t.startsWith('mbpp/') ? t : `mbpp/${t}`;
  return t;
}

/**
 * Grades each line (the prediction is the model's full reply; the code is extracted from it) and returns
 * one result per line in input order. Unknown benchmarks or task ids throw a UsageError naming the line
 * before anything runs. A sandbox failure is `error`, never a wrong answer. Without bubblewrap (and without
 * MASPO_SANDBOX=unsafe) nothing runs: a UsageError (exit 2) says how to install it.
 */
export async function gradeCodeLines(
  lines: CodeGradeLine[],
  opts: { dataDir?: string } & CodeScorerOptions = {},
): Promise<CodeGradeResult[]> {
  const indexes = new Map<string, Map<string, Item>>();
  const items: Item[] = [];
  for (const [i, line] of lines.entries()) {
    const where = `input line ${i + 1} (id ${JSON.stringify(line.id)})`;
    if (line.benchmark !== 'humaneval-et' && line.benchmark !== 'mbpp') {
      throw new UsageError(
        `${where}: benchmark must be "humaneval-et" or "mbpp", got ${JSON.stringify(line.benchmark)}`,
      );
    }
    if (typeof line.prediction !== 'string') {
      throw new UsageError(`${where}: "prediction" must be a string (the model's full reply)`);
    }
    let index = indexes.get(line.benchmark);
    if (!index) {
      const loaded = await loadBenchmark(line.benchmark, { dataDir: opts.dataDir });
      index = new Map(loaded.map((it) => [it.id, it]));
      indexes.set(line.benchmark, index);
    }
    const item = index.get(itemIdFor(line.benchmark, line.task_id));
    if (!item) {
      throw new UsageError(
        `${where}: no ${line.benchmark} task with task_id ${JSON.stringify(line.task_id)} ` +
          `(expected e.g. ${line.benchmark === 'mbpp' ? '2 or "mbpp/2"' : '"HumanEval/0"'})`,
      );
    }
    items.push(item);
  }
  const scorer = createCodeScorer(opts);
  try {
    try {
      await scorer.sandbox();
    } catch (e) {
      if (e instanceof SandboxUnavailableError) throw new UsageError(e.message);
      throw e;
    }
    const unsafe = scorer.isolation() === 'unsafe';
    return await Promise.all(
      lines.map(async (line, i) => {
        const s = await scorer.score(items[i]!, line.prediction);
        const out: CodeGradeResult = { id: line.id, correct: s.correct, extracted: s.extracted };
        if (s.detail) out.detail = s.detail;
        if (s.error) out.error = s.error;
        if (unsafe) out.sandbox = 'unsandboxed';
        return out;
      }),
    );
  } finally {
    await scorer.close();
  }
}
