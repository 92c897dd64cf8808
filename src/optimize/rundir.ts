import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';

/** A run directory `.maspo/runs/<id>/`: state.json (atomic), events.jsonl (append-only), generations/. */

export type RunEvent =
  | {
      type: 'run-start';
      runId: string;
      strategy: string;
      steps: number;
      resumedAt?: number;
      /** On resume: the schedule step the run continues from. */
      fromStep?: number;
      hashes: Record<string, string>;
    }
  | { type: 'step-start'; step: number; kind: string; agent: string; round: number; generation: number }
  | {
      type: 'generation';
      step: number;
      agent: string;
      round: number;
      generation: number;
      minibatch: string[];
      candidates: number;
      accepted: number;
      /** null when the reward variant does not measure it (single-signal rewards). */
      misalignmentRate: number | null;
      bestJ: number;
    }
  | {
      type: 'proposal';
      step: number;
      agent: string;
      parent: string;
      candidate: string | null;
      attempts: number;
    }
  | { type: 'validation-failure'; step: number; agent: string; parent: string; message: string }
  | {
      type: 'judgement';
      step: number;
      agent: string;
      candidate: string;
      R: number;
      local: number | null;
      lookahead: number | null;
      global: number | null;
      n: number;
      ties: number;
      flips: number;
      parseFailures: number;
    }
  | {
      type: 'acceptance';
      step: number;
      agent: string;
      candidate: string;
      parent: string;
      J: number;
      published: boolean;
    }
  | { type: 'refresh'; step: number; agent: string; scores: Array<{ hash: string; J: number }>; best: string }
  | { type: 'budget'; step: number; message: string }
  /** A judge call failed after retries: its item is an error of that evaluation. */
  | { type: 'judge-error'; agent: string; item: string; message: string }
  | { type: 'error'; step: number; message: string }
  | {
      type: 'validation';
      split: string;
      n: number;
      seedAccuracy: number;
      optimizedAccuracy: number;
      difference: number;
      p: number;
      kept: string;
    }
  | { type: 'run-end'; status: string; artifact: string | null };

/** A run's state.json cannot be read: names the file, what is wrong and what to do (exit 2). */
export class CorruptRunError extends UsageError {
  override name = 'CorruptRunError';
}

/** What is wrong with a state file's text, or its parsed value. */
export function parseStateText<T>(text: string, schema: z.ZodType<T>): { state: T } | { problem: string } {
  if (text.trim() === '') return { problem: 'it is empty' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problem: 'it is not valid JSON (truncated or edited)' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return { problem: `field ${field}: ${issue.message}` };
  }
  return { state: parsed.data };
}

export class RunDir {
  /** Events in events.jsonl. */
  eventCount = 0;
  /** Events logged after the last checkpoint by an earlier process: a replay does not log them again. */
  private readonly replayed = new Map<string, number>();

  constructor(readonly dir: string) {}

  /**
   * Prepares the log for a resumed run. Events past the checkpoint (`checkpointEvents` lines; for state
   * files without that count, events of steps ≥ `cursor`) were written by work the crash lost; the
   * resumed run redoes that work, and an event identical to one of them (timestamp aside) is skipped,
   * so the log stays append-only without duplicates. A line cut by the crash is terminated first.
   */
  async openForResume(
    checkpointEvents: number | null,
    cursor: number | null,
    notify: (message: string) => void = () => {},
  ): Promise<number> {
    await this.repairTornEvent(notify);
    const events = this.readEvents();
    this.eventCount = events.length;
    let from = events.length;
    if (checkpointEvents !== null) from = Math.min(checkpointEvents, events.length);
    else if (cursor !== null) {
      const i = events.findIndex((e) => 'step' in e && typeof e.step === 'number' && e.step >= cursor);
      if (i >= 0) from = i;
    }
    for (const { ts: _ts, ...e } of events.slice(from)) {
      const key = JSON.stringify(e);
      this.replayed.set(key, (this.replayed.get(key) ?? 0) + 1);
    }
    return from;
  }

