import { z } from 'zod';
import type { CustomBenchmarkSource } from '../datasets/custom.js';
import type { ModelRef } from './model-ref.js';
import { KEY_VALUE, registerUrlSecrets } from './secrets.js';

/**
 * The `llm` section of a maspo config: endpoints, scheduling, cache, budgets and prices.
 * API keys are never written here: an endpoint names the environment variable that holds its key.
 */

const limitsSchema = z
  .object({
    /** Most calls in flight at once for this endpoint. */
    maxConcurrency: z.number().int().positive().optional(),
    requestsPerMinute: z.number().positive().optional(),
    tokensPerMinute: z.number().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxRetries: z.number().int().min(0).optional(),
    /**
     * Longest wait, in seconds, that a server's Retry-After may impose (default 60). A server asking for
     * more fails the call at once, naming the wait it asked for, instead of stalling the run.
     */
    maxRetryAfter: z.number().min(0).optional(),
  })
  .strict();

const endpointSchema = limitsSchema
  .extend({
    /** Name of the environment variable holding the API key, e.g. OPENAI_API_KEY. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, e.g. OPENAI_API_KEY')
      .optional(),
    /** Overrides the provider's default URL (a proxy, a regional endpoint, a local test server). */
    baseURL: z.string().url().optional(),
  })
  .strict();

const budgetLimitSchema = z
  .object({
    calls: z.number().int().positive().optional(),
    tokens: z.number().int().positive().optional(),
    usd: z.number().positive().optional(),
  })
  .strict();

const priceSchema = z
  .object({
    /** USD per million input tokens. */
    input: z.number().min(0),
    /** USD per million output tokens. */
    output: z.number().min(0),
  })
  .strict();

export const llmSettingsSchema = z
  .object({
    /** Limits and keys per provider kind (`openai`, `gemini`, `sim`, `openai-compatible`) or per endpoint `kind@baseURL`. */
    endpoints: z.record(z.string(), endpointSchema).default({}),
    defaults: limitsSchema.default({}),
    retry: z
      .object({
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(30_000),
      })
      .strict()
      .default({ baseDelayMs: 500, maxDelayMs: 30_000 }),
    cache: z
      .object({
        mode: z.enum(['off', 'read-write', 'replay']).default('read-write'),
        dir: z.string().default('.maspo/cache'),
      })
      .strict()
      .default({ mode: 'read-write', dir: '.maspo/cache' }),
    budget: z
      .object({
        total: budgetLimitSchema.optional(),
        agent: budgetLimitSchema.optional(),
        optimizer: budgetLimitSchema.optional(),
        judge: budgetLimitSchema.optional(),
      })
      .strict()
      .default({}),
    /** Overrides and additions to the built-in price table, keyed by model name. */
    prices: z.record(z.string(), priceSchema).default({}),
    sim: z
      .object({
        dataDir: z.string().optional(),
        worldPath: z.string().optional(),
        /** The files of a config's inline benchmarks (filled in from `benchmarks`; not written by hand). */
        benchmarks: z
          .array(z.custom<CustomBenchmarkSource>((v) => typeof v === 'object' && v !== null))
          .optional(),
      })
      .strict()
      .default({}),
    /** Seed for retry jitter. */
    seed: z.number().int().default(0),
    /**
     * `maspo eval --shard i/n`: the shards share one API key, so by default each gets 1/n of every
     * requests/tokens-per-minute limit ('divide'); 'per-shard' when the limits above are already per shard.
     */
    shardRateLimits: z.enum(['divide', 'per-shard']).default('divide'),
  })
  .strict();

export type LlmSettings = z.infer<typeof llmSettingsSchema>;
export type LlmSettingsInput = z.input<typeof llmSettingsSchema>;
export type BudgetLimit = z.infer<typeof budgetLimitSchema>;
export type Price = z.infer<typeof priceSchema>;

export const DEFAULT_LIMITS = {
  maxConcurrency: 8,
  timeoutMs: 120_000,
  maxRetries: 4,
  maxRetryAfter: 60,
} as const;

const KEY_FIELD = /^(api[-_]?key|key|token|secret|password)$/i;

/**
 * Finds API keys written into a config as literals. Returns the path of each offender so the error can
 * name the field and the fix.
 */
export function findLiteralSecrets(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return KEY_VALUE.test(value) ? [path.join('.')] : [];
  if (!value || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (KEY_FIELD.test(k) && typeof v === 'string') out.push([...path, k].join('.'));
    else out.push(...findLiteralSecrets(v, [...path, k]));
  }
  return out;
}

/** Parses the `llm` section; `where` names the file for error messages. */
export function parseLlmSettings(input: unknown, where = 'config'): LlmSettings {
  const secrets = findLiteralSecrets(input, ['llm']);
  if (secrets.length > 0) {
    throw new Error(
      `${where}: ${secrets.join(', ')} looks like an API key written into the config. ` +
        'Keys never go in config files: put the key in an environment variable and name it with ' +
        '`llm.endpoints.<provider>.apiKeyEnv` (e.g. apiKeyEnv: OPENAI_API_KEY).',
    );
  }
  const parsed = llmSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `llm.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${where}: invalid llm settings: ${issues}`);
  }
  for (const e of Object.values(parsed.data.endpoints)) registerUrlSecrets(e.baseURL);
  return parsed.data;
}

/** The environment variable providers read their key from unless `llm.endpoints.<…>.apiKeyEnv` names another. */
export const DEFAULT_KEY_ENV: Readonly<Record<string, string>> = {
  openai: 'OPENAI_API_KEY',
  gemini: 'GEMINI_API_KEY',
};

/** The environment variable holding the key for `ref`, or undefined when the endpoint needs none. */
export function apiKeyEnvFor(
  ref: Pick<ModelRef, 'endpoint' | 'kind'>,
  settings: Pick<LlmSettings, 'endpoints'>,
): string | undefined {
  const endpoint = settings.endpoints[ref.endpoint] ?? settings.endpoints[ref.kind];
  return endpoint?.apiKeyEnv ?? DEFAULT_KEY_ENV[ref.kind];
}
