import { BudgetExhaustedError, Meter, type UsageReport } from './budget.js';
import { cacheKey, describeRequest, ResponseCache } from './cache.js';
import {
  apiKeyEnvFor,
  DEFAULT_LIMITS,
  type LlmSettings,
  type LlmSettingsInput,
  parseLlmSettings,
} from './config.js';
import { ConfigError, LlmError } from './errors.js';
import { createGeminiProvider } from './gemini.js';
import { type ModelRef, parseModelRef } from './model-ref.js';
import { createOpenAiProvider } from './openai.js';
import { type EndpointLimits, EndpointScheduler, type SchedulerEvents } from './scheduler.js';
import { readApiKey, redactSecrets } from './secrets.js';
import type { ChatRequest, ChatResponse, CompleteOptions, LlmClient, Provider } from './types.js';

export interface CreateLlmClientOptions {
  /** Providers to use instead of the built-in ones, keyed by endpoint (`kind@baseURL`) or kind (`sim`). */
  providers?: Record<string, Provider>;
  env?: NodeJS.ProcessEnv;
  events?: SchedulerEvents;
}

/** The LLM layer as one client: routes by model reference; caches, budgets, schedules and meters every call. */
export class MaspoLlmClient implements LlmClient {
  readonly settings: LlmSettings;
  readonly meter: Meter;
  readonly cache: ResponseCache;
  private readonly schedulers = new Map<string, EndpointScheduler>();
  private readonly providers = new Map<string, Promise<Provider>>();
  private readonly inFlight = new Map<string, Promise<ChatResponse>>();
  private readonly readyProviders = new Map<string, Provider>();
  /** True once any response came from the simulated model. */
  simulated = false;
  /** complete() calls options.onSend right before each request it sends (the run ledger's hook). */
  readonly reportsSends = true;

  constructor(
    settings: LlmSettingsInput | LlmSettings = {},
    private readonly options: CreateLlmClientOptions = {},
  ) {
    this.settings = parseLlmSettings(settings);
    this.meter = new Meter(this.settings.budget, this.settings.prices);
    this.cache = new ResponseCache(this.settings.cache.mode, this.settings.cache.dir);
  }

  async complete(request: ChatRequest, options: CompleteOptions = {}): Promise<ChatResponse> {
    const ref = parseModelRef(request.model);
    // Only the simulated model changes behaviour under the same name; real providers are never created
    // just to compute a key, so replaying a cache needs no API key.
    const fingerprint =
      ref.kind === 'sim'
        ? (this.readyProviders.get(ref.endpoint) ?? (await this.provider(ref))).fingerprint
        : undefined;
    const key = cacheKey(ref, request, fingerprint);
    // Identical requests in flight share one call, so concurrency never pays twice for the same answer.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const call = this.dispatch(ref, key, request, options).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, call);
    return call;
  }

  private async dispatch(ref: ModelRef, key: string, request: ChatRequest, options: CompleteOptions) {
    // Fast paths without an await matter when thousands of calls are submitted at once: every await
    // before the scheduler delays the first dispatch by one pass over all pending calls.
    const hit =
      this.cache.mode === 'off'
        ? undefined
        : await this.cache.get(key, () => describeRequest(ref, request, key));
    if (hit) {
      this.meter.record(request.role, ref.model, hit.usage, true);
      this.simulated ||= hit.simulated;
      return { ...hit, text: redactSecrets(hit.text), latencyMs: 0, cached: true } satisfies ChatResponse;
    }
    this.meter.check(request.role);
    const provider = this.readyProviders.get(ref.endpoint) ?? (await this.provider(ref));
    const scheduler = this.scheduler(ref);
    const started = performance.now();
    const estimatedTokens = Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    const release = this.meter.reserve(request.role);
    try {
      const reply = await scheduler.run(
        async ({ signal, attempt }) => {
          // The write-ahead hook: a budget reserves (durably) here, right before the request leaves.
          options.onSend?.({
            role: request.role,
            model: request.model,
            endpoint: ref.endpoint,
            attempt,
            local: ref.kind === 'sim',
          });
          return provider.call(
            {
              model: ref.model,
              messages: request.messages,
              temperature: request.temperature ?? 0,
              ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
              ...(request.seed !== undefined ? { seed: request.seed } : {}),
              sampleIndex: request.sampleIndex ?? 0,
            },
            signal,
          );
        },
        {
          ...(options.signal ? { signal: options.signal } : {}),
          estimatedTokens,
          tokensOf: (r) => r.usage.inputTokens + r.usage.outputTokens,
        },
      );
      // A reply may quote a key (an echoing proxy, a leaked prompt): it never reaches the cache or a trace.
      const result = { ...reply, text: redactSecrets(reply.text) };
      this.meter.record(request.role, ref.model, result.usage, false);
      this.simulated ||= result.simulated;
      await this.cache.put(key, result);
      return {
        ...result,
        latencyMs: Math.round(performance.now() - started),
        cached: false,
      } satisfies ChatResponse;
    } catch (err) {
      // A send refused by a budget (the onSend hook) was never sent: not a call, not an error.
      if (!(err instanceof BudgetExhaustedError)) this.meter.recordError(request.role, ref.model);
      if (!(err instanceof Error)) throw err;
      const clean = redactSecrets(err.message);
      // Only touch messages that hold a secret: some errors (a DOMException abort reason) have read-only ones.
      if (clean !== err.message) {
        try {
          err.message = clean;
        } catch {
          throw new LlmError(clean, { retryable: false });
        }
      }
      throw err;
    } finally {
      release();
    }
  }

