import { describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import { EndpointUnreachableError, hostPort, unreachableCode } from '../../src/llm/errors.js';
import { closedPort } from '../support/ports.js';

const ask = (model: string) => ({
  model,
  role: 'agent' as const,
  temperature: 0,
  messages: [{ role: 'user' as const, content: 'What is 1+1?' }],
});

/** Retries would take seconds with these delays; an unreachable endpoint must not be retried at all. */
const slowRetries = { baseDelayMs: 60_000, maxDelayMs: 60_000 };

describe('an unreachable endpoint fails at the first connection error, through the real SDKs', () => {
  it('OpenAI-compatible (openai SDK): EndpointUnreachableError naming host:port, not retried', async () => {
    const port = await closedPort();
    const client = createLlmClient({ cache: { mode: 'off' }, retry: slowRetries });
    const err = await client.complete(ask(`openai-compatible:m@http://127.0.0.1:${port}/v1`)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EndpointUnreachableError);
    expect((err as Error).message).toBe(
      `openai-compatible@http://127.0.0.1:${port}/v1: cannot connect to 127.0.0.1:${port} (ECONNREFUSED): nothing is listening there: start the server, or fix the host and port in the base URL`,
    );
  });

  it('Gemini (@google/genai SDK) through a base URL', async () => {
    const port = await closedPort();
    const client = createLlmClient(
      {
        cache: { mode: 'off' },
        retry: slowRetries,
        endpoints: { gemini: { apiKeyEnv: 'TEST_GEMINI_KEY', baseURL: `http://127.0.0.1:${port}` } },
      },
      { env: { TEST_GEMINI_KEY: 'AIzaTEST-not-a-real-key-000000' } },
    );
    const err = await client.complete(ask('gemini:gemini-2.5-flash')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EndpointUnreachableError);
    expect((err as EndpointUnreachableError).address).toBe(`127.0.0.1:${port}`);
    expect((err as EndpointUnreachableError).code).toBe('ECONNREFUSED');
  });

  it('finds the code under fetch and SDK wrappers; host:port from a URL', () => {
    const wrapped = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
    });
    expect(unreachableCode(new Error('outer', { cause: wrapped }))).toBe('ENOTFOUND');
    expect(unreachableCode(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(hostPort('https://api.openai.com/v1')).toBe('api.openai.com:443');
    expect(hostPort('http://[::1]:8000/v1')).toBe('[::1]:8000');
  });
});
