import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Item } from '../datasets/types.js';
import { simWorldFingerprint } from '../llm/sim/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { hashValue } from '../util/hash.js';
import { prunedTopologySchema } from './prune.js';

/** The prompt artifact `maspo.prompts.json`: what was optimized, for what, and how well it validated. */

const lineageEntry = z.object({
  hash: z.string(),
  round: z.number(),
  generation: z.number(),
  R: z.number().nullable(),
  J: z.number(),
});

/** The proposer's stated rationale for one accepted step of the final prompt's lineage. */
const rationaleEntry = z.object({
  hash: z.string(),
  round: z.number(),
  generation: z.number(),
  R: z.number().nullable(),
  text: z.string(),
});

/** One point of an agent's optimization curve: a generation at depth 1, 2, … (across rounds). */
const curvePoint = z.object({
  depth: z.number(),
  step: z.number(),
  round: z.number(),
  generation: z.number(),
  misalignmentRate: z.number().nullable(),
  /** The best candidate's joint reward R in this generation (null: no candidate was judged). */
  reward: z.number().nullable(),
  candidates: z.number(),
  accepted: z.number(),
  bestJ: z.number(),
});

const validationSchema = z.object({
  split: z.string(),
  n: z.number(),
  errors: z.number(),
  seed: z.object({ accuracy: z.number(), misalignmentRate: z.number().nullable() }),
  optimized: z.object({ accuracy: z.number(), misalignmentRate: z.number().nullable() }),
  difference: z.number(),
  ci: z.tuple([z.number(), z.number()]),
  p: z.number(),
  b: z.number(),
  c: z.number(),
  kept: z.enum(['optimized', 'seed']),
  reason: z.string(),
});

export const promptArtifactSchema = z.object({
  format: z.literal('maspo.prompts/v1'),
  system: z.string(),
  benchmark: z.string(),
  strategy: z.string(),
  seed: z.number(),
  simulated: z.boolean(),
  models: z.object({ agent: z.string(), optimizer: z.string(), judge: z.string() }),
  hashes: z.object({ config: z.string(), dataset: z.string(), models: z.string() }),
  /** The prompts to use (the optimized map, or the seed map when validation kept it). */
  prompts: z.record(z.string(), z.string()),
  agents: z.record(
    z.string(),
    z.object({
      prompt: z.string(),
      seedPrompt: z.string(),
      changed: z.boolean(),
      hash: z.string(),
      J: z.number(),
      lineage: z.array(lineageEntry),
      /** The proposer's rationale per accepted lineage step (optional: older artifacts lack it). */
      rationale: z.array(rationaleEntry).optional(),
      /** Misalignment rate and reward over optimization depth (optional, like `rationale`). */
      curve: z.array(curvePoint).optional(),
    }),
  ),
  validation: validationSchema.nullable(),
  /**
   * Set when `optimize.prune` pruned the system before the search: the topology the prompts are for
   * (`maspo run --prompts` and `maspo eval` apply it). Absent: the declared system, unchanged.
   */
  topology: prunedTopologySchema.optional(),
  /** Why the search ended early (a budget), or null. */
  stoppedBy: z.string().nullable(),
});

export type PromptArtifact = z.infer<typeof promptArtifactSchema>;
export type ArtifactValidation = z.infer<typeof validationSchema>;
export type AgentRationale = z.infer<typeof rationaleEntry>;
export type CurvePoint = z.infer<typeof curvePoint>;

export interface ArtifactHashes {
  config: string;
  dataset: string;
  models: string;
}

/**
 * Hashes of what the artifact was optimized for. The config hash covers what changes results (system,
 * optimize settings, seed, benchmarks), not operational settings (cache dir, concurrency limits, budgets).
 */
