import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import { CacheMissError, ProviderError } from '../../src/llm/errors.js';
import { sleep } from '../../src/llm/scheduler.js';
import { chatCompletion, type Handler, json, startLoopback } from '../support/loopback.js';

/** Servers that ask for absurd waits or echo keys back, through the real openai and @google/genai SDKs. */

const KEY = 'sk-test-HOSTILE-0123456789abcdef';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler) {
  const server = await startLoopback(handler);
  servers.push(server);
  return server;
}

function openaiClient(baseURL: string, endpoint: Record<string, unknown> = {}, cacheDir?: string) {
  return createLlmClient(
    {
      endpoints: { openai: { apiKeyEnv: 'K', baseURL, timeoutMs: 2000, ...endpoint } },
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      cache: cacheDir ? { mode: 'read-write', dir: cacheDir } : { mode: 'off' },
    },
    { env: { K: KEY } },
  );
}

const ask = (text = 'hello') => ({
  model: 'openai:gpt-4o-mini',
  role: 'agent' as const,
  messages: [{ role: 'user' as const, content: text }],
});

const slowDown =
  (retryAfter: string): Handler =>
  (_r, res) =>
    json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': retryAfter });

describe('Retry-After beyond llm.endpoints.<name>.maxRetryAfter', () => {
  it('Retry-After: 3600 fails the call at once, naming the requested wait and the setting', async () => {
    const server = await serve(slowDown('3600'));
    const err = await openaiClient(`${server.url}/v1`)
      .complete(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/asked to retry after 3600 s \(1\.0 h\)/);
    expect((err as Error).message).toMatch(/llm\.endpoints\.openai\.maxRetryAfter/);
    expect(server.requests).toHaveLength(1);
  });

  it('a far-future HTTP date fails at once: no timer overflow, no retry spin', async () => {
    const server = await serve(slowDown('Fri, 31 Dec 9999 23:59:59 GMT'));
    const err = await openaiClient(`${server.url}/v1`, { maxRetries: 4 })
      .complete(ask())
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/asked to retry after \d+ s \([\d,]+ days\)/);
    expect(server.requests).toHaveLength(1);
  });

  it('obeys a wait within the cap, and the cap is configurable per endpoint', async () => {
    let n = 0;
    const server = await serve((r, res) =>
      ++n === 1 ? slowDown('0.2')(r, res, n) : json(res, 200, chatCompletion('ok')),
    );
    expect((await openaiClient(`${server.url}/v1`).complete(ask())).text).toBe('ok');
    n = 0;
    const strict = openaiClient(`${server.url}/v1`, { maxRetryAfter: 0.1 });
    await expect(strict.complete(ask('again'))).rejects.toThrow(
      /retry after 0\.2 s .*0\.1 s allowed by llm\.endpoints\.openai\.maxRetryAfter/,
    );
  });

  it('the gemini SDK path obeys the same cap', async () => {
    const server = await serve((_r, res) =>
      json(
        res,
        429,
        { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } },
        {
          'retry-after': '7200',
        },
      ),
    );
    const client = createLlmClient(
      {
        endpoints: { gemini: { apiKeyEnv: 'G', baseURL: server.url, maxRetryAfter: 30 } },
        cache: { mode: 'off' },
      },
      { env: { G: 'AIzaTEST-hostile-gemini-123456' } },
    );
    const err = await client
      .complete({
        model: 'gemini:gemini-2.5-flash',
        role: 'judge',
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/7200 s .*30 s allowed by llm\.endpoints\.gemini\.maxRetryAfter/);
    expect(server.requests).toHaveLength(1);
  });

  it("sleep clamps a delay past setTimeout's 2^31-1 ms instead of firing at once", async () => {
    const controller = new AbortController();
    const long = sleep(2 ** 40, controller.signal).then(
      () => 'resolved',
      () => 'aborted',
    );
    const first = await Promise.race([long, sleep(50).then(() => 'timer')]);
    controller.abort();
    expect(first).toBe('timer');
    expect(await long).toBe('aborted');
  });
});

describe('keys in replies and in base URLs', () => {
  it('redacts API-key-shaped strings in a reply before the cache and the caller see them', async () => {
    const leaked = 'sk-proj-LEAKED0123456789abcdefXYZ';
    const google = 'AIzaSyLEAKEDabcdefghijklmnopqrstuvw';
    const server = await serve((_r, res) =>
      json(res, 200, chatCompletion(`use ${leaked} or ${google}; the answer is \\boxed{4}`)),
    );
    const cacheDir = mkdtempSync(join(tmpdir(), 'maspo-hostile-'));
    const client = openaiClient(`${server.url}/v1`, {}, cacheDir);
    const r = await client.complete(ask());
    expect(r.text).toBe('use [redacted] or [redacted]; the answer is \\boxed{4}');
    const again = await client.complete(ask());
    expect(again.cached).toBe(true);
    expect(again.text).toBe(r.text);
    for (const f of readdirSync(cacheDir, { recursive: true }).map(String)) {
      if (!f.endsWith('.json')) continue;
      const text = readFileSync(join(cacheDir, f), 'utf8');
      expect(text).not.toContain(leaked);
      expect(text).not.toContain(google);
    }
  });

  it('a key in a base URL query string is sent, but never appears in errors or replay-miss messages', async () => {
    const secret = 'qk-URLSECRET-424242';
    const server = await serve((r, res) => json(res, 500, { error: { message: `bad request to ${r.url}` } }));
    const err = (await openaiClient(`${server.url}/v1?api-key=${secret}`, { maxRetries: 0 })
      .complete(ask())
      .catch((e: unknown) => e)) as Error;
    expect(server.requests[0]!.url).toBe(`/v1/chat/completions?api-key=${secret}`);
    expect(err.message).toContain('HTTP 500');
    expect(err.message).not.toContain(secret);
    expect(String(err.stack)).not.toContain(secret);

    const replay = createLlmClient({
      cache: { mode: 'replay', dir: mkdtempSync(join(tmpdir(), 'maspo-hostile-')) },
    });
    const miss = (await replay
      .complete({ ...ask(), model: `openai-compatible:m@${server.url}/v1?key=${secret}` })
      .catch((e: unknown) => e)) as Error;
    expect(miss).toBeInstanceOf(CacheMissError);
    expect(miss.message).toContain('?key=[redacted]');
    expect(miss.message).not.toContain(secret);
  });
});
