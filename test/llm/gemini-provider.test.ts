import { afterEach, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import { ProviderError, RetriesExhaustedError } from '../../src/llm/errors.js';
import { geminiResponse, type Handler, json, startLoopback } from '../support/loopback.js';

const KEY = 'AIzaTEST-gemini-secret-123456';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(handler: Handler, endpoint: Record<string, unknown> = {}) {
  const server = await startLoopback(handler);
  servers.push(server);
  const client = createLlmClient(
    {
      endpoints: {
        gemini: { apiKeyEnv: 'TEST_GEMINI_KEY', baseURL: server.url, timeoutMs: 2000, ...endpoint },
      },
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      cache: { mode: 'off' },
    },
    { env: { TEST_GEMINI_KEY: KEY } },
  );
  return { server, client };
}

const ask = {
  model: 'gemini:gemini-2.5-flash',
  role: 'judge' as const,
  temperature: 0,
  maxTokens: 64,
  messages: [
    { role: 'system' as const, content: 'be brief' },
    { role: 'user' as const, content: 'compare' },
  ],
};

describe('Gemini provider through the real @google/genai SDK', () => {
  it('sends generateContent with the system instruction and maps text, usage and finish reason', async () => {
    const { server, client } = await setup((_r, res) => json(res, 200, geminiResponse('VERDICT: A')));
    const r = await client.complete(ask);
    expect(r).toMatchObject({
      text: 'VERDICT: A',
      usage: { inputTokens: 5, outputTokens: 3 },
      finishReason: 'stop',
    });
    const sent = server.requests[0]!;
    expect(sent.url).toMatch(/models\/gemini-2\.5-flash:generateContent/);
    expect(sent.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'compare' }] }],
      systemInstruction: { parts: [{ text: 'be brief' }] },
      generationConfig: { temperature: 0, maxOutputTokens: 64 },
    });
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
  });

  it('honours Retry-After on 429 and surfaces MAX_TOKENS as length', async () => {
    const { server, client } = await setup((_r, res, n) =>
      n === 1
        ? json(
            res,
            429,
            { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } },
            { 'retry-after': '0.25' },
          )
        : json(res, 200, geminiResponse('partial', 'MAX_TOKENS')),
    );
    const t0 = Date.now();
    const r = await client.complete(ask);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect(r.finishReason).toBe('length');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after repeated 503s and keeps the key out of the message', async () => {
    const { server, client } = await setup(
      (_r, res) => json(res, 503, { error: { code: 503, message: `overloaded for key ${KEY}` } }),
      { maxRetries: 1 },
    );
    const err = (await client.complete(ask).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err.message).toMatch(/HTTP 503/);
    expect(err.message).not.toContain(KEY);
    expect(server.requests).toHaveLength(2);
  });

  it('treats a reply without candidates as a provider error', async () => {
    const { client } = await setup((_r, res) => json(res, 200, { candidates: [] }), { maxRetries: 0 });
    const err = await client.complete(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/no candidates/);
  });
});
