import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { CallRole } from '../llm/types.js';
import { addSpend, type Spend, totalCount, zeroSpend } from './spend.js';

/**
 * The run's spend ledger, `spend.jsonl` in the run dir: write-ahead and append-only. A paid call is
 * reserved — one line appended (and fsync'd for requests that leave the process) — *before* it is sent,
 * so a call in flight when the process is killed (kill -9, power loss) is already counted when the run
 * resumes: a budget holds across crashes, and what every process of the run paid is the ledger's sum.
 *
 * Lines:
 *   {"send":"agent","pid":123}                         one call reserved (sent or about to be)
 *   {"refund":"agent"}                                 a reservation answered by the cache after all
 *   {"use":"agent","tokens":123,"usd":0.0004}          tokens and USD of a paid reply, once it arrived
 *   {"carry":{calls,tokens,usd}}                       spend of a run started before ledgers (state.json)
 *
 * A line cut short by a crash is ignored: its write did not complete, so its request was never sent.
 */

const ROLES = ['agent', 'optimizer', 'judge'] as const;
const role = z.enum(ROLES);
const counts = z.object({ agent: z.number(), optimizer: z.number(), judge: z.number() });
const lineSchema = z.union([
  z.object({ send: role }).passthrough(),
  z.object({ refund: role }),
  z.object({ use: role, tokens: z.number(), usd: z.number() }),
  z.object({ carry: z.object({ calls: counts, tokens: counts, usd: counts }) }),
]);

export const LEDGER_FILE = 'spend.jsonl';

export class SpendLedger {
  /** What earlier processes of this run spent (read from the file when it was opened). */
  readonly previous: Spend;
  /** What this process spent. */
  private readonly session: Spend = zeroSpend();
  private fd: number | null = null;

  private constructor(
    /** The ledger file, or null for a run without a run dir (dry runs): counted in memory only. */
    readonly path: string | null,
    previous: Spend,
  ) {
    this.previous = previous;
  }

  /** A ledger that writes nothing (dry runs). */
  static inMemory(): SpendLedger {
    return new SpendLedger(null, zeroSpend());
  }

  /**
   * Opens (or starts) the ledger at `path`. `carried` is the spend a run recorded before it had a ledger
   * (state.json of an older version): used, and written down, only when the file does not exist yet.
   */
  static open(path: string, carried?: Spend): SpendLedger {
    if (existsSync(path)) return new SpendLedger(path, readLedger(path));
    const ledger = new SpendLedger(path, carried ?? zeroSpend());
    if (carried && totalCount(carried.calls) + totalCount(carried.tokens) > 0)
      ledger.append({ carry: carried }, true);
    return ledger;
  }

  /** Reserves one call of `role` before it is sent; `durable` fsyncs the line (requests that leave). */
  reserve(r: CallRole, durable: boolean): void {
    this.append({ send: r, pid: process.pid }, durable);
    this.session.calls[r]++;
  }

  /** Gives back a reservation that the response cache answered. */
  refund(r: CallRole): void {
    this.append({ refund: r }, false);
    this.session.calls[r]--;
  }

  /** Records the tokens and USD of a paid reply. */
  settle(r: CallRole, tokens: number, usd: number): void {
    this.append({ use: r, tokens, usd }, false);
    this.session.tokens[r] += tokens;
    this.session.usd[r] += usd;
  }

  /** This process's spend. */
  sessionSpend(): Spend {
    return structuredClone(this.session);
  }

  /** Every process's spend. */
  total(): Spend {
    return addSpend(this.previous, this.session);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(line: z.infer<typeof lineSchema> | Record<string, unknown>, durable: boolean): void {
    if (this.path === null) return;
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a');
      // A line an earlier process left unterminated (killed mid-write) must not swallow ours.
      const text = readFileSync(this.path, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) writeSync(this.fd, '\n');
    }
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    if (durable) fsyncSync(this.fd);
  }
}

/** The spend recorded in a ledger file; unreadable lines (a write cut by a crash) are skipped. */
export function readLedger(path: string): Spend {
  const spend = zeroSpend();
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = lineSchema.safeParse(raw);
    if (!parsed.success) continue;
    const l = parsed.data;
    if ('send' in l) spend.calls[l.send]++;
    else if ('refund' in l) spend.calls[l.refund]--;
    else if ('use' in l) {
      spend.tokens[l.use] += l.tokens;
      spend.usd[l.use] += l.usd;
    } else Object.assign(spend, addSpend(spend, l.carry));
  }
  return spend;
}
