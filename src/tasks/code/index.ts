/**
 * Code grading: extract the program from a model's reply and run it against the item's assert
 * statements in the sandbox (see ./sandbox.ts and docs/sandbox.md).
 */
import type { Item } from '../../datasets/types.js';
import type { Score, Scorer } from '../types.js';
import { extractCode, normaliseCode } from './extract.js';
import {
  type FailureKind,
  type Isolation,
  Sandbox,
  type SandboxJob,
  type SandboxOptions,
  type SandboxResult,
} from './sandbox.js';

export { extractCode, normaliseCode } from './extract.js';
export { resolvePython } from './python.js';
export type {
  FailureKind,
  Isolation,
  IsolationMode,
  SandboxJob,
  SandboxOptions,
  SandboxResult,
} from './sandbox.js';
export {
  BWRAP_HELP,
  findExecutable,
  isolationFromEnv,
  probeSandbox,
  readableByOthers,
  Sandbox,
  SandboxUnavailableError,
  warnUnsandboxed,
} from './sandbox.js';

export interface CodeScorerOptions extends SandboxOptions {
  /** CPU time per item (all its asserts), default 10 s. */
  timeoutMs?: number;
  /** Wall-clock backstop per item, default 3 × timeoutMs + 5 s (extended while the code uses CPU). */
  wallMs?: number;
  /**
   * Skip asserts that use names the reference solution never defines (upstream breakage in
   * HumanEval-ET: asserts flattened out of `for` loops). Default true; false reproduces MapCoder's
   * protocol, where those tasks can never pass.
   */
  skipInvalidAsserts?: boolean;
  /** Identical (item, normalised code) pairs are graded once; entries kept, default 5000 (0 = off). */
  cacheSize?: number;
}

export type CodeScorer = Scorer & {
  close(): Promise<void>;
  /** The sandbox pool (created on first use; rejects with SandboxUnavailableError without bubblewrap). */
  sandbox(): Promise<Sandbox>;
  /** The isolation in use once the pool has started (`unsafe` = reports must say "unsandboxed"). */
  isolation(): Isolation | undefined;
  /** Runs already-extracted code against an item's tests. */
  run(item: Item, code: string, options?: { signal?: AbortSignal }): Promise<Score>;
};

/** The sandbox job for running `code` against a code item's tests. */
export function jobFor(item: Item, code: string): SandboxJob {
  const m = item.meta;
  const lines: string[] = [];
  if (item.benchmark === 'humaneval-et') lines.push('from typing import *'); // MapCoder's ET protocol
  for (const imp of m.imports ?? []) lines.push(imp);
  // HumanEval's prompt carries imports and helper functions (e.g. encode_cyclic) the solution may call;
  // a completion that is only a function body continues the prompt's signature.
  if (typeof m.prompt === 'string' && m.prompt.trim()) lines.push(m.prompt.replace(/\s+$/, ''));
  return {
    id: item.id,
    code,
    prelude: lines.join('\n'),
    tests: m.tests ?? [],
    entryPoint: m.entryPoint ?? item.gold,
    reference: typeof m.canonicalSolution === 'string' ? m.canonicalSolution : undefined,
  };
}

function clip(s: string, n = 240): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

/** The label that opens the detail of each failure kind (failing asserts open with "failed assert #i"). */
const KIND_LABEL: Record<FailureKind, string> = {
  assert: 'failed assert',
  'test-error': 'failed assert',
  exception: 'exception',
  memory: 'memory',
  recursion: 'exception',
  'not-plain': 'not a plain value',
  syntax: 'syntax error',
  load: 'load error',
  'no-function': 'no function',
  'cpu-timeout': 'cpu-timeout',
  'wall-timeout': 'wall-timeout',
  output: 'output limit',
  crash: 'crash',
  exit: 'crash',
  protocol: 'crash',
};

/**
 * Turns a sandbox verdict into a Score. Every failure's detail opens with its reason (failed assert,
 * exception, memory, not a plain value, syntax error, load error, no function, cpu-timeout,
 * wall-timeout, output limit, crash) and names the assert it happened in.
 */
