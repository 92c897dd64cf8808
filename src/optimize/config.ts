import { z } from 'zod';

/**
 * The `optimize` section of a maspo config: MASPO hyperparameters (paper defaults), the switches of
 * MASPO-ALGORITHM.md (paper Table 2 ablations), the strategy (MASPO or a baseline) and validation.
 */

const weightsSchema = z
  .object({
    /** α: the agent's own output (local signal). */
    local: z.number().min(0).default(0.4),
    /** β: the direct successors' outputs (lookahead signal). */
    lookahead: z.number().min(0).default(0.4),
    /** θ: the system's final output (global signal). */
    global: z.number().min(0).default(0.2),
  })
  .strict()
  .refine((w) => w.local + w.lookahead + w.global > 0, 'at least one joint weight must be positive');

const validationSchema = z
  .object({
    /** Validate the optimized map against the seed map after the search. */
    enabled: z.boolean().default(true),
    split: z.enum(['train', 'dev', 'test']).default('dev'),
    /** At most this many validation items (all when unset). */
    limit: z.number().int().positive().optional(),
    /**
     * `unless-worse` (default): keep the optimized map unless it is significantly worse;
     * `if-better`: keep it only when it is significantly better; `always`: always keep it.
     */
    keep: z.enum(['unless-worse', 'if-better', 'always']).default('unless-worse'),
    /** Significance level of the exact McNemar test. */
    alpha: z.number().gt(0).lt(1).default(0.05),
  })
  .strict();

const spoSchema = z
  .object({
    /** Judge votes per item (orders alternate A/B, B/A). */
    votes: z.number().int().positive().default(4),
  })
  .strict();

const tpeSchema = z
  .object({
    /** Instruction candidates proposed per agent (the seed prompt is always one more). */
    candidatesPerAgent: z.number().int().positive().default(4),
    /** Joint configurations scored. */
    trials: z.number().int().positive().default(12),
    /** Random trials before the TPE model is used. */
    initTrials: z.number().int().positive().default(4),
    /** Share of trials counted as "good" by the TPE model. */
    gamma: z.number().gt(0).lt(1).default(0.25),
  })
  .strict();

const singleAgentSchema = z
  .object({
    method: z.enum(['vanilla', 'cot', 'self-consistency', 'self-refine']).default('cot'),
    /** Samples for self-consistency. */
    samples: z.number().int().positive().default(5),
    /** Critique/refine iterations for Self-Refine. */
    iterations: z.number().int().positive().default(2),
  })
  .strict();

/** Topology pruning before the search (src/optimize/prune.ts). */
export const pruneSettingsSchema = z
  .object({
    /** Largest accepted fall of pool (train) accuracy, as a fraction (0.05 = 5 points), vs the unpruned system. */
    maxDrop: z.number().min(0).max(1).default(0.05),
    /** Also try dropping single edges (default: agents only). */
    edges: z.boolean().default(false),
  })
  .strict();
export type PruneSettings = z.infer<typeof pruneSettingsSchema>;

