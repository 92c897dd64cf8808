import type { Item } from '../../src/datasets/types.js';
import type { ChatRequest, ChatResponse, LlmClient } from '../../src/llm/types.js';
import type { Scorer } from '../../src/tasks/types.js';

export interface FakeCall {
  request: ChatRequest;
  prompt: string;
  started: number;
}

/**
 * A scripted LlmClient: `reply(prompt, request)` gives the text (or throws). It records every call,
 * counts the calls in flight and can delay each answer.
 */
export class FakeClient implements LlmClient {
  calls: FakeCall[] = [];
  inFlight = 0;
  peak = 0;
  private clock = 0;
  constructor(
    private readonly reply: (prompt: string, request: ChatRequest) => string,
    private readonly delayMs = 0,
  ) {}

  async complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse> {
    const prompt = request.messages.map((m) => m.content).join('\n');
    this.calls.push({ request, prompt, started: this.clock++ });
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (options?.signal?.aborted) {
        const e = new Error('aborted');
        e.name = 'AbortError';
        throw e;
      }
      const text = this.reply(prompt, request);
      return {
        text,
        usage: { inputTokens: prompt.length, outputTokens: text.length },
        finishReason: 'stop',
        model: request.model,
        latencyMs: this.delayMs,
        cached: false,
        simulated: false,
      };
    } finally {
      this.inFlight--;
    }
  }
}

/** Answers are stated as `ANSWER: x`; correct when x equals the gold. */
export const fakeScorer: Scorer = {
  extract: (_item, output) => /ANSWER: (\S+)/.exec(output)?.[1] ?? null,
  same: (_item, a, b) => a.toLowerCase() === b.toLowerCase(),
  async score(item, output) {
    const extracted = /ANSWER: (\S+)/.exec(output)?.[1] ?? null;
    return { correct: extracted !== null && extracted.toLowerCase() === item.gold.toLowerCase(), extracted };
  },
};

export const item = (id: string, question: string, gold: string): Item => ({
  id,
  benchmark: 'math500',
  task: 'math',
  question,
  gold,
  meta: {},
});
