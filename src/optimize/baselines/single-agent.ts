import type { MaspoConfig } from '../../config/index.js';
import type { System } from '../../mas/types.js';
import { promptHash } from '../beam.js';
import { emptyJudgeStats } from '../judge.js';
import type { SearchContext, SearchResult, Strategy } from '../search.js';

/**
 * Single-agent baselines (vanilla, CoT, self-consistency with k samples, Self-Refine): no search. The
 * system is replaced by the chosen single-agent topology and its seed prompts are validated like an
 * optimized map, so the artifact reports the baseline's accuracy on the same split.
 */
export function singleAgentSystem(config: MaspoConfig, benchmark: string): System {
  // Imported lazily by the caller; this module only builds the config variant.
  const sa = config.optimize.singleAgent;
  const variant: MaspoConfig = {
    ...config,
    system: {
      topology: sa.method,
      ...(sa.method === 'self-consistency' ? { samples: sa.samples } : {}),
      ...(sa.method === 'self-refine' ? { iterations: sa.iterations } : {}),
      ...(config.system.temperature !== undefined ? { temperature: config.system.temperature } : {}),
      ...(config.system.maxTokens !== undefined ? { maxTokens: config.system.maxTokens } : {}),
    },
  };
  return buildSystemSync(variant, benchmark);
}

let buildSystemSync: (c: MaspoConfig, b: string) => System = () => {
  throw new Error('single-agent: call loadSingleAgent() first');
};

/** Loads the config module (kept lazy so this file stays light). */
export async function loadSingleAgent(): Promise<void> {
  const mod = await import('../../config/index.js');
  buildSystemSync = mod.buildSystem;
}

export const singleAgentStrategy: Strategy = {
  name: 'single-agent',
  async run(ctx: SearchContext): Promise<SearchResult> {
    const prompts = Object.fromEntries(ctx.system.agents.map((a) => [a.id, a.prompt]));
    return {
      prompts,
      agents: Object.fromEntries(
        ctx.system.agents.map((a) => [
          a.id,
          {
            prompt: a.prompt,
            seedPrompt: a.prompt,
            J: 0,
            lineage: [{ hash: promptHash(a.prompt), round: 0, generation: 0, R: null, J: 0 }],
          },
        ]),
      ),
      steps: [],
      judge: emptyJudgeStats(),
      stoppedBy: null,
    };
  },
};
