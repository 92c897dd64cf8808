import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cacheKey, entryChecksum } from '../../src/llm/cache.js';
import { createLlmClient } from '../../src/llm/client.js';
import { parseModelRef } from '../../src/llm/model-ref.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { chatCompletion, json, startLoopback } from '../support/loopback.js';

/** Cache entries carry a checksum; unusable ones are misses (moved aside, one warning); crash leftovers go. */

const serverP = startLoopback((_r, res, n) => json(res, 200, chatCompletion(`answer ${n}`)));
afterAll(async () => (await serverP).close());
afterEach(() => vi.restoreAllMocks());

const request: ChatRequest = {
  model: 'openai:gpt-4o-mini',
  role: 'agent',
  messages: [{ role: 'user', content: 'What is 2 + 2?' }],
};

async function setup() {
  const server = await serverP;
  const dir = mkdtempSync(join(tmpdir(), 'maspo-cache-integrity-'));
  const client = () =>
    createLlmClient(
      {
        endpoints: { openai: { apiKeyEnv: 'K', baseURL: `${server.url}/v1` } },
        cache: { mode: 'read-write', dir },
      },
      { env: { K: 'sk-integrity-000000000000' } },
    );
  const key = cacheKey(parseModelRef(request.model), request);
  const file = join(dir, key.slice(0, 2), `${key}.json`);
  const warnings = () => {
    const calls = (process.stderr.write as unknown as { mock?: { calls: unknown[][] } }).mock?.calls ?? [];
    return calls.map((c) => String(c[0])).filter((l) => l.includes('cache entry'));
  };
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { server, dir, client, key, file, warnings };
}

const aside = (file: string) =>
  readdirSync(dirname(file)).filter((n) => n.startsWith(`${file.split('/').at(-1)}.corrupt-`));

describe('response cache integrity', () => {
  it('a stored entry carries the sha256 of its key and result', async () => {
    const { client, file, key } = await setup();
    await client().complete(request);
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    expect(entry.sha256).toBe(entryChecksum(key, entry.result));
    expect((await client().complete(request)).cached).toBe(true);
  });

  const damages: Array<[string, (text: string) => string, RegExp]> = [
    ['truncated', (t) => t.slice(0, Math.floor(t.length / 2)), /not valid JSON/],
    ['empty', () => '', /empty/],
    ['junk', () => '\u0000\u0001 garbage {{{', /not valid JSON/],
    ['of the wrong shape', () => JSON.stringify({ hello: 'world' }), /not a cache entry/],
    [
      'edited by hand',
      (t) => {
        const e = JSON.parse(t);
        e.result.text = 'an answer nobody received';
        return JSON.stringify(e);
      },
      /checksum does not match/,
    ],
  ];
  for (const [what, damage, reason] of damages) {
    it(`an entry ${what} is a miss: re-fetched, moved aside, one warning naming the file`, async () => {
      const { server, client, file, warnings } = await setup();
      const first = await client().complete(request);
      writeFileSync(file, damage(readFileSync(file, 'utf8')));
      const before = server.requests.length;

      const c = client();
      const again = await c.complete(request);
      expect(again.cached).toBe(false); // never silently used, never an error
      expect(again.text).not.toBe('an answer nobody received');
      expect(server.requests.length).toBe(before + 1);
      expect(again.text).not.toBe(first.text); // the server's next answer, so it really was fetched
      const moved = aside(file);
      expect(moved).toHaveLength(1);
      const w = warnings();
      expect(w).toHaveLength(1);
      expect(w[0]).toContain(file);
      expect(w[0]).toMatch(reason);
      expect(w[0]).toContain(moved[0]);
      // The fresh entry is sound: the next process gets a hit, and no further warning.
      expect((await client().complete(request)).cached).toBe(true);
      expect(warnings()).toHaveLength(1);
      expect(c.cache.stats).toMatchObject({ misses: 1, writes: 1 });
    });
  }

  it('an entry written before checksums is accepted, then sealed; an edit after that is caught', async () => {
    const { server, client, file, key, warnings } = await setup();
    await client().complete(request);
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    delete entry.sha256;
    writeFileSync(file, JSON.stringify(entry));
    const before = server.requests.length;
    expect((await client().complete(request)).cached).toBe(true);
    expect(server.requests.length).toBe(before);
    const resealed = JSON.parse(readFileSync(file, 'utf8'));
    expect(resealed.sha256).toBe(entryChecksum(key, resealed.result));
    resealed.result.text = 'edited';
    writeFileSync(file, JSON.stringify(resealed));
    expect((await client().complete(request)).cached).toBe(false);
    expect(warnings()).toHaveLength(1);
  });

  it('temp files of crashed writes are removed: old ones, and those of a dead process', async () => {
    const { client, file } = await setup();
    const sub = dirname(file);
    mkdirSync(sub, { recursive: true });
    const name = (pid: number, hex: string) => join(sub, `${file.split('/').at(-1)}.${pid}.${hex}.tmp`);
    const minutesAgo = (p: string, m: number) => {
      const t = new Date(Date.now() - m * 60_000);
      utimesSync(p, t, t);
    };
    const deadPid = 2 ** 22 + 12_345; // above Linux's pid_max default: never a live process
    const orphanOfDead = name(deadPid, 'aaaaaaaaaaaa');
    const ancient = name(process.ppid, 'bbbbbbbbbbbb');
    const live = name(process.ppid, 'cccccccccccc');
    const freshOfDead = name(deadPid, 'dddddddddddd');
    for (const p of [orphanOfDead, ancient, live, freshOfDead]) writeFileSync(p, '{"partial');
    minutesAgo(orphanOfDead, 2);
    minutesAgo(ancient, 30);
    await client().complete(request);
    expect(existsSync(orphanOfDead)).toBe(false);
    expect(existsSync(ancient)).toBe(false);
    // A write in progress (a live writer, or one that may still be renaming) is left alone.
    expect(existsSync(live)).toBe(true);
    expect(existsSync(freshOfDead)).toBe(true);
  });
});