  usage(): UsageReport {
    return this.meter.report();
  }

  /** Highest concurrency reached per endpoint. */
  peakConcurrency(): Record<string, number> {
    return Object.fromEntries([...this.schedulers].map(([k, s]) => [k, s.peakConcurrency]));
  }

  private limitsFor(ref: ModelRef): EndpointLimits {
    const e = this.settings.endpoints[ref.endpoint] ?? this.settings.endpoints[ref.kind] ?? {};
    const d = this.settings.defaults;
    const simDefault = ref.kind === 'sim' ? 64 : 8;
    return {
      maxConcurrency: e.maxConcurrency ?? d.maxConcurrency ?? simDefault,
      ...((e.requestsPerMinute ?? d.requestsPerMinute)
        ? { requestsPerMinute: (e.requestsPerMinute ?? d.requestsPerMinute)! }
        : {}),
      ...((e.tokensPerMinute ?? d.tokensPerMinute)
        ? { tokensPerMinute: (e.tokensPerMinute ?? d.tokensPerMinute)! }
        : {}),
      timeoutMs: e.timeoutMs ?? d.timeoutMs ?? 120_000,
      maxRetries: e.maxRetries ?? d.maxRetries ?? 4,
      maxRetryAfter: e.maxRetryAfter ?? d.maxRetryAfter ?? DEFAULT_LIMITS.maxRetryAfter,
      maxRetryAfterField:
        e.maxRetryAfter !== undefined || d.maxRetryAfter === undefined
          ? `llm.endpoints.${this.settings.endpoints[ref.endpoint] ? ref.endpoint : ref.kind}.maxRetryAfter`
          : 'llm.defaults.maxRetryAfter',
    };
  }

  private scheduler(ref: ModelRef): EndpointScheduler {
    let s = this.schedulers.get(ref.endpoint);
    if (!s) {
      s = new EndpointScheduler(
        ref.endpoint,
        this.limitsFor(ref),
        this.settings.retry,
        this.settings.seed,
        this.options.events,
      );
      this.schedulers.set(ref.endpoint, s);
    }
    return s;
  }

  private provider(ref: ModelRef): Promise<Provider> {
    let p = this.providers.get(ref.endpoint);
    if (!p) {
      p = this.createProvider(ref).then((provider) => {
        this.readyProviders.set(ref.endpoint, provider);
        return provider;
      });
      this.providers.set(ref.endpoint, p);
    }
    return p;
  }

  private async createProvider(ref: ModelRef): Promise<Provider> {
    const injected = this.options.providers?.[ref.endpoint] ?? this.options.providers?.[ref.kind];
    if (injected) return injected;
    const env = this.options.env ?? process.env;
    const endpoint = this.settings.endpoints[ref.endpoint] ?? this.settings.endpoints[ref.kind];
    const keyEnv = apiKeyEnvFor(ref, this.settings);
    const apiKey = keyEnv ? readApiKey(keyEnv, env) : undefined;
    switch (ref.kind) {
      case 'sim': {
        const modulePath = './sim/index.js';
        const sim = (await import(modulePath)) as {
          createSimProvider(o: {
            dataDir?: string;
            worldPath?: string;
            benchmarks?: NonNullable<LlmSettings['sim']['benchmarks']>;
          }): Provider;
        };
        return sim.createSimProvider({
          ...(this.settings.sim.dataDir ? { dataDir: this.settings.sim.dataDir } : {}),
          ...(this.settings.sim.benchmarks ? { benchmarks: this.settings.sim.benchmarks } : {}),
          ...(this.settings.sim.worldPath ? { worldPath: this.settings.sim.worldPath } : {}),
        });
      }
      case 'openai':
      case 'openai-compatible': {
        if (!apiKey && ref.kind === 'openai') throw missingKey(ref, keyEnv!);
        return createOpenAiProvider({
          name: ref.endpoint,
          apiKey: apiKey ?? 'not-needed',
          ...((ref.baseURL ?? endpoint?.baseURL) ? { baseURL: ref.baseURL ?? endpoint?.baseURL } : {}),
          maxTokensField: ref.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens',
        });
      }
      case 'gemini': {
        if (!apiKey) throw missingKey(ref, keyEnv!);
        const baseURL = endpoint?.baseURL;
        return createGeminiProvider({ name: ref.endpoint, apiKey, ...(baseURL ? { baseURL } : {}) });
      }
    }
  }
}

function missingKey(ref: ModelRef, envName: string): ConfigError {
  return new ConfigError(
    `no API key for ${ref.ref}: set the environment variable ${envName}, or name another one with llm.endpoints.${ref.kind}.apiKeyEnv`,
  );
}

export function createLlmClient(
  settings?: LlmSettingsInput,
  options?: CreateLlmClientOptions,
): MaspoLlmClient {
  return new MaspoLlmClient(settings, options);
}
