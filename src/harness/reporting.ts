import { execFileSync } from 'node:child_process';
import type { TestModule, Vitest } from 'vitest/node';
import './augment.js';
import { buildRunRecord } from './aggregate.js';
import type { HarnessProvided, ItemResultRecord, PromptsInfo, RunRecord } from './types.js';

const STATE = Symbol.for('maspo.harness.state');

interface SharedState {
  runs: WeakMap<object, RunRecord>;
  /** Set by the global setup (same process as the reporters). */
  provided?: HarnessProvided;
  /** Last run record and gate verdict, for the `maspo eval` wrapper. */
  last?: RunRecord;
}

/** Process-wide state shared by maspo's reporters and global setup (survives duplicate module copies). */
export function sharedState(): SharedState {
  const g = globalThis as unknown as Record<symbol, SharedState>;
  g[STATE] ??= { runs: new WeakMap() };
  return g[STATE];
}

/** Item records of every maspo test in the run; a failed test that never reported gets its error filled in. */
export function collectItemRecords(modules: ReadonlyArray<TestModule>): ItemResultRecord[] {
  const out: ItemResultRecord[] = [];
  for (const m of modules) {
    for (const tc of m.children.allTests()) {
      const meta = tc.meta().maspo;
      if (!meta) continue;
      const result = tc.result();
      if (result.state === 'skipped' || result.state === 'pending') continue;
      if (result.state === 'failed' && !meta.error) {
        const msg = result.errors?.[0]?.message ?? 'test failed without a message';
        out.push({ ...meta, correct: false, error: msg });
      } else out.push(meta);
    }
  }
  return out;
}

function providedPrompts(vitest: Vitest | undefined): PromptsInfo | undefined {
  const fromState = sharedState().provided?.prompts;
  if (fromState) return fromState;
  for (const p of vitest?.projects ?? []) {
    const ctx = p.getProvidedContext() as { maspo?: HarnessProvided };
    if (ctx.maspo?.prompts) return ctx.maspo.prompts;
  }
  return undefined;
}

/** The commit a run belongs to: GITHUB_SHA in Actions, else the working tree's HEAD. */
export function gitInfo(): RunRecord['git'] | undefined {
  const sha = process.env.GITHUB_SHA;
  const ref = process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME;
  if (sha) return { sha, ...(ref ? { ref } : {}) };
  try {
    const local = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return local ? { sha: local } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run record of this test run, built once and shared by all maspo reporters (so they agree on the
 * run id and numbers). Returns undefined when the run had no maspo tests (e.g. only unit tests).
 */
export function runRecordFor(modules: ReadonlyArray<TestModule>, vitest?: Vitest): RunRecord | undefined {
  const state = sharedState();
  const cached = state.runs.get(modules);
  if (cached) return cached;
  const records = collectItemRecords(modules);
  if (records.length === 0) return undefined;
  const prompts = providedPrompts(vitest);
  const git = gitInfo();
  const run = buildRunRecord(records, { ...(prompts ? { prompts } : {}), ...(git ? { git } : {}) });
  const unusable = fatalError(modules);
  if (unusable) run.unusable = unusable;
  state.runs.set(modules, run);
  state.last = run;
  return run;
}

/** The error that stopped the run as a whole (an unreachable endpoint), if an item's test recorded one. */
export function fatalError(modules: ReadonlyArray<TestModule>): string | undefined {
  for (const m of modules)
    for (const t of m.children.allTests()) if (t.meta().maspoFatal) return t.meta().maspoFatal;
  return undefined;
}

/** Raises the process exit code (never lowers it: Vitest may already have set 1 for failed tests). */
export function raiseExitCode(code: number): void {
  const cur = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0) || 0;
  if (code > cur) process.exitCode = code;
}
