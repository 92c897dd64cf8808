import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { HarnessInputError, readBaseline } from './baseline.js';
import { runRecordFor } from './reporting.js';
import type { Baseline, RunRecord } from './types.js';

export const DEFAULT_BASELINE = 'baselines/maspo.baseline.json';

/**
 * What every maspo reporter shares: it waits for the run's record (built once from the tests' meta) and
 * resolves its files against the Vitest root. Subclasses only say what to do with the record.
 */
export abstract class RunRecordReporter implements Reporter {
  protected vitest?: Vitest;
  private root?: string;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const run = runRecordFor(modules, this.vitest);
    if (run) this.report(run);
  }

  protected abstract report(run: RunRecord): void;

  /** Reports a run record built outside a Vitest run (the union of shards, `maspo eval --merge`). */
  reportRun(run: RunRecord, root: string): void {
    this.root = root;
    this.report(run);
  }

  /** A path relative to the Vitest root (the working directory outside Vitest). */
  protected path(file: string): string {
    return resolve(this.vitest?.config.root ?? this.root ?? process.cwd(), file);
  }

  /** The baseline when its file exists and is usable; the gate reporter is the one that complains. */
  protected optionalBaseline(file: string | undefined): Baseline | undefined {
    const path = this.path(file ?? DEFAULT_BASELINE);
    try {
      return existsSync(path) ? readBaseline(path) : undefined;
    } catch (err) {
      if (!(err instanceof HarnessInputError)) throw err;
      return undefined;
    }
  }
}
