import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../util/fs.js';
import { shortAnswer } from './aggregate.js';
import type { Baseline, RunRecord } from './types.js';
import { BASELINE_VERSION, RUN_RECORD_VERSION } from './types.js';

/** The input is unusable (missing or invalid baseline, history or results file). The CLI maps it to exit 2. */
export class HarnessInputError extends Error {
  override name = 'HarnessInputError';
}

const rate = z.number().min(0).max(1);

export const baselineSchema = z.object({
  version: z.literal(BASELINE_VERSION),
  kind: z.literal('maspo-baseline'),
  createdAt: z.string(),
  simulated: z.boolean(),
  runId: z.string().optional(),
  benchmarks: z.record(
    z.string(),
    z.object({
      split: z.string(),
      system: z.string(),
      model: z.string(),
      n: z.number().int().min(0),
      accuracy: rate,
      errorRate: rate,
      misalignmentRate: rate,
      items: z.record(
        z.string(),
        z.object({
          c: z.union([z.literal(0), z.literal(1)]),
          m: z.union([z.literal(0), z.literal(1)]),
          e: z.literal(1).optional(),
          a: z.string().optional(),
        }),
      ),
    }),
  ),
  prompts: z.record(z.string(), z.string()).optional(),
});

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Reads and validates a baseline file; errors name the file, the field and the fix. */
export function readBaseline(file: string): Baseline {
  if (!existsSync(file)) {
    throw new HarnessInputError(
      `baseline file ${file} does not exist: create it with \`maspo baseline update --baseline ${file}\` after a run, or pass --baseline`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HarnessInputError(`baseline file ${file} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    throw new HarnessInputError(
      `baseline file ${file} is invalid: ${issues(parsed.error)}. Regenerate it with \`maspo baseline update\``,
    );
  }
  return parsed.data as Baseline;
}

/** A baseline taken from a run record (all benchmarks, or only `only`), merged over `previous` if given. */
export function baselineFromRun(
  run: RunRecord,
  opts: { previous?: Baseline; only?: string[] } = {},
): Baseline {
  const benchmarks: Baseline['benchmarks'] = { ...(opts.previous?.benchmarks ?? {}) };
  for (const s of run.benchmarks) {
    if (opts.only && !opts.only.includes(s.benchmark)) continue;
    const items: Baseline['benchmarks'][string]['items'] = {};
    for (const it of run.items[s.benchmark] ?? []) {
      items[it.id] = {
        c: it.correct && !it.error ? 1 : 0,
        m: it.misaligned ? 1 : 0,
        ...(it.error ? { e: 1 as const } : {}),
        ...(it.extracted != null && !it.error ? { a: shortAnswer(it.extracted) } : {}),
      };
    }
    benchmarks[s.benchmark] = {
      split: s.split,
      system: s.system,
      model: s.model,
      n: s.n,
      accuracy: s.accuracy,
      errorRate: s.errorRate,
      misalignmentRate: s.misalignmentRate,
      items,
    };
  }
  const prompts = run.prompts
    ? Object.fromEntries(Object.entries(run.prompts.agents).map(([k, v]) => [k, v.prompt]))
    : opts.previous?.prompts;
  return {
    version: BASELINE_VERSION,
    kind: 'maspo-baseline',
    createdAt: run.createdAt,
    simulated: run.simulated || (opts.previous?.simulated ?? false),
    runId: run.runId,
    benchmarks: Object.fromEntries(Object.entries(benchmarks).sort(([a], [b]) => a.localeCompare(b))),
    ...(prompts ? { prompts } : {}),
  };
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Reads the run records of a history file (JSON lines). Lines of another version are skipped. */
export function readHistory(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  const out: RunRecord[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new HarnessInputError(`${file}:${i + 1}: not valid JSON; remove or fix that line`);
    }
    const r = rec as Partial<RunRecord>;
    if (r.kind !== 'maspo-run' || !Array.isArray(r.benchmarks)) {
      throw new HarnessInputError(`${file}:${i + 1}: not a maspo run record (kind must be "maspo-run")`);
    }
    if (r.version === RUN_RECORD_VERSION) out.push(r as RunRecord);
  });
  return out;
}

/** Reads a single run record: a `.json` file with one record, or the last record of a history `.jsonl`. */
export function readLatestRun(file: string): RunRecord {
  if (!existsSync(file)) {
    throw new HarnessInputError(
      `results file ${file} does not exist: run \`maspo eval\` first (it writes it)`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  try {
    const r = JSON.parse(text) as RunRecord;
    if (r.kind === 'maspo-run' && r.version === RUN_RECORD_VERSION) return r;
    throw new HarnessInputError(
      `${file}: not a maspo run record of version ${RUN_RECORD_VERSION} (kind must be "maspo-run")`,
    );
  } catch (err) {
    if (err instanceof HarnessInputError) throw err;
    /* not a single JSON document: read it as a history of JSON lines */
  }
  const history = readHistory(file);
  const last = history.at(-1);
  if (!last)
    throw new HarnessInputError(
      `results file ${file} holds no maspo run record of version ${RUN_RECORD_VERSION}`,
    );
  return last;
}
