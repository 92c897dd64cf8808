import type { TestProject } from 'vitest/node';
import './augment.js';
import { resolvePrompts } from './prestep.js';
import { sharedState } from './reporting.js';
import type { HarnessProvided } from './types.js';

/**
 * Vitest global setup of the benchmark project: the optimization pre-step. Runs once, in the main process,
 * before any suite. Reads its inputs from the provided context (`maspo eval` fills it) or the environment:
 * MASPO_CONFIG, MASPO_PROMPTS, MASPO_NO_OPTIMIZE=1, MASPO_UPDATE_PROMPTS=1, MASPO_SEED_PROMPTS=1,
 * MASPO_EVAL_LIMIT.
 * Hands the resolved prompts to the test workers with `provide('maspo', …)`.
 */
export default async function setup(project: TestProject): Promise<void> {
  const given = ((project.getProvidedContext() as { maspo?: HarnessProvided }).maspo ??
    {}) as HarnessProvided;
  if (given.prompts) {
    // `maspo eval` already ran the pre-step in this process.
    sharedState().provided = given;
    return;
  }
  const env = process.env;
  const configPath = given.configPath ?? env.MASPO_CONFIG;
  const limit = given.limit ?? (env.MASPO_EVAL_LIMIT ? Number(env.MASPO_EVAL_LIMIT) : undefined);
  if (!configPath) {
    const provided: HarnessProvided = { ...given, ...(limit ? { limit } : {}) };
    project.provide('maspo', provided);
    sharedState().provided = provided;
    return;
  }
  const r = await resolvePrompts({
    configPath,
    ...(env.MASPO_PROMPTS ? { promptsPath: env.MASPO_PROMPTS } : {}),
    noOptimize: env.MASPO_NO_OPTIMIZE === '1',
    updatePrompts: env.MASPO_UPDATE_PROMPTS === '1',
    seedPrompts: env.MASPO_SEED_PROMPTS === '1',
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const provided: HarnessProvided = {
    configPath: r.configPath,
    prompts: r.prompts,
    ...(r.dataDir ? { dataDir: r.dataDir } : {}),
    ...(limit ? { limit } : {}),
  };
  project.provide('maspo', provided);
  sharedState().provided = provided;
}