export function scoreFromResult(job: SandboxJob, r: SandboxResult, extracted: string): Score {
  const skipped = r.skipped?.length
    ? `; skipped ${r.skipped.length} upstream-broken assert(s) #${r.skipped.join(', #')}`
    : '';
  const at = (i: number | undefined) => (i === undefined ? '' : ` assert #${i}: ${clip(job.tests[i] ?? '')}`);
  if (r.status === 'error') return { correct: false, extracted, error: `sandbox: ${r.reason ?? 'failed'}` };
  if (r.status === 'passed') {
    const n = r.passed ?? job.tests.length;
    return { correct: true, extracted, detail: `passed ${n}/${job.tests.length} asserts${skipped}` };
  }
  const kind: FailureKind =
    r.kind ?? (r.phase === 'compile' ? 'syntax' : r.phase === 'load' ? 'load' : 'crash');
  const reason = r.reason ?? kind;
  let detail: string;
  if (kind === 'assert' || kind === 'test-error') detail = `failed${at(r.index)} — ${reason}`;
  else if (kind === 'syntax') detail = `syntax error: code does not compile: ${reason}`;
  else if (kind === 'load') detail = `load error: code raised while loading: ${reason}`;
  else if (kind === 'no-function') detail = `no function: ${reason}`;
  else if (r.index !== undefined && (kind === 'exception' || kind === 'recursion' || kind === 'not-plain'))
    detail = `${KIND_LABEL[kind]}:${at(r.index)} — ${kind === 'not-plain' ? reason : `the candidate raised ${reason}`}`;
  else detail = `${KIND_LABEL[kind]}: ${reason}${r.index !== undefined ? ` during${at(r.index)}` : ''}`;
  return {
    correct: false,
    extracted,
    detail: `${detail} (${r.passed ?? 0}/${job.tests.length} passed${skipped})`,
  };
}

/** A Scorer for code items. Starts its sandbox pool lazily; call `close()` when done. */
export function createCodeScorer(opts: CodeScorerOptions = {}): CodeScorer {
  let pool: Promise<Sandbox> | null = null;
  let isolation: Isolation | undefined;
  const cache = new Map<string, Score>();
  const cacheSize = opts.cacheSize ?? 5000;
  const sandbox = () => {
    if (!pool) {
      pool = Sandbox.create(opts);
      pool.then(
        (sb) => {
          isolation = sb.isolation;
        },
        () => {},
      );
      pool.catch(() => {
        pool = null;
      });
    }
    return pool;
  };
  const entry = (item: Item) => item.meta.entryPoint ?? item.gold;

  async function run(item: Item, code: string, options?: { signal?: AbortSignal }): Promise<Score> {
    const job = jobFor(item, code);
    if (!job.tests.length) return { correct: false, extracted: code, error: `item ${item.id} has no tests` };
    if (opts.timeoutMs !== undefined) job.timeoutMs = opts.timeoutMs;
    if (opts.wallMs !== undefined) job.wallMs = opts.wallMs;
    if (opts.skipInvalidAsserts === false) job.skipInvalid = false;
    const key = cacheSize > 0 ? `${item.benchmark}\0${item.id}\0${normaliseCode(code)}` : '';
    const hit = key ? cache.get(key) : undefined;
    if (hit) return { ...hit, extracted: code };
    let sb: Sandbox;
    try {
      sb = await sandbox();
    } catch (e) {
      return { correct: false, extracted: code, error: `sandbox: ${(e as Error).message}` };
    }
    const r = await sb.run(job, { signal: options?.signal });
    const score = scoreFromResult(job, r, code);
    if (sb.isolation === 'unsafe') score.unsandboxed = true;
    if (key && !score.error) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(key, score);
    }
    return score;
  }

  return {
    async score(item, output, options) {
      const code = extractCode(output, entry(item));
      if (code === null)
        return { correct: false, extracted: null, detail: 'no Python code found in the reply' };
      return run(item, code, options);
    },
    extract(item, output) {
      return extractCode(output, entry(item));
    },
    same(_item, a, b) {
      return normaliseCode(a) === normaliseCode(b);
    },
    run,
    sandbox,
    isolation: () => isolation,
    async close() {
      const p = pool;
      pool = null;
      if (p) await (await p.catch(() => null))?.close();
    },
  };
}
