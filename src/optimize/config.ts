import { z } from 'zod';

/** The `optimize` section of a maspo config (hyperparameters and switches). Owned by the optimizer. */
export const optimizeSettingsSchema = z.object({}).passthrough();
export type OptimizeSettings = z.infer<typeof optimizeSettingsSchema>;