export const optimizeSettingsSchema = z
  .object({
    strategy: z.enum(['maspo', 'spo', 'tpe', 'single-agent']).default('maspo'),
    /** Outer rounds (visits per agent). */
    rounds: z.number().int().positive().default(3),
    /** Generations T per visit. */
    generations: z.number().int().positive().default(3),
    /** Beam width K. */
    beamWidth: z.number().int().positive().default(2),
    /** Candidates per parent Ksub (optimizer calls per beam node per generation). */
    candidatesPerParent: z.number().int().positive().default(2),
    /** Minibatch size |B|. */
    minibatch: z.number().int().positive().default(10),
    /** Traces shown to the optimizer per proposal. */
    tracesPerProposal: z.number().int().positive().default(5),
    /** Misalignment cases kept per agent (Kmis). */
    misalignmentCases: z.number().int().positive().default(3),
    /** Optimization pool |D|, drawn from the train split only. */
    poolSize: z.number().int().positive().default(50),
    weights: weightsSchema.default({ local: 0.4, lookahead: 0.4, global: 0.2 }),
    optimizerTemperature: z.number().min(0).max(2).default(0.7),
    judgeTemperature: z.number().min(0).max(2).default(0),
    agentTemperature: z.number().min(0).max(2).default(0),
    /** Longest accepted prompt, in characters. */
    maxPromptChars: z.number().int().positive().default(6000),
    /**
     * Share of a generation's minibatch carried over from the agent's previous minibatch in the same
     * visit (the winning candidate's runs on those questions are the next baseline, so they cost
     * nothing). 0 draws every minibatch fresh from the pool (the reference's behaviour).
     */
    minibatchCarryOver: z.number().min(0).max(1).default(0.5),
    /** Each agent optimized once, to exhaustion (rounds × generations), in topological order. */
    serialSearch: z.boolean().default(false),
    /** Re-score an agent's beam against its current best on revisits. */
    beamRefresh: z.boolean().default(true),
    /** Joint local/lookahead/global reward; false = global signal only (the same as `reward: global-only`). */
    jointReward: z.boolean().default(true),
    /**
     * Which judged signals make the reward: `joint` (α·local + β·lookahead + θ·global), `global-only`
     * (the paper's "w/o joint evaluate": the final output only) or `local-only` (the agent's own output
     * only). A variant asks only the judgements it uses. Unset: `joint`, or `global-only` with
     * `jointReward: false`.
     */
    reward: z.enum(['joint', 'global-only', 'local-only']).optional(),
    /**
     * Items whose judge calls may fail (after the LLM layer's retries) in one run: each such item is an
     * error of its evaluation (like a failed agent call); one more than this stops the run. Unset: 10.
     */
    judgeErrorBudget: z.number().int().min(0).optional(),
    /** Use misalignment cases: inject predecessors' cases into minibatches and show own cases to the optimizer. */
    misalignmentSampling: z.boolean().default(true),
    /** Feed success cases to the optimizer instead of misalignment cases. */
    successCaseSampling: z.boolean().default(false),
    /** The optimizer and judge are the agents' own model. */
    selfOptimization: z.boolean().default(false),
    /** 2: every judgement asked in both orders (ties on disagreement); 1: the reference's single order. */
    judgeOrders: z.union([z.literal(1), z.literal(2)]).default(2),
    /** J(child) = J(parent) + (R − 0.5) (reference); false: the paper's J(child) = J(parent) + R. */
    centredScore: z.boolean().default(true),
    /** Calls in flight at once (the LLM layer still applies per-endpoint limits). */
    concurrency: z.number().int().positive().default(32),
    /** Seed of the search; defaults to the config's top-level seed. */
    seed: z.number().int().optional(),
    /**
     * Prune agents (and optionally edges) of the system by measured contribution on the pool before the
     * search; the artifact records the pruned topology. Unset: no pruning.
     */
    prune: pruneSettingsSchema.optional(),
    validation: validationSchema.default({ enabled: true, split: 'dev', keep: 'unless-worse', alpha: 0.05 }),
    spo: spoSchema.default({ votes: 4 }),
    tpe: tpeSchema.default({ candidatesPerAgent: 4, trials: 12, initTrials: 4, gamma: 0.25 }),
    singleAgent: singleAgentSchema.default({ method: 'cot', samples: 5, iterations: 2 }),
  })
  .strict()
  .refine((s) => s.jointReward || s.reward === undefined || s.reward === 'global-only', {
    message: '`jointReward: false` means `reward: global-only`; set only one of them',
    path: ['reward'],
  });

export type RewardVariant = 'joint' | 'global-only' | 'local-only';

/** The reward variant a settings object asks for (`reward`, else `jointReward`). */
export function rewardVariant(s: Pick<OptimizeSettings, 'reward' | 'jointReward'>): RewardVariant {
  return s.reward ?? (s.jointReward ? 'joint' : 'global-only');
}

export const DEFAULT_JUDGE_ERROR_BUDGET = 10;

export type OptimizeSettings = z.infer<typeof optimizeSettingsSchema>;
export type OptimizeSettingsInput = z.input<typeof optimizeSettingsSchema>;
export type OptimizeStrategy = OptimizeSettings['strategy'];

/** Parses an `optimize` section (undefined → all defaults). Errors name the field. */
export function parseOptimizeSettings(input: unknown, where = 'config'): OptimizeSettings {
  const parsed = optimizeSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `optimize.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${where}: invalid optimize settings: ${issues}`);
  }
  return parsed.data;
}
