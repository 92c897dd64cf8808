import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/fs.js';
import { hashValue } from '../util/hash.js';
import { isProcessAlive } from '../util/process.js';
import { CacheMissError } from './errors.js';
import type { ModelRef } from './model-ref.js';
import { redactSecrets } from './secrets.js';
import type { ChatRequest, ProviderResult } from './types.js';

export type CacheMode = 'off' | 'read-write' | 'replay';

const entrySchema = z.object({
  key: z.string(),
  result: z.object({
    text: z.string(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
    finishReason: z.enum(['stop', 'length', 'content_filter', 'tool_calls', 'other']),
    model: z.string(),
    simulated: z.boolean(),
  }),
  createdAt: z.string(),
  /** sha256 of the stable JSON of { key, result }; entries written before checksums have none. */
  sha256: z.string().optional(),
});

type Entry = z.infer<typeof entrySchema>;

/** The checksum an entry carries: any change to its key or result (a hand edit, a torn write) shows. */
export const entryChecksum = (key: string, result: ProviderResult): string => hashValue({ key, result });

/** Temp files of atomic writes (`<entry>.<pid>.<hex>.tmp`) older than this are orphans of a crash. */
const ORPHAN_AGE_MS = 10 * 60_000;
/** … or older than this when the process that wrote them is gone. */
const DEAD_OWNER_AGE_MS = 60_000;
const TEMP_FILE = /\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * The cache key: provider endpoint, model, the full messages, temperature, max tokens, sample index and
 * seed. Never an API key or anything else from the environment.
 */
export function cacheKey(ref: ModelRef, request: ChatRequest, fingerprint?: string): string {
  return hashValue({
    v: 1,
    endpoint: ref.endpoint,
    model: ref.model,
    ...(fingerprint ? { fingerprint } : {}),
    messages: request.messages,
    temperature: request.temperature ?? 0,
    maxTokens: request.maxTokens ?? null,
    sampleIndex: request.sampleIndex ?? 0,
    seed: request.seed ?? null,
  });
}

export function describeRequest(ref: ModelRef, request: ChatRequest, key: string): string {
  const last = request.messages.at(-1)?.content ?? '';
  const preview = last.replace(/\s+/g, ' ').slice(0, 80);
  return redactSecrets(
    `${ref.ref} (${request.role} call, sample ${request.sampleIndex ?? 0}, key ${key.slice(0, 12)}…, last message "${preview}")`,
  );
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
}

/**
 * Content-addressed response cache on disk: one JSON file per key under `<dir>/<2 hex>/<key>.json`,
 * written atomically so concurrent processes never see partial entries. Every lookup and store is
 * appended to `<dir>/log.jsonl`, which shows which calls were paid for and which were replayed.
 *
 * Integrity: each entry carries a sha256 of its key and result. An entry that is empty, truncated, not
 * JSON, of the wrong shape, for another key or whose checksum does not match (edited by hand) is a miss:
 * the file is moved aside (`<key>.json.corrupt-<time>`), one warning names it, and the call is made
 * again. Entries written before checksums existed (no `sha256`) are accepted when their shape and key
 * are right, and sealed with a checksum the first time they are read in read-write mode. Temp files left
 * by a crashed write are removed the first time a process touches their directory.
 */
export class ResponseCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0 };
  /** Corrupt entries this process moved aside. */
  readonly quarantined: string[] = [];
  private readonly swept = new Set<string>();

  constructor(
    readonly mode: CacheMode,
    readonly dir: string,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`maspo: ${m}\n`),
  ) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The stored result, or undefined. In replay mode a miss throws CacheMissError. */
  async get(key: string, describe: () => string): Promise<ProviderResult | undefined> {
    if (this.mode === 'off') return undefined;
    const file = this.path(key);
    this.sweep(dirname(file));
    if (existsSync(file)) {
      const entry = this.read(file, key);
      if (entry) {
        this.stats.hits++;
        await this.log({ event: 'hit', key });
        if (entry.sha256 === undefined && this.mode === 'read-write') {
          // A legacy entry: seal it so later edits are caught (best effort; a read-only cache stays as is).
          await writeFileAtomic(file, JSON.stringify(sealed(key, entry.result, entry.createdAt))).catch(
            () => {},
          );
        }
        return entry.result;
      }
    }
    this.stats.misses++;
    await this.log({ event: 'miss', key });
    if (this.mode === 'replay') throw new CacheMissError(describe());
    return undefined;
  }

  async put(key: string, result: ProviderResult): Promise<void> {
    if (this.mode !== 'read-write') return;
    const file = this.path(key);
    this.sweep(dirname(file));
    await writeFileAtomic(file, JSON.stringify(sealed(key, result, new Date().toISOString())));
    this.stats.writes++;
    await this.log({ event: 'store', key });
  }

  /** The entry in `file` if it is sound; otherwise moves the file aside, warns, and returns null. */
  private read(file: string, key: string): Entry | null {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null; // gone since existsSync (another process quarantined it): a plain miss
    }
    const checked = inspectEntry(text, key);
    if ('entry' in checked) return checked.entry;
    const problem = checked.problem;
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(file, aside);
    } catch {
      return null; // another process moved it first and warned
    }
    this.quarantined.push(aside);
    this.warn(
      `cache entry ${file} is unusable: ${problem}. Moved aside to ${aside}; the call is made again.`,
    );
    void this.log({ event: 'corrupt', key });
    return null;
  }

  /** Removes temp files of crashed writes in `dir` (once per directory per process). */
  private sweep(dir: string): void {
    if (this.swept.has(dir)) return;
    this.swept.add(dir);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const m = TEMP_FILE.exec(name);
      if (!m) continue;
      const p = join(dir, name);
      try {
        const age = now - statSync(p).mtimeMs;
        if (age > ORPHAN_AGE_MS || (age > DEAD_OWNER_AGE_MS && !isProcessAlive(Number(m[1])))) unlinkSync(p);
      } catch {
        // already gone
      }
    }
  }

  private async log(line: { event: 'hit' | 'miss' | 'store' | 'corrupt'; key: string }): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // One short line per append stays atomic under O_APPEND across processes.
    await appendFile(join(this.dir, 'log.jsonl'), `${JSON.stringify({ ...line, pid: process.pid })}\n`);
  }
}

/** A cache file's entry, or what is wrong with it. */
export function inspectEntry(text: string, key: string): { entry: Entry } | { problem: string } {
  if (text.trim() === '') return { problem: 'it is empty' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problem: 'it is not valid JSON (truncated or overwritten)' };
  }
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) return { problem: 'it is not a cache entry (fields missing or of the wrong type)' };
  const entry = parsed.data;
  if (entry.key !== key) return { problem: `it holds the entry of another key (${entry.key.slice(0, 12)}…)` };
  if (entry.sha256 !== undefined && entry.sha256 !== entryChecksum(key, entry.result))
    return { problem: 'its checksum does not match its content (edited by hand?)' };
  return { entry };
}

/** An entry with its checksum, over the result as it will read back (fields outside the schema dropped). */
function sealed(key: string, result: ProviderResult, createdAt: string): Entry {
  const clean = entrySchema.shape.result.parse(result);
  return { key, result: clean, createdAt, sha256: entryChecksum(key, clean) };
}
