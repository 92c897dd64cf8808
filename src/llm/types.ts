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

/** One request about to leave for a provider (see CompleteOptions.onSend). */
export interface SendInfo {
  role: CallRole;
  /** The model reference as requested. */
  model: string;
  endpoint: string;
  /** 0 for the first attempt, 1… for retries. */
  attempt: number;
  /** True for the in-process simulated model: nothing leaves the process, nothing is paid. */
  local: boolean;
}

export interface CompleteOptions {
  signal?: AbortSignal;
  /**
   * Called synchronously right before each request is handed to a provider: every attempt (retries
   * included), never for a cache hit. Throwing refuses the send (e.g. a BudgetExhaustedError): the call
   * then fails with that error and nothing is sent. Only clients with `reportsSends` call it.
   */
  onSend?: (info: SendInfo) => void;
}

export interface LlmClient {
  complete(request: ChatRequest, options?: CompleteOptions): Promise<ChatResponse>;
  /** True when complete() calls `options.onSend` before every request it sends (the LLM layer does). */
  readonly reportsSends?: boolean;
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
