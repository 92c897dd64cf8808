import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatContext } from '../../src/contracts/context.js';
import { buildJudgeMessages } from '../../src/contracts/judge.js';
import { buildProposalMessages } from '../../src/contracts/proposal.js';
import { createLlmClient } from '../../src/llm/client.js';
import { parseFaultRates, type SimServer, startSimServer } from '../../src/llm/sim/server.js';
import type { ChatMessage } from '../../src/llm/types.js';
import { renderPrompt } from '../../src/mas/template.js';
import { items, MARK, SEED_REFLECTOR, SEED_SOLVER, sim, withDirective } from './helpers.js';

const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function httpClient(maxRetries = 0) {
  return createLlmClient({
    cache: { mode: 'off', dir: '.maspo/cache-unused' },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    endpoints: { 'openai-compatible': { maxRetries, timeoutMs: 5000 } },
  });
}

function sampleRequests(): Array<{
  messages: ChatMessage[];
  temperature: number;
  seed?: number;
  role: 'agent' | 'judge' | 'optimizer';
}> {
  const { provider } = sim();
  const math = items('math500').slice(0, 4);
  const code = items('mbpp').slice(0, 2);
  const out: ReturnType<typeof sampleRequests> = [];
  for (const it of [...math, ...code]) {
    const content = renderPrompt(withDirective(SEED_SOLVER, MARK), { question: it.question, context: '' });
    out.push({ role: 'agent', temperature: 0, messages: [{ role: 'user', content }] });
    out.push({ role: 'agent', temperature: 0.7, seed: 3, messages: [{ role: 'user', content }] });
    const up = provider.reply({
      model: 'sim-small',
      messages: [{ role: 'user', content }],
      temperature: 0,
      sampleIndex: 0,
    }).text;
    const ctx = formatContext([{ agentId: 'solver', role: 'solver', text: up }]);
    out.push({
      role: 'agent',
      temperature: 0,
      messages: [
        { role: 'user', content: renderPrompt(SEED_REFLECTOR, { question: it.question, context: ctx }) },
      ],
    });
    out.push({
      role: 'judge',
      temperature: 0,
      messages: buildJudgeMessages({
        signal: 'local',
        agentRole: 'solver',
        rubric: 'r',
        question: it.question,
        outputA: up,
        outputB: `${up}\nDone.`,
      }),
    });
  }
  out.push({
    role: 'optimizer',
    temperature: 0.7,
    seed: 11,
    messages: buildProposalMessages({
      agentId: 'solver',
      agentRole: 'solver',
      currentPrompt: SEED_SOLVER,
      traces: [{ question: math[0]!.question, context: '', output: 'So the answer is $3$.' }],
      failureCases: [],
      successCases: [],
      rules: '',
    }),
  });
  return out;
}

describe('maspo sim serve (loopback OpenAI-compatible server)', () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await startSimServer({ provider: sim().provider });
    servers.push(server);
  });

  it('the OpenAI provider pointed at it returns exactly what the in-process sim returns', async () => {
    const { client } = sim();
    const http = httpClient();
    const reqs = sampleRequests();
    for (const r of reqs) {
      const base = {
        role: r.role,
        messages: r.messages,
        temperature: r.temperature,
        ...(r.seed !== undefined ? { seed: r.seed } : {}),
      };
      const local = await client.complete({ ...base, model: 'sim:sim-small' });
      const remote = await http.complete({ ...base, model: `openai-compatible:sim-small@${server.url}` });
      expect(remote.text).toBe(local.text);
      expect(remote.usage).toEqual(local.usage);
      expect(remote.finishReason).toBe(local.finishReason);
      expect(remote.model).toBe('sim-small');
    }
    expect(reqs.length).toBeGreaterThan(20);
  });

  it('sample indices reach the server (folded into the seed): samples differ over HTTP exactly as in process', async () => {
    const { client } = sim();
    const http = httpClient();
    const texts: string[] = [];
    for (const it of items('math500').slice(0, 10)) {
      const content = renderPrompt(SEED_SOLVER, { question: it.question, context: '' });
      for (const sampleIndex of [0, 1]) {
        const base = {
          role: 'agent' as const,
          messages: [{ role: 'user' as const, content }],
          temperature: 0.7,
          seed: 1,
          sampleIndex,
        };
        const local = await client.complete({ ...base, model: 'sim:sim-small' });
        const remote = await http.complete({ ...base, model: `openai-compatible:sim-small@${server.url}` });
        expect(remote.text).toBe(local.text);
        texts.push(remote.text);
      }
    }
    const pairsDiffering = texts.filter((t, i) => i % 2 === 1 && t !== texts[i - 1]).length;
    expect(pairsDiffering).toBeGreaterThanOrEqual(8);
  });

  it('lists models and labels replies simulated', async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['sim-small', 'sim-large']);
    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await res.json()) as { simulated: boolean; system_fingerprint: string };
    expect(body.simulated).toBe(true);
    expect(body.system_fingerprint).toContain('simulated');
    const bad = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /unknown simulated model/,
    );
  });

  it('rate limit: 429 with Retry-After once the per-minute budget is spent', async () => {
    const s = await startSimServer({ provider: sim().provider, rateLimitRpm: 2 });
    servers.push(s);
    const post = () =>
      fetch(`${s.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'x' }] }),
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const third = await post();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(s.stats.faults['rate-limited']).toBe(1);
  });

  it('injected faults (429, 500, malformed, truncated) are seeded, and the client retries through them to the same answers', async () => {
    const faults = { '429': 0.15, '500': 0.15, malformed: 0.1, truncated: 0.1 };
    const s = await startSimServer({ provider: sim().provider, faults, retryAfterSeconds: 0, seed: 7 });
    servers.push(s);
    const http = httpClient(30);
    const { client } = sim();
    const reqs = sampleRequests().slice(0, 16);
    for (const r of reqs) {
      const base = {
        role: r.role,
        messages: r.messages,
        temperature: r.temperature,
        ...(r.seed !== undefined ? { seed: r.seed } : {}),
      };
      const remote = await http.complete({ ...base, model: `openai-compatible:sim-small@${s.url}` });
      const local = await client.complete({ ...base, model: 'sim:sim-small' });
      expect(remote.text).toBe(local.text);
    }
    const f = s.stats.faults;
    expect(f['429'] + f['500'] + f.malformed + f.truncated).toBeGreaterThan(4);
    expect(s.stats.ok).toBe(16);
    // Same seed, same request order → same fault sequence.
    const s2 = await startSimServer({ provider: sim().provider, faults, retryAfterSeconds: 0, seed: 7 });
    servers.push(s2);
    const http2 = httpClient(30);
    for (const r of reqs) {
      await http2.complete({
        role: r.role,
        messages: r.messages,
        temperature: r.temperature,
        ...(r.seed !== undefined ? { seed: r.seed } : {}),
        model: `openai-compatible:sim-small@${s2.url}`,
      });
    }
    expect(s2.stats.faults).toEqual(s.stats.faults);
  });

  it('parses --fault-rate specs and rejects bad ones', () => {
    expect(parseFaultRates('0.2')).toEqual({ '429': 0.05, '500': 0.05, malformed: 0.05, truncated: 0.05 });
    expect(parseFaultRates('429=0.1,truncated=0.02')).toEqual({ '429': 0.1, truncated: 0.02 });
    expect(() => parseFaultRates('404=0.1')).toThrow(/unknown fault kind "404"/);
    expect(() => parseFaultRates('500=2')).toThrow(/between 0 and 1/);
  });
});
