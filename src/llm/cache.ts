import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/fs.js';
import { hashValue } from '../util/hash.js';
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
});

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
 */
export class ResponseCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0 };

  constructor(
    readonly mode: CacheMode,
    readonly dir: string,
  ) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The stored result, or undefined. In replay mode a miss throws CacheMissError. */
  async get(key: string, describe: () => string): Promise<ProviderResult | undefined> {
    if (this.mode === 'off') return undefined;
    const file = this.path(key);
    if (existsSync(file)) {
      const parsed = entrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success && parsed.data.key === key) {
        this.stats.hits++;
        await this.log({ event: 'hit', key });
        return parsed.data.result;
      }
    }
    this.stats.misses++;
    await this.log({ event: 'miss', key });
    if (this.mode === 'replay') throw new CacheMissError(describe());
    return undefined;
  }

  async put(key: string, result: ProviderResult): Promise<void> {
    if (this.mode !== 'read-write') return;
    const entry = { key, result, createdAt: new Date().toISOString() };
    await writeFileAtomic(this.path(key), JSON.stringify(entry));
    this.stats.writes++;
    await this.log({ event: 'store', key });
  }

  private async log(line: { event: 'hit' | 'miss' | 'store'; key: string }): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // One short line per append stays atomic under O_APPEND across processes.
    await appendFile(join(this.dir, 'log.jsonl'), `${JSON.stringify({ ...line, pid: process.pid })}\n`);
  }
}
