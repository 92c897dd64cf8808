import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { isProcessAlive } from '../util/process.js';

/** Another live process holds the run: exit 2 (two processes on one run would both spend its budget). */
export class RunInUseError extends UsageError {
  override name = 'RunInUseError';
}

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

export const LOCK_FILE = 'run.lock';

/**
 * One process per run dir. The lock file names its holder; a holder on this machine that no longer runs
 * (kill -9, a crash) is taken over with a notice, so a resume after a crash never needs a manual step. A
 * holder on another machine (a shared file system) cannot be checked and is refused. Released when the
 * run finishes or stops, and at process exit.
 */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly file: string) {
    process.once('exit', this.onExit);
  }

  static acquire(file: string, runId: string, notify: (line: string) => void = () => {}): RunLock {
    const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    mkdirSync(dirname(file), { recursive: true });
    for (;;) {
      try {
        const fd = openSync(file, 'wx');
        try {
          writeSync(fd, `${JSON.stringify(me)}\n`);
        } finally {
          closeSync(fd);
        }
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(file);
      // This process already holds it (a library caller opening the same run again).
      if (holder && holder.pid === me.pid && holder.host === me.host) return new RunLock(file);
      if (holder && (holder.host !== me.host || isProcessAlive(holder.pid))) {
        throw new RunInUseError(
          `run ${runId} is in use by process ${holder.pid} on ${holder.host} (since ${holder.startedAt}); two processes on one run would both spend its budget. Wait for it to finish or stop it; if it is no longer running, delete ${file}`,
        );
      }
      notify(
        holder
          ? `run ${runId}: process ${holder.pid}, which held it, is no longer running (killed or crashed); taking the run over`
          : `run ${runId}: its lock file ${file} is unreadable (a crash while writing it); taking the run over`,
      );
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function readHolder(file: string): Holder | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof v.pid === 'number' && typeof v.host === 'string'
      ? { pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? 'an unknown time') }
      : null;
  } catch {
    return null;
  }
}