  /**
   * A crash can cut the last line of events.jsonl short. A cut line that is still whole JSON only lacks
   * its newline (added); otherwise the fragment is removed, with a notice naming the file and its size.
   */
  private async repairTornEvent(notify: (message: string) => void): Promise<void> {
    const p = join(this.dir, 'events.jsonl');
    if (!existsSync(p)) return;
    const text = await readFile(p, 'utf8');
    if (text.length === 0 || text.endsWith('\n')) return;
    const start = text.lastIndexOf('\n') + 1;
    const fragment = text.slice(start);
    try {
      JSON.parse(fragment);
      await appendFile(p, '\n');
      return;
    } catch {
      // cut mid-line: drop it
    }
    await truncate(p, Buffer.byteLength(text.slice(0, start)));
    notify(
      `${p}: the last line was cut short by the crash (${Buffer.byteLength(fragment)} bytes, not JSON); removed it. The step it belonged to is redone.`,
    );
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  static create(runsDir: string, id: string): RunDir {
    return new RunDir(resolve(runsDir, id));
  }

  /**
   * The most recent run id in `runsDir` (ids sort by creation time), or null; with `filter`, the most
   * recent whose state (validated by `filter.schema`) passes `filter.accept`. A newer run whose state.json
   * cannot be read is then an error (CorruptRunError) rather than skipped: `--resume` must never quietly
   * continue an older run instead.
   */
  static latest<S = unknown>(
    runsDir: string,
    filter?: { accept: (state: S) => boolean; schema: z.ZodType<S> },
  ): string | null {
    if (!existsSync(runsDir)) return null;
    const ids = readdirSync(runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(runsDir, d.name, 'state.json')))
      .map((d) => d.name)
      .sort()
      .reverse();
    for (const id of ids) {
      if (!filter) return id;
      const path = join(runsDir, id, 'state.json');
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed since the listing
      }
      const r = parseStateText(text, filter.schema);
      if ('problem' in r) {
        throw new CorruptRunError(
          `${path} is corrupt (${r.problem}), and it is the newest run in ${runsDir}: --resume will not skip it and continue an older run. Fix: resume a run by id (--resume <id>), move ${join(runsDir, id)} out of ${runsDir} if it is not needed, or start a new run without --resume.`,
        );
      }
      if (filter.accept(r.state)) return id;
    }
    return null;
  }

  /** The run's state, or null when there is none. */
  readState<T>(): T | null;
  /** The run's state validated by `schema`; a corrupt file throws CorruptRunError naming it. */
  readState<T>(schema: z.ZodType<T>): T | null;
  readState<T>(schema?: z.ZodType<T>): T | null {
    if (!existsSync(this.statePath)) return null;
    const text = readFileSync(this.statePath, 'utf8');
    if (!schema) return JSON.parse(text) as T;
    const r = parseStateText(text, schema);
    if ('problem' in r) {
      throw new CorruptRunError(
        `cannot resume: ${this.statePath} is corrupt (${r.problem}). This run cannot continue from it. Fix: start a new run without --resume (the calls this run paid are listed in ${join(this.dir, 'spend.jsonl')}), or restore the file from a backup.`,
      );
    }
    return r.state;
  }

  async writeState(state: unknown): Promise<void> {
    await writeFileAtomic(this.statePath, `${JSON.stringify(state, null, 1)}\n`);
  }

  async event(e: RunEvent): Promise<void> {
    // A budget stop or an error is a fact about this process, logged even when an earlier one had the same.
    const key = e.type === 'budget' || e.type === 'error' ? '' : JSON.stringify(e);
    const n = this.replayed.get(key);
    if (n !== undefined) {
      if (n <= 1) this.replayed.delete(key);
      else this.replayed.set(key, n - 1);
      return;
    }
    this.eventCount++;
    await mkdir(this.dir, { recursive: true });
    await appendFile(
      join(this.dir, 'events.jsonl'),
      `${JSON.stringify({ ts: new Date().toISOString(), ...e })}\n`,
    );
  }

  async writeJson(name: string, data: unknown): Promise<void> {
    await writeFileAtomic(join(this.dir, name), `${JSON.stringify(data, null, 1)}\n`);
  }

  readEvents(): Array<RunEvent & { ts: string }> {
    const p = join(this.dir, 'events.jsonl');
    if (!existsSync(p)) return [];
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return []; // a line cut by a crash
        }
      });
  }
}

/** A new run id: UTC timestamp plus a short tag (sorts by creation time). */
export function newRunId(tag: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${ts}-${tag.slice(0, 8)}`;
}

/** Where events and state go; the dry run uses a recorder that writes nothing. */
export interface Recorder {
  event(e: RunEvent): Promise<void>;
  writeJson(name: string, data: unknown): Promise<void>;
  writeState(state: unknown): Promise<void>;
}

export const nullRecorder: Recorder = {
  event: async () => {},
  writeJson: async () => {},
  writeState: async () => {},
};
