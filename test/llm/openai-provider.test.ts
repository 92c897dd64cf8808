import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetExhaustedError } from '../../src/llm/budget.js';
import { createLlmClient } from '../../src/llm/client.js';
import { CacheMissError, ProviderError, RetriesExhaustedError, TimeoutError } from '../../src/llm/errors.js';
import { chatCompletion, type Handler, json, startLoopback } from '../support/loopback.js';

const KEY = 'sk-test-SECRET-0123456789abcdef';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  handler: Handler,
  llm: Record<string, unknown> = {},
  endpoint: Record<string, unknown> = {},
) {
  const server = await startLoopback(handler);
  servers.push(server);
  const cacheDir = mkdtempSync(join(tmpdir(), 'maspo-cache-'));
  const client = createLlmClient(
    {
      endpoints: {
        openai: { apiKeyEnv: 'TEST_OPENAI_KEY', baseURL: `${server.url}/v1`, timeoutMs: 2000, ...endpoint },
      },
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      cache: { mode: 'off', dir: cacheDir },
      ...llm,
    },
    { env: { TEST_OPENAI_KEY: KEY } },
  );
  return { server, client, cacheDir };
}

const ask = (text = 'hello', extra: Record<string, unknown> = {}) => ({
  model: 'openai:gpt-4o-mini',
  role: 'agent' as const,
  messages: [{ role: 'user' as const, content: text }],
  ...extra,
});

