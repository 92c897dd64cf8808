import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { BudgetExhaustedError } from '../../src/llm/budget.js';
import { createLlmClient } from '../../src/llm/client.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { CountingClient } from '../../src/optimize/calls.js';
import { optimize } from '../../src/optimize/index.js';
import { readLedger, SpendLedger } from '../../src/optimize/ledger.js';
import { zeroSpend } from '../../src/optimize/spend.js';
import { chatCompletion, json, startLoopback } from '../support/loopback.js';

/** The write-ahead ledger counts what is sent to a real (loopback) server: retries yes, cache hits no. */

// The first attempt at each question fails with a 500 (retryable): every answer costs two sends.
const seen = new Set<string>();
const serverP = startLoopback((r, res, n) => {
  const q = JSON.stringify((r.body as { messages?: unknown }).messages);
  if (seen.has(q)) return json(res, 200, chatCompletion(`answer ${n}`));
  seen.add(q);
  return json(res, 500, { error: { message: 'try again', type: 'server_error' } });
});
afterAll(async () => (await serverP).close());

const ask = (content: string): ChatRequest => ({
  model: 'openai:gpt-4o-mini',
  role: 'agent',
  messages: [{ role: 'user', content }],
});

async function setup() {
  const server = await serverP;
  const dir = mkdtempSync(join(tmpdir(), 'maspo-ledger-'));
  const llm = () =>
    createLlmClient(
      {
        endpoints: { openai: { apiKeyEnv: 'K', baseURL: `${server.url}/v1` } },
        retry: { baseDelayMs: 0, maxDelayMs: 0 },
        cache: { mode: 'read-write', dir: join(dir, 'cache') },
      },
      { env: { K: 'sk-ledger-0000000000000' } },
    );
  const path = join(dir, 'run', 'spend.jsonl');
  const counting = (calls?: number) =>
    new CountingClient(
      llm(),
      { limits: calls === undefined ? {} : { total: { calls } }, costOf: () => 0 },
      SpendLedger.open(path),
    );
  return { server, path, counting };
}

describe('spend ledger', () => {
  it('reserves every attempt before it is sent (retries included) and never a cache hit', async () => {
    const { server, path, counting } = await setup();
    const before = server.requests.length;
    const a = counting();
    await a.complete(ask('one'));
    expect(server.requests.length - before).toBe(2); // a 500, then the answer
    expect(a.paid().agent).toBe(2);
    expect(readLedger(path).calls.agent).toBe(2);
    expect(readFileSync(path, 'utf8')).toMatch(/^\{"send":"agent","pid":\d+\}$/m);

    // A later process: the same request is a cache hit (no send, no reservation), earlier spend is kept.
    const b = counting();
    expect(b.ledger.previous.calls.agent).toBe(2);
    expect((await b.complete(ask('one'))).cached).toBe(true);
    expect(b.paid().agent).toBe(0);
    expect(server.requests.length - before).toBe(2);
    expect(readLedger(path).calls.agent).toBe(2);
  });

  it('a budget refuses the send that would exceed it, retries included: the server never sees it', async () => {
    const { server, path, counting } = await setup();
    const before = server.requests.length;
    const c = counting(3);
    await c.complete(ask('first')); // 2 sends
    await expect(c.complete(ask('second'))).rejects.toBeInstanceOf(BudgetExhaustedError); // 1 send, retry refused
    expect(server.requests.length - before).toBe(3);
    expect(readLedger(path).calls.agent).toBe(3);
    // A resumed process under the same budget sends nothing.
    const d = counting(3);
    await expect(d.complete(ask('third'))).rejects.toThrow(/total budget exhausted: calls 3 of 3/);
    expect(server.requests.length - before).toBe(3);
  });

  it('a line cut short by a crash is ignored; the next append starts on a fresh line', async () => {
    const { path, counting } = await setup();
    const a = counting();
    await a.complete(ask('cut'));
    appendFileSync(path, '{"send":"ag');
    const b = counting();
    expect(b.ledger.previous.calls.agent).toBe(2);
    await b.complete(ask('after the cut'));
    expect(readLedger(path).calls.agent).toBe(4);
  });

  it('a run from before the ledger carries its state.json spend into the ledger once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-ledger-carry-'));
    const path = join(dir, 'spend.jsonl');
    const carried = { ...zeroSpend(), calls: { agent: 5, optimizer: 2, judge: 1 } };
    expect(SpendLedger.open(path, carried).total().calls).toEqual(carried.calls);
    // Reopened: the file is the truth (the carry is not added twice).
    expect(SpendLedger.open(path, carried).previous.calls).toEqual(carried.calls);
  });

  it("a model-graded benchmark's grading calls go through the run's ledger and budget too", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-ledger-grader-'));
    const rows = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        question: `Explain briefly why the sky of planet ${i} looks blue.`,
        answer: 'Rayleigh scattering of sunlight',
      }),
    );
    writeFileSync(join(dir, 'sky.jsonl'), `${rows.join('\n')}\n`);
    const config = parseConfig(
      {
        benchmarks: [{ id: 'sky', file: 'sky.jsonl', task: 'judge', rubric: 'Names the physical cause.' }],
        system: { topology: 'sequential' },
        models: { agent: 'sim:sim-large', judge: 'sim:sim-small' },
        llm: { cache: { mode: 'off', dir: '' } },
        optimize: { rounds: 1, generations: 1, poolSize: 6, minibatch: 3, validation: { limit: 6 } },
      },
      'test',
      'grader-ledger',
      dir,
    );
    const llm = createLlmClient(config.llm);
    const r = await optimize(config, { client: llm, runsDir: join(dir, 'runs'), out: join(dir, 'p.json') });
    const ledger = readLedger(join(dir, 'runs', readdirSync(join(dir, 'runs'))[0]!, 'spend.jsonl'));
    // Every judge call the LLM layer made (pairwise judgements and grading) was reserved in the ledger.
    expect(r.artifact.validation?.n).toBe(6);
    expect(ledger.calls.judge).toBe(llm.usage().byRole.judge.calls);
    expect(ledger.calls.agent).toBe(llm.usage().byRole.agent.calls);
  }, 60_000);
});