export function artifactHashes(
  config: {
    seed?: number;
    system?: unknown;
    optimize?: unknown;
    benchmarks?: unknown;
    benchmark?: unknown;
    llm?: { sim?: { worldPath?: string | undefined } | undefined } | undefined;
  },
  items: readonly (Pick<Item, 'id' | 'question' | 'gold'> & { meta?: Item['meta'] })[],
  models: { agent: string; optimizer: string; judge: string },
): ArtifactHashes {
  // A simulated model's behaviour is its world and code, not its name: prompts optimized on another
  // version of the simulated world are stale.
  const usesSim = Object.values(models).some((m) => m.startsWith('sim:'));
  const sim = usesSim ? simWorldFingerprint(config.llm?.sim?.worldPath) : undefined;
  const { concurrency: _c, ...optimize } = (config.optimize ?? {}) as Record<string, unknown>;
  return {
    config: hashValue({
      seed: config.seed,
      system: config.system,
      optimize,
      benchmarks: config.benchmarks ?? config.benchmark,
    }),
    // An inline benchmark's items also carry their file's sha256: any change to the file makes the artifact stale.
    dataset: hashValue(
      items.map((i) => {
        const fileSha = (i.meta?.custom as { fileSha256?: string } | undefined)?.fileSha256;
        return fileSha ? [i.id, i.question, i.gold, fileSha] : [i.id, i.question, i.gold];
      }),
    ),
    models: hashValue(sim ? { models, sim } : models),
  };
}

export interface Staleness {
  stale: boolean;
  reasons: string[];
}

export function isStale(artifact: Pick<PromptArtifact, 'hashes'>, current: ArtifactHashes): Staleness {
  const reasons: string[] = [];
  if (artifact.hashes.config !== current.config)
    reasons.push('the config (system, optimize settings, seed or benchmarks) changed');
  if (artifact.hashes.dataset !== current.dataset) reasons.push('the dataset split changed');
  if (artifact.hashes.models !== current.models) reasons.push('the models changed');
  return { stale: reasons.length > 0, reasons };
}

/**
 * Whether an artifact's prompts apply to a benchmark: only to the one it was optimized for (`maspo eval`
 * runs every other suite on its seed prompts; `maspo run --prompts` refuses the others).
 */
export function artifactAppliesTo(artifact: { benchmark?: string }, benchmark: string): boolean {
  return artifact.benchmark === benchmark;
}

export async function writeArtifact(path: string, artifact: PromptArtifact): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(promptArtifactSchema.parse(artifact), null, 2)}\n`);
}

/** A prompt artifact file that cannot be used: the message is one line naming the file, the field and the fix. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

const REGENERATE = 'regenerate it with `maspo optimize --config <your config>` (or restore it from git)';

export function readArtifact(path: string): PromptArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ArtifactError(`${path}: prompt artifact not found; check the path`);
    throw new ArtifactError(`${path}: not valid JSON (${e.message}). Fix: ${REGENERATE}`);
  }
  const parsed = promptArtifactSchema.safeParse(raw);
  if (!parsed.success) throw new ArtifactError(describeArtifactIssues(path, raw, parsed.error.issues));
  return parsed.data;
}

/** One readable line for a file that is JSON but not a prompt artifact (the first problem, and how many more). */
function describeArtifactIssues(
  path: string,
  raw: unknown,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code?: string }>,
): string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return `${path}: not a prompt artifact (a JSON object with "format": "maspo.prompts/v1" is expected). Fix: ${REGENERATE}`;
  const format = (raw as { format?: unknown }).format;
  if (format !== 'maspo.prompts/v1')
    return `${path}: field "format" is ${JSON.stringify(format ?? null)}, not "maspo.prompts/v1": not a prompt artifact of this maspo version. Fix: ${REGENERATE}`;
  const first = issues[0]!;
  const field = first.path.map(String).join('.') || '(root)';
  const what = first.message
    .replace(/^Invalid input: /, '')
    .replace(/, received undefined$/, ', but it is missing');
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${path}: field "${field}": ${what}${more}. Fix: ${REGENERATE}`;
}
