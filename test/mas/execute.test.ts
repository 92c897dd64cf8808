import { describe, expect, it } from 'vitest';
import { parseContext } from '../../src/contracts/context.js';
import { ProviderError } from '../../src/llm/errors.js';
import { evaluateSystem } from '../../src/mas/evaluate.js';
import { executeItem, executeItems, majorityIndex } from '../../src/mas/execute.js';
import type { System } from '../../src/mas/types.js';
import { FakeClient, fakeScorer, item } from './fakes.js';

/** a → (b, c) → d; each agent's prompt starts with its id so the fake can tell them apart. */
const diamond: System = {
  name: 'diamond',
  task: 'math',
  agents: ['a', 'b', 'c', 'd'].map((id) => ({
    id,
    role: `role-${id}`,
    prompt: id === 'a' ? `AGENT ${id}\n{{question}}` : `AGENT ${id}\n{{question}}\n{{context}}`,
  })),
  edges: [
    ['a', 'b'],
    ['a', 'c'],
    ['b', 'd'],
    ['c', 'd'],
  ],
  output: 'd',
};

const agentOf = (prompt: string) => /^AGENT (\w+)/.exec(prompt)?.[1] ?? '?';

describe('executeItem', () => {
  it('runs level by level, agents of one level concurrently, and labels context by agent', async () => {
    const client = new FakeClient((p) => `out-${agentOf(p)} ANSWER: ${agentOf(p)}`, 20);
    const t = await executeItem(diamond, item('q1', 'What is 1+1?', 'd'), {
      client,
      model: 'fake:m',
      scorer: fakeScorer,
    });
    expect(t.error).toBeUndefined();
    expect(client.calls.map((c) => agentOf(c.prompt))).toEqual(['a', 'b', 'c', 'd']);
    expect(client.peak).toBe(2); // b and c together, never d with them
    expect(t.records.map((r) => r.agentId)).toEqual(['a', 'b', 'c', 'd']);
    const [a, , , d] = t.records;
    expect(a!.context).toBe('');
    expect(parseContext(d!.context)).toEqual([
      { agentId: 'b', role: 'role-b', text: 'out-b ANSWER: b' },
      { agentId: 'c', role: 'role-c', text: 'out-c ANSWER: c' },
    ]);
    expect(d!.messages).toEqual([{ role: 'user', content: `AGENT d\nWhat is 1+1?\n${d!.context}` }]);
    expect(t.finalOutput).toBe('out-d ANSWER: d');
    // A complete trace: every field of every record is filled.
    for (const r of t.records) {
      expect(r.extracted).toBe(r.agentId);
      expect(r.model).toBe('fake:m');
      expect(r.usage.inputTokens).toBeGreaterThan(0);
      expect(r.usage.outputTokens).toBeGreaterThan(0);
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
      expect(r.cached).toBe(false);
      expect(r.role).toBe(`role-${r.agentId}`);
    }
    expect(client.calls.every((c) => c.request.role === 'agent' && c.request.messages.length === 1)).toBe(
      true,
    );
  });

  it('uses prompt overrides and per-agent model, temperature and max tokens', async () => {
    const s: System = {
      ...diamond,
      agents: diamond.agents.map((a) =>
        a.id === 'b' ? { ...a, model: 'fake:big', temperature: 0.3, maxTokens: 99 } : a,
      ),
    };
    const client = new FakeClient((p) => `x ${agentOf(p)}`);
    await executeItem(s, item('q', 'Q', 'g'), {
      client,
      model: 'fake:m',
      prompts: { c: 'AGENT c\nOVERRIDE {{question}} {{context}}' },
      seed: 7,
    });
    const b = client.calls.find((c) => agentOf(c.prompt) === 'b')!.request;
    expect(b).toMatchObject({ model: 'fake:big', temperature: 0.3, maxTokens: 99, seed: 7 });
    expect(client.calls.find((c) => agentOf(c.prompt) === 'c')!.prompt).toContain('OVERRIDE Q');
  });

  it('re-runs only the given agent and its descendants, reusing the other records', async () => {
    const client = new FakeClient((p) => `v1-${agentOf(p)}`);
    const it1 = item('q', 'Q', 'g');
    const first = await executeItem(diamond, it1, { client, model: 'fake:m' });
    expect(client.calls).toHaveLength(4);

    const client2 = new FakeClient((p) => `v2-${agentOf(p)}`);
    const second = await executeItem(diamond, it1, {
      client: client2,
      model: 'fake:m',
      reuse: first,
      rerunFrom: ['b'],
      prompts: { b: 'AGENT b\nNEW {{question}} {{context}}' },
    });
    expect(client2.calls.map((c) => agentOf(c.prompt))).toEqual(['b', 'd']);
    const byId = Object.fromEntries(second.records.map((r) => [r.agentId, r]));
    expect(byId.a).toMatchObject({ output: 'v1-a', reused: true });
    expect(byId.c).toMatchObject({ output: 'v1-c', reused: true });
    expect(byId.b!.output).toBe('v2-b');
    expect(byId.b!.reused).toBeUndefined();
    // d saw the new b and the old c.
    expect(parseContext(byId.d!.context).map((e) => e.text)).toEqual(['v2-b', 'v1-c']);

    const client3 = new FakeClient((p) => `v3-${agentOf(p)}`);
    await executeItem(diamond, it1, { client: client3, model: 'fake:m', reuse: first, rerunFrom: ['d'] });
    expect(client3.calls.map((c) => agentOf(c.prompt))).toEqual(['d']);

    await expect(
      executeItem(diamond, it1, { client: client3, model: 'fake:m', reuse: first, rerunFrom: ['zz'] }),
    ).rejects.toThrow('"zz"');
    await expect(
      executeItem(diamond, item('other', 'Q', 'g'), {
        client: client3,
        model: 'fake:m',
        reuse: first,
        rerunFrom: ['d'],
      }),
    ).rejects.toThrow('the trace is of item "q"');
  });

  it('records a failed call as an error in the trace and stops downstream agents', async () => {
    const client = new FakeClient((p) => {
      if (agentOf(p) === 'c')
        throw new ProviderError('HTTP 500 from provider', { status: 500, retryable: false });
      return `ok ANSWER: g`;
    });
    const t = await executeItem(diamond, item('q', 'Q', 'g'), {
      client,
      model: 'fake:m',
      scorer: fakeScorer,
    });
    expect(t.error).toBe('agent "c": ProviderError: HTTP 500 from provider');
    expect(t.finalOutput).toBe('');
    const c = t.records.find((r) => r.agentId === 'c')!;
    expect(c.error).toContain('HTTP 500');
    expect(t.records.map((r) => r.agentId)).toEqual(['a', 'b', 'c']);
    expect(client.calls.map((x) => agentOf(x.prompt))).not.toContain('d');
  });

  it('lets an abort propagate instead of recording it', async () => {
    const ac = new AbortController();
    const client = new FakeClient(() => {
      ac.abort();
      const e = new Error('stop');
      e.name = 'AbortError';
      throw e;
    });
    await expect(
      executeItem(diamond, item('q', 'Q', 'g'), { client, model: 'fake:m', signal: ac.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('treats errors chosen as fatal as fatal', async () => {
    class Budget extends Error {}
    const client = new FakeClient(() => {
      throw new Budget('budget');
    });
    await expect(
      executeItem(diamond, item('q', 'Q', 'g'), {
        client,
        model: 'fake:m',
        isFatal: (e) => e instanceof Budget,
      }),
    ).rejects.toThrow('budget');
  });

  it('self-consistency: k samples with distinct sample indices, majority by the scorer', async () => {
    const answers = ['5', '7', '7', '5', '7'];
    const s: System = {
      name: 'sc',
      task: 'math',
      agents: [{ id: 'solver', role: 'solver', prompt: '{{question}}', samples: 5, temperature: 0.7 }],
      edges: [],
      output: 'solver',
    };
    const client = new FakeClient(
      (_p, r) => `sample ${r.sampleIndex} ANSWER: ${answers[r.sampleIndex ?? 0]}`,
    );
    const t = await executeItem(s, item('q', 'Q', '7'), { client, model: 'fake:m', scorer: fakeScorer });
    expect(client.calls.map((c) => c.request.sampleIndex)).toEqual([0, 1, 2, 3, 4]);
    expect(client.calls.every((c) => c.request.temperature === 0.7)).toBe(true);
    expect(t.finalOutput).toBe('sample 1 ANSWER: 7');
    expect(t.records[0]!.samples).toHaveLength(5);
    expect(t.records[0]!.usage.outputTokens).toBe(
      t.records[0]!.samples!.reduce((n, x) => n + x.usage.outputTokens, 0),
    );
    expect(majorityIndex(['a', null, 'b', 'b', 'a'], (x, y) => x === y)).toBe(0); // tie → first seen
    expect(majorityIndex([null, null], (x, y) => x === y)).toBe(0);
  });

  it('summary context mode: one extra call per agent with successors; successors get the summary', async () => {
    const client = new FakeClient((p) =>
      p.startsWith('Summarize')
        ? `short(${/AGENT (\w)/.exec(p)?.[1] ?? '?'})`
        : `AGENT ${agentOf(p)} long output`,
    );
    const t = await executeItem({ ...diamond, contextMode: 'summary' }, item('q', 'Q', 'g'), {
      client,
      model: 'fake:m',
    });
    expect(client.calls).toHaveLength(4 + 3); // a, b, c summarised; d (output) is not
    const d = t.records.find((r) => r.agentId === 'd')!;
    expect(parseContext(d.context).map((e) => e.text)).toEqual(['short(b)', 'short(c)']);
    expect(d.summary).toBeUndefined();
    expect(t.records.find((r) => r.agentId === 'a')!.summary?.text).toBe('short(a)');
  });
});

describe('executeItems', () => {
  it('keeps item order, honours the concurrency limit and reports each trace', async () => {
    const client = new FakeClient((p) => `${p.split('\n')[1]}`, 5);
    const single: System = {
      name: 's',
      task: 'math',
      agents: [{ id: 'a', role: 'r', prompt: 'AGENT a\n{{question}}' }],
      edges: [],
      output: 'a',
    };
    const items = Array.from({ length: 9 }, (_, i) => item(`i${i}`, `Q${i}`, 'g'));
    const seen: string[] = [];
    const traces = await executeItems(single, items, {
      client,
      model: 'fake:m',
      concurrency: 3,
      onItem: (t) => seen.push(t.itemId),
    });
    expect(traces.map((t) => t.finalOutput)).toEqual(items.map((x) => x.question));
    expect(client.peak).toBe(3);
    expect(seen.sort()).toEqual(items.map((x) => x.id).sort());
  });
});

describe('evaluateSystem', () => {
  const chain: System = {
    name: 'chain',
    task: 'math',
    agents: [
      { id: 'solver', role: 'solver', prompt: 'AGENT solver\n{{question}}' },
      { id: 'reflector', role: 'reflector', prompt: 'AGENT reflector\n{{question}}\n{{context}}' },
    ],
    edges: [['solver', 'reflector']],
    output: 'reflector',
  };

  it('scores items, counts errors apart and measures misalignment per agent', async () => {
    // q1: both right. q2: solver right, reflector wrong (misaligned). q3: both wrong. q4: provider error.
    const plan: Record<string, [string, string]> = {
      Q1: ['1', '1'],
      Q2: ['2', '9'],
      Q3: ['8', '9'],
      Q4: ['4', 'FAIL'],
    };
    const client = new FakeClient((p) => {
      const q = /\n(Q\d)/.exec(p)![1]!;
      const [s, r] = plan[q]!;
      const who = agentOf(p);
      const v = who === 'solver' ? s : r;
      if (v === 'FAIL') throw new Error('connection reset');
      return `ANSWER: ${v}`;
    });
    const items = [
      item('i1', 'Q1', '1'),
      item('i2', 'Q2', '2'),
      item('i3', 'Q3', '3'),
      item('i4', 'Q4', '4'),
    ];
    const progress: number[] = [];
    const res = await evaluateSystem(chain, items, {
      client,
      model: 'fake:m',
      scorer: fakeScorer,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(res).toMatchObject({
      system: 'chain',
      benchmark: 'math500',
      n: 4,
      correct: 1,
      errors: 1,
      accuracy: 0.25,
    });
    expect(res.items.map((r) => r.id)).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(res.items[1]).toMatchObject({
      correct: false,
      misaligned: true,
      agents: { solver: { extracted: '2', correct: true }, reflector: { extracted: '9', correct: false } },
    });
    expect(res.items[3]).toMatchObject({
      correct: false,
      misaligned: false,
      error: 'agent "reflector": connection reset',
    });
    expect(res.misalignmentRate).toBeCloseTo(1 / 3);
    expect(res.misalignmentByAgent).toEqual({ solver: 1 / 3 });
    expect(res.usage.total.calls).toBe(8);
    expect(res.usage.total.errors).toBe(1);
    expect(res.simulated).toBe(false);
    expect(res.traces).toHaveLength(4);
    expect(JSON.parse(JSON.stringify(res)).traces).toBeUndefined();
  });
});
