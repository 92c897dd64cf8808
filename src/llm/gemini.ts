import { ApiError, type Content, GoogleGenAI } from '@google/genai';
import { abortError, EndpointUnreachableError, hostPort, ProviderError, unreachableCode } from './errors.js';
import { isRetryableStatus, parseRetryAfter } from './openai.js';
import { redactSecrets } from './secrets.js';
import { providerSeed } from './seed.js';
import type { FinishReason, Provider, ProviderCall, ProviderResult } from './types.js';

/** Where the SDK sends requests when no base URL is given. */
const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export interface GeminiProviderOptions {
  name: string;
  apiKey: string;
  /** For tests and proxies; defaults to Google's endpoint. */
  baseURL?: string;
}

/** Google Gemini through the official `@google/genai` SDK (its own retries stay off: ours apply). */
export function createGeminiProvider(options: GeminiProviderOptions): Provider {
  const ai = new GoogleGenAI({
    apiKey: options.apiKey,
    ...(options.baseURL ? { httpOptions: { baseUrl: options.baseURL } } : {}),
  });
  return {
    name: options.name,
    async call(request: ProviderCall, signal: AbortSignal): Promise<ProviderResult> {
      const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
      const contents: Content[] = request.messages
        .filter((m) => m.role !== 'system')
        .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
      // The SDK's errors carry no headers, so a fetch wrapper keeps Retry-After for our scheduler.
      let retryAfter: string | null = null;
      const fetchWithHeaders: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        retryAfter = res.headers.get('retry-after');
        return res;
      };
      let response: Awaited<ReturnType<typeof ai.models.generateContent>>;
      try {
        response = await ai.models.generateContent({
          model: request.model,
          contents,
          config: {
            ...(system.length ? { systemInstruction: system.join('\n\n') } : {}),
            temperature: request.temperature,
            ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
            ...(seedOf(request) !== undefined ? { seed: seedOf(request) } : {}),
            abortSignal: signal,
            httpOptions: {
              fetch: fetchWithHeaders,
              ...(options.baseURL ? { baseUrl: options.baseURL } : {}),
            },
          },
        });
      } catch (err) {
        if (signal.aborted) throw abortError(signal);
        const unreachable = unreachableCode(err);
        if (unreachable)
          throw new EndpointUnreachableError(
            options.name,
            hostPort(options.baseURL ?? GEMINI_BASE_URL),
            unreachable,
          );
        if (err instanceof ApiError) {
          const retryAfterSeconds = parseRetryAfter(retryAfter);
          throw new ProviderError(redactSecrets(`${options.name}: HTTP ${err.status}: ${err.message}`), {
            status: err.status,
            retryable: isRetryableStatus(err.status),
            ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
          });
        }
        const message = err instanceof Error ? err.message : String(err);
        throw new ProviderError(redactSecrets(`${options.name}: malformed response: ${message}`), {
          retryable: true,
        });
      }
      const candidate = response.candidates?.[0];
      if (!candidate)
        throw new ProviderError(`${options.name}: the response had no candidates`, { retryable: true });
      const text = (candidate.content?.parts ?? []).map((p) => p.text ?? '').join('');
      return {
        text,
        usage: {
          inputTokens: response.usageMetadata?.promptTokenCount ?? 0,
          outputTokens: response.usageMetadata?.candidatesTokenCount ?? 0,
        },
        finishReason: mapFinish(candidate.finishReason),
        model: response.modelVersion ?? request.model,
        simulated: false,
      };
    },
  };
}

function mapFinish(reason: string | undefined): FinishReason {
  if (reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason === 'SAFETY' || reason === 'RECITATION' || reason === 'PROHIBITED_CONTENT')
    return 'content_filter';
  return 'other';
}

const seedOf = (r: ProviderCall) => providerSeed(r.seed, r.sampleIndex);
