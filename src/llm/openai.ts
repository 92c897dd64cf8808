import OpenAI from 'openai';
import { abortError, EndpointUnreachableError, hostPort, ProviderError, unreachableCode } from './errors.js';
import { createHttpFetch } from './http-fetch.js';
import { redactSecrets } from './secrets.js';
import { providerSeed } from './seed.js';
import type { FinishReason, Provider, ProviderCall, ProviderResult } from './types.js';

export interface OpenAiProviderOptions {
  name: string;
  apiKey: string;
  baseURL?: string;
  /** `openai-compatible` servers mostly understand `max_tokens`; OpenAI's newer models want `max_completion_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

/** OpenAI and any OpenAI-compatible endpoint, through the official SDK. Retries belong to our scheduler. */
export function createOpenAiProvider(options: OpenAiProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseURL ? splitQuery(options.baseURL) : {}),
    maxRetries: 0,
    timeout: 24 * 60 * 60 * 1000,
    fetch: createHttpFetch(),
  });
  return {
    name: options.name,
    async call(request: ProviderCall, signal: AbortSignal): Promise<ProviderResult> {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          {
            model: request.model,
            messages: request.messages,
            temperature: request.temperature,
            ...(request.maxTokens !== undefined ? { [options.maxTokensField]: request.maxTokens } : {}),
            ...(seedOf(request) !== undefined ? { seed: seedOf(request) } : {}),
          },
          { signal },
        );
      } catch (err) {
        throw toProviderError(err, options.name, signal, options.baseURL ?? OPENAI_BASE_URL);
      }
      const choice = completion?.choices?.[0];
      if (!completion || !Array.isArray(completion.choices)) {
        throw new ProviderError(`${options.name}: malformed response (no choices array)`, {
          retryable: true,
        });
      }
      if (!choice)
        throw new ProviderError(`${options.name}: the response had no choices`, { retryable: true });
      return {
        text: choice.message?.content ?? '',
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
        finishReason: mapFinish(choice.finish_reason),
        model: completion.model ?? request.model,
        // maspo's own `sim serve` marks its replies, so the label survives the HTTP hop.
        simulated: completion.system_fingerprint === SIMULATED_FINGERPRINT,
      };
    },
  };
}

/**
 * A base URL's query string (`https://proxy/v1?api-key=…`, Azure's `?api-version=`) as the SDK's
 * defaultQuery: the SDK appends the path to baseURL verbatim, which would put it inside the query.
 */
function splitQuery(baseURL: string): { baseURL: string; defaultQuery?: Record<string, string> } {
  const url = new URL(baseURL);
  if (!url.search) return { baseURL };
  const defaultQuery = Object.fromEntries(url.searchParams);
  url.search = '';
  return { baseURL: url.toString(), defaultQuery };
}

/** The `system_fingerprint` that `maspo sim serve` puts on every reply. */
export const SIMULATED_FINGERPRINT = 'maspo-simulated-model';

function mapFinish(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return reason;
    default:
      return 'other';
  }
}

/** Parses a Retry-After value: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Where the SDK sends requests when no base URL is given. */
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

function toProviderError(err: unknown, name: string, signal: AbortSignal, baseURL: string): Error {
  if (err instanceof OpenAI.APIUserAbortError || signal.aborted) {
    return abortError(signal);
  }
  const unreachable = unreachableCode(err);
  if (unreachable) return new EndpointUnreachableError(name, hostPort(baseURL), unreachable);
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    const headers = err.headers;
    const retryAfterMs = headers?.get?.('retry-after-ms');
    const retryAfterSeconds =
      retryAfterMs && Number.isFinite(Number(retryAfterMs))
        ? Number(retryAfterMs) / 1000
        : parseRetryAfter(headers?.get?.('retry-after'));
    const what = status === undefined ? 'connection failed' : `HTTP ${status}`;
    return new ProviderError(redactSecrets(`${name}: ${what}: ${err.message}`), {
      ...(status !== undefined ? { status } : {}),
      retryable: isRetryableStatus(status),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  // A body that is not JSON (a proxy's error page, a truncated stream) surfaces as a parse error.
  return new ProviderError(redactSecrets(`${name}: malformed response: ${message}`), { retryable: true });
}

const seedOf = (r: ProviderCall) => providerSeed(r.seed, r.sampleIndex);
