/** What a call is for. Used for metering and budgets; never sent to a provider. */
export type CallRole = 'agent' | 'optimizer' | 'judge';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  /** A model reference such as `sim:sim-small` or `openai:gpt-4o-mini` (see src/llm/model-ref.ts). */
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Distinguishes repeated samples of the same request; part of the cache key. */
  sampleIndex?: number;
  /** Provider seed where supported; the simulated model derives its randomness from it. */
  seed?: number;
  role: CallRole;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export interface ChatResponse {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  /** The provider's name for the model that answered. */
  model: string;
  latencyMs: number;
  /** True when the response came from the on-disk cache: its usage is saved, not spent. */
  cached: boolean;
  /** True when the simulated model produced this response. */
  simulated: boolean;
}

export interface CompleteOptions {
  signal?: AbortSignal;
}

export interface LlmClient {
  complete(request: ChatRequest, options?: CompleteOptions): Promise<ChatResponse>;
}

export const zeroUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

/** What a provider receives: the request with the model reference resolved to the provider's model name. */
export interface ProviderCall {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens?: number;
  seed?: number;
  sampleIndex: number;
}

export interface ProviderResult {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  model: string;
  simulated: boolean;
}

/**
 * One backend (OpenAI SDK, Gemini SDK, the simulated model). The LLM layer wraps providers with
 * scheduling, retries, caching, metering and budgets; providers only make the call.
 */
export interface Provider {
  readonly name: string;
  /**
   * Identifies behaviour the model name does not (the simulated model: a hash of its code and world), so
   * the response cache never replays answers an older version gave.
   */
  readonly fingerprint?: string;
  call(request: ProviderCall, signal: AbortSignal): Promise<ProviderResult>;
}
