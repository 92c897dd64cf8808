import type { Price } from './config.js';

/**
 * Built-in list prices in USD per million tokens (input, output), as published by the providers.
 * Users override or extend them with `llm.prices` in their config; an unknown model costs 0 and is
 * reported as unpriced.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  'sim-small': { input: 0, output: 0 },
  'sim-large': { input: 0, output: 0 },
};