describe('OpenAI provider through the real SDK', () => {
  it('sends the request, returns text, usage and finish reason, and sends the key only as a header', async () => {
    const { server, client } = await setup((_r, res) => json(res, 200, chatCompletion('hi there')));
    const r = await client.complete(ask('hello', { temperature: 0.3, maxTokens: 50 }));
    expect(r).toMatchObject({
      text: 'hi there',
      usage: { inputTokens: 11, outputTokens: 7 },
      finishReason: 'stop',
    });
    expect(r.cached).toBe(false);
    const sent = server.requests[0]!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.3, max_completion_tokens: 50 });
    expect(JSON.stringify(sent.body)).not.toContain('agent'); // the role tag is never sent
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    const { server, client } = await setup((_r, res, n) =>
      n === 1
        ? json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '0.3' })
        : json(res, 200, chatCompletion('ok')),
    );
    const t0 = Date.now();
    const r = await client.complete(ask());
    expect(r.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('gives up after repeated 500s with a clear error counted as an error', async () => {
    const { server, client } = await setup(
      (_r, res) => json(res, 500, { error: { message: 'boom' } }),
      {},
      { maxRetries: 2 },
    );
    const err = await client.complete(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as Error).message).toMatch(/failed after 3 attempts: .*HTTP 500/);
    expect(server.requests).toHaveLength(3);
    expect(client.usage().total.errors).toBe(1);
  });

  it('does not retry a 400 and names the status', async () => {
    const { server, client } = await setup((_r, res) => json(res, 400, { error: { message: 'bad model' } }));
    const err = await client.complete(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(400);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a TimeoutError when every attempt hangs', async () => {
    const { server, client } = await setup(() => {}, {}, { timeoutMs: 120, maxRetries: 1 });
    const err = await client.complete(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as Error & { cause: unknown }).cause).toBeInstanceOf(TimeoutError);
    expect(server.requests).toHaveLength(2);
  });

  it('treats malformed JSON and empty choices as provider errors', async () => {
    const bad = await setup(
      (_r, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": [ this is not json');
      },
      {},
      { maxRetries: 0 },
    );
    const e1 = await bad.client.complete(ask()).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(Error);
    expect((e1 as Error).message).toMatch(/malformed|JSON/i);

    const empty = await setup(
      (_r, res) => json(res, 200, { ...chatCompletion('x'), choices: [] }),
      {},
      { maxRetries: 0 },
    );
    const e2 = await empty.client.complete(ask()).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/no choices/);
  });

  it('surfaces finish_reason=length', async () => {
    const { client } = await setup((_r, res) => json(res, 200, chatCompletion('trunc', 'length')));
    expect((await client.complete(ask())).finishReason).toBe('length');
  });

  it('never has more calls in flight at the server than the limit, and returns results in request order', async () => {
    const { server, client } = await setup(
      async (r, res) => {
        await new Promise((ok) => setTimeout(ok, 20));
        const body = r.body as { messages: Array<{ content: string }> };
        json(res, 200, chatCompletion(`echo ${body.messages[0]!.content}`));
      },
      {},
      { maxConcurrency: 3 },
    );
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => client.complete(ask(`m${i}`))));
    expect(out.map((o) => o.text)).toEqual(Array.from({ length: 20 }, (_, i) => `echo m${i}`));
    expect(server.peak).toBeLessThanOrEqual(3);
    expect(server.peak).toBe(3);
    expect(client.peakConcurrency()).toEqual({ openai: 3 });
  });

  it('cancels through an AbortSignal', async () => {
    const { client } = await setup(() => {});
    const ac = new AbortController();
    const p = client.complete(ask(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await p.catch((e: unknown) => e);
    expect((err as Error).name).toMatch(/Abort/);
  });

  it('enforces budgets before dispatch', async () => {
    const { server, client } = await setup((_r, res) => json(res, 200, chatCompletion('ok')), {
      budget: { agent: { calls: 2 } },
    });
    await client.complete(ask('a'));
    await client.complete(ask('b'));
    const err = await client.complete(ask('c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExhaustedError);
    expect((err as BudgetExhaustedError).scope).toBe('agent');
    expect(server.requests).toHaveLength(2);
    // other roles are not affected by the agent budget
    await client.complete({ ...ask('d'), role: 'judge' });
  });

  it('a call budget holds under concurrency: calls in flight count as spent', async () => {
    const { server, client } = await setup(
      (_r, res) => {
        setTimeout(() => json(res, 200, chatCompletion('ok')), 20);
      },
      { budget: { total: { calls: 3 } } },
    );
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => client.complete(ask(`q${i}`))),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExhaustedError);
    expect(server.requests).toHaveLength(3);
    expect(client.usage().total.calls).toBe(3);
  });

  it('caches: a hit is reported as a hit and its usage as saved; replay mode turns a miss into an error', async () => {
    const { server, cacheDir } = await setup((_r, res) => json(res, 200, chatCompletion('cached answer')));
    const mk = (mode: string) =>
      createLlmClient(
        {
          endpoints: { openai: { apiKeyEnv: 'K', baseURL: `${server.url}/v1` } },
          cache: { mode: mode as 'read-write', dir: cacheDir },
        },
        { env: { K: KEY } },
      );
    const rw = mk('read-write');
    expect((await rw.complete(ask('q'))).cached).toBe(false);
    const again = await rw.complete(ask('q'));
    expect(again).toMatchObject({ cached: true, text: 'cached answer' });
    expect(rw.usage().total).toMatchObject({ calls: 1, cacheHits: 1, savedInputTokens: 11, inputTokens: 11 });
    expect(server.requests).toHaveLength(1);

    const replay = mk('replay');
    expect((await replay.complete(ask('q'))).cached).toBe(true);
    const miss = await replay.complete(ask('never asked')).catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(CacheMissError);
    expect((miss as Error).message).toMatch(/openai:gpt-4o-mini .*agent call.*never asked/);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the API key out of errors, cache files and usage reports', async () => {
    const { client, cacheDir } = await setup((_r, res) =>
      json(res, 401, { error: { message: `Incorrect API key provided: ${KEY}` } }),
    );
    const err = (await client.complete(ask()).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain(KEY);
    expect(String(err.stack)).not.toContain(KEY);
    expect(JSON.stringify(client.usage())).not.toContain(KEY);
    const ok = await setup((_r, res) => json(res, 200, chatCompletion('fine')), {
      cache: { mode: 'read-write', dir: cacheDir },
    });
    await ok.client.complete(ask());
    const files = readdirSync(cacheDir, { recursive: true }).map(String);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      if (f.endsWith('.json') || f.endsWith('.jsonl'))
        expect(readFileSync(join(cacheDir, f), 'utf8')).not.toContain(KEY);
    }
  });

  it('rejects a key written into the config and a malformed model reference', () => {
    expect(() => createLlmClient({ endpoints: { openai: { apiKey: KEY } } } as never)).toThrow(
      /llm\.endpoints\.openai\.apiKey looks like an API key .*apiKeyEnv/,
    );
    const c = createLlmClient({ cache: { mode: 'off' } });
    return expect(c.complete({ ...ask(), model: 'gpt-4o' })).rejects.toThrow(
      /invalid model reference "gpt-4o"/,
    );
  });
});
