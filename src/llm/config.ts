import { z } from 'zod';

/** The `llm` section of a maspo config (scheduler, cache, budgets, prices, endpoints). Owned by the LLM layer. */
export const llmSettingsSchema = z.object({}).passthrough();
export type LlmSettings = z.infer<typeof llmSettingsSchema>;
