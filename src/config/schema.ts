import { z } from 'zod';
import { CUSTOM_TASKS, type CustomBenchmark, inlineBenchmarkSchema } from '../datasets/custom.js';
import { BENCHMARK_IDS } from '../datasets/types.js';
import { llmSettingsSchema } from '../llm/config.js';
import { agentSchema, edgeSchema } from '../mas/schema.js';
import { TOPOLOGIES } from '../mas/topologies.js';
import { optimizeSettingsSchema } from '../optimize/config.js';
import { closestName } from '../util/suggest.js';

/** The message for a value outside a fixed list: the value, the closest name when near, the list. */
export function oneOfMessage(what: string, input: unknown, names: readonly string[]): string {
  if (input === undefined) return `is required. Fix: add it, one of: ${names.join(', ')}`;
  const shown = typeof input === 'string' ? `"${input}"` : JSON.stringify(input);
  const near = typeof input === 'string' ? closestName(input, names) : undefined;
  return `${shown} is not a known ${what}. Fix: ${near ? `did you mean "${near}"? ` : ''}use one of: ${names.join(', ')}`;
}

const benchmarkId = z.enum(BENCHMARK_IDS, {
  error: (iss) =>
    `${oneOfMessage('benchmark', iss.input, BENCHMARK_IDS)}, or declare your own: { id, file, task }`,
});

/** A built-in benchmark's id, or a benchmark declared inline from the user's own file. */
const benchmarkRef = z.union([
  benchmarkId,
  inlineBenchmarkSchema
    .extend({
      task: z
        .enum(CUSTOM_TASKS, { error: (iss) => oneOfMessage('task', iss.input, CUSTOM_TASKS) })
        .optional(),
    })
    .superRefine((b, ctx) => {
      if (b.task === undefined && b.scorer === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['task'],
          message: `is required. Fix: add it, one of: ${CUSTOM_TASKS.join(', ')} (or a \`scorer\` function in a TypeScript config)`,
        });
      }
    }),
]);

export const systemSectionSchema = z
  .object({
    topology: z.enum(TOPOLOGIES, { error: (iss) => oneOfMessage('topology', iss.input, TOPOLOGIES) }),
    /** sequential: solver → reflector pairs. */
    rounds: z.number().int().min(1).max(20).optional(),
    /** hierarchical: number of experts. */
    experts: z.number().int().min(1).max(20).optional(),
    /** self-consistency: samples per item. */
    samples: z.number().int().min(1).max(64).optional(),
    /** self-refine: feedback → refine iterations. */
    iterations: z.number().int().min(1).max(20).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    contextMode: z.enum(['full', 'summary']).optional(),
    /** custom: the agents. */
    agents: z.array(agentSchema).optional(),
    /** custom: `[from, to]` or `"from -> to"`. */
    edges: z.array(edgeSchema).optional(),
    /** custom: the agent whose output is the final answer. */
    output: z.string().optional(),
    /** Built-in topologies: prompt overrides per agent id. */
    prompts: z.record(z.string(), z.string().min(1)).optional(),
  })
  .strict();

export const maspoConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"')
      .optional(),
    seed: z.number().int().default(1),
    benchmark: benchmarkRef.optional(),
    benchmarks: z.array(benchmarkRef).min(1).optional(),
    data: z.object({ dir: z.string().optional() }).strict().default({}),
    system: systemSectionSchema,
    models: z
      .object({
        agent: z.string().min(1),
        optimizer: z.string().min(1).optional(),
        judge: z.string().min(1).optional(),
      })
      .strict(),
    llm: llmSettingsSchema.default(llmSettingsSchema.parse({})),
    optimize: optimizeSettingsSchema.default(optimizeSettingsSchema.parse({})),
    eval: z
      .object({
        split: z.enum(['train', 'dev', 'test']).optional(),
        limit: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** The regression gate's confirmation stage (docs/harness.md, "Confirmation"). */
    gate: z
      .object({
        /** Confirm every failing paired metric with this many fresh samples per discordant item and side. */
        confirm: z.number().int().min(1).max(50).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type MaspoConfigInput = z.input<typeof maspoConfigSchema>;
type Parsed = z.output<typeof maspoConfigSchema>;

/** A validated config: benchmarks normalised to a list, optimizer/judge models defaulting to the agent model. */
export type MaspoConfig = Omit<Parsed, 'benchmark' | 'benchmarks' | 'models' | 'name'> & {
  name: string;
  /** Benchmark ids: built-in ones and the ids of inline (custom) benchmarks, in config order. */
  benchmarks: string[];
  /** The inline benchmarks by id, with `file` resolved against the config file's folder. */
  customBenchmarks: Record<string, CustomBenchmark>;
  models: { agent: string; optimizer: string; judge: string };
  /** Absolute path of the file it was loaded from (absent for configs built in code). */
  file?: string;
};
