import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { countNodes, MAX_CONFIG_BYTES, MAX_CONFIG_NODES } from '../../util/bounds.js';

/** The simulated model's world: directives, model skills, difficulty, judge and optimizer behaviour. */

export const SYMPTOMS = [
  'unmarked-answers',
  'overturned-correct',
  'missed-errors',
  'wrong-answers',
  'code-prose',
  'code-extras',
  'failing-code',
  'misled-by-alternatives',
  'misread-handoff',
] as const;
export type Symptom = (typeof SYMPTOMS)[number];

const prob = z.number().min(0).max(1);

const effectSchema = z
  .object({
    /** Logit shift of the chance of solving the item (solver, or a reviewer re-solving). */
    accuracy: z.number().optional(),
    /** Extra logit shift on hard items (difficulty >= difficulty.hardThreshold). */
    hardAccuracy: z.number().optional(),
    /** Multiplier of the reasoning length. */
    length: z.number().positive().optional(),
    /** The final answer is marked (\boxed{} or <answer> tags). */
    marksAnswer: z.boolean().optional(),
    /** Reviewer: logit shift of keeping a correct upstream answer. */
    keepCorrect: z.number().optional(),
    /** Reviewer: logit shift of noticing a wrong upstream answer. */
    catchError: z.number().optional(),
    /** Reviewer: logit shift of reading a loosely stated upstream answer. */
    readLoose: z.number().optional(),
    /** Code: the reply is only the code block. */
    codeOnly: z.boolean().optional(),
    /** Code: no demo calls / prints at module level. */
    noExtras: z.boolean().optional(),
    /** Solver: names other candidate answers before its own (phenomena.misleadingStyle). */
    discussAlternatives: z.boolean().optional(),
    /** Solver: adds intermediate results for the next agent (phenomena.peerCoupling). */
    detailedHandoff: z.boolean().optional(),
    /** Reviewer: re-derives every handed-off intermediate result (phenomena.peerCoupling). */
    verifiesHandoff: z.boolean().optional(),
    /** Solver: ends with the final answer, no trailing check value (phenomena.hiddenHandoff). */
    noTrailingCheck: z.boolean().optional(),
  })
  .strict();
export type Effect = z.infer<typeof effectSchema>;

const directiveSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'),
    description: z.string().default(''),
    harmful: z.boolean().default(false),
    tasks: z
      .array(z.enum(['math', 'choice', 'code']))
      .min(1)
      .default(['math', 'choice', 'code']),
    /** Regular expressions (case-insensitive) that detect the directive in a prompt. */
    patterns: z.array(z.string().min(1)).min(1),
    /** Sentences the optimizer role adds to a prompt; each must match one of the patterns. */
    phrasings: z.array(z.string().min(1)).min(1),
    /** Symptoms in traces that this directive addresses (the optimizer role prefers it when it sees them). */
    addresses: z.array(z.enum(SYMPTOMS)).default([]),
    solver: effectSchema.optional(),
    reviewer: effectSchema.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const res: RegExp[] = [];
    d.patterns.forEach((p, i) => {
      try {
        res.push(new RegExp(p, 'i'));
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: ['patterns', i],
          message: `not a valid regular expression: ${(e as Error).message}`,
        });
      }
    });
    d.phrasings.forEach((ph, i) => {
      if (res.length === d.patterns.length && !res.some((r) => r.test(ph))) {
        ctx.addIssue({
          code: 'custom',
          path: ['phrasings', i],
          message: `"${ph}" matches none of the directive's patterns; the optimizer role could add it but the agent would never see it`,
        });
      }
    });
  });
export type Directive = z.infer<typeof directiveSchema>;

const strength = z.number().min(0).default(0);

/**
 * Documented phenomena of the kinds the MASPO paper describes, each with a strength (0 = absent, 1 = the
 * default world). docs/simulated-model.md gives each one's measured effect.
 */
const phenomenaSchema = z
  .object({
    /** An upstream style a judge prefers on the surface that misleads downstream agents. */
    misleadingStyle: z
      .object({
        strength,
        /** Added (× strength) to the judge's surface score of an output written in the style. */
        judgePreference: z.number().min(0).default(1.5),
        /** Chance (× strength, at most 1) that a reviewer reading such an output adopts an alternative it names. */
        downstreamHarm: prob.default(0.5),
      })
      .strict()
      .default({ strength: 0, judgePreference: 1.5, downstreamHarm: 0.5 }),
    /** The best prompt of a solver depends on its reviewer's current prompt, and the other way round. */
    peerCoupling: z
      .object({
        strength,
        /** Logit (× strength) added to a plain reviewer's chance of catching an error in a detailed hand-off. */
        catchBoost: z.number().min(0).default(1.5),
        /** Logit (× strength) taken from a verifying reviewer's chance of keeping a correct detailed hand-off. */
        clashPenalty: z.number().min(0).default(2.5),
      })
      .strict()
      .default({ strength: 0, catchBoost: 1.5, clashPenalty: 2.5 }),
    /** A solver habit that hurts only its successor, visible only in labelled misalignment cases. */
    hiddenHandoff: z
      .object({
        strength,
        /** Chance (× strength, at most 1) that a solver output ends with a stray check value a reviewer misreads. */
        rate: prob.default(0.4),
      })
      .strict()
      .default({ strength: 0, rate: 0.4 }),
  })
  .strict()
  .default({
    misleadingStyle: { strength: 0, judgePreference: 1.5, downstreamHarm: 0.5 },
    peerCoupling: { strength: 0, catchBoost: 1.5, clashPenalty: 2.5 },
    hiddenHandoff: { strength: 0, rate: 0.4 },
  });
export type Phenomena = z.infer<typeof phenomenaSchema>;

export const worldSchema = z
  .object({
    version: z.literal(1),
    models: z
      .record(z.string(), z.object({ description: z.string().optional(), skill: z.number() }).strict())
      .refine((m) => Object.keys(m).length > 0, 'at least one model'),
    difficulty: z
      .object({
        levels: z.record(z.string(), z.number()).default({}),
        benchmarks: z.record(z.string(), z.number()).default({}),
        unknown: z.number().default(3),
        hardThreshold: z.number().default(0.4),
        /** Spread (standard deviation, logit scale) of a per-item latent difficulty shared by every agent, prompt and sample. */
        itemSpread: z.number().min(0).default(0),
      })
      .strict(),
    agent: z
      .object({
        baseSentences: z.number().int().min(1).max(60).default(6),
        looseStyles: z.object({ plain: z.number().min(0), buried: z.number().min(0) }).strict(),
        /** Per task type, weights that replace `looseStyles` for that task. */
        looseStylesByTask: z
          .partialRecord(
            z.enum(['math', 'choice', 'code']),
            z.object({ plain: z.number().min(0), buried: z.number().min(0) }).strict(),
          )
          .optional(),
        read: z.object({ marked: prob, plain: prob, buried: prob }).strict(),
        reviewer: z.object({ keepCorrect: z.number(), catchError: z.number(), mirrorMarking: prob }).strict(),
        code: z.object({ extrasRate: prob }).strict(),
        /** At temperature > 0: chance that each decision of a sample (solve, style, wrong answer…) repeats the temperature-0 one. */
        sampleCorrelation: prob.default(0),
        /**
         * Run-to-run nondeterminism, also at temperature 0: logit standard deviation of a per-seed jitter of
         * every decision, so decisions near their threshold flip between runs with different seeds.
         */
        nondeterminism: z.number().min(0).max(5).default(0),
      })
      .strict(),
    judge: z
      .object({
        accuracy: prob,
        positionBias: z.number().min(0).max(0.5),
        lengthWeight: z.number(),
        markedWeight: z.number(),
        sharpness: z.number().positive().default(3),
      })
      .strict(),
    optimizer: z
      .object({
        noticeWithFailureCases: prob,
        noticeFromTraces: prob,
        secondEditRate: prob,
        removeRate: prob,
      })
      .strict(),
    phenomena: phenomenaSchema,
    directives: z.array(directiveSchema).min(1),
  })
  .strict()
  .superRefine((w, ctx) => {
    const seen = new Set<string>();
    w.directives.forEach((d, i) => {
      if (seen.has(d.id))
        ctx.addIssue({ code: 'custom', path: ['directives', i, 'id'], message: `duplicate id "${d.id}"` });
      seen.add(d.id);
    });
    if (w.agent.looseStyles.plain + w.agent.looseStyles.buried <= 0)
      ctx.addIssue({ code: 'custom', path: ['agent', 'looseStyles'], message: 'weights must not both be 0' });
  });
export type World = z.infer<typeof worldSchema>;

export const DEFAULT_WORLD_PATH = resolve(import.meta.dirname, 'default-world.yaml');

export class WorldError extends Error {
  override name = 'WorldError';
}

/** Parses and validates a world from YAML text; errors name the file and the field. */
export function parseWorld(text: string, source = 'world'): World {
  // The same bounds as a config: a world file is user input too (llm.sim.worldPath).
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new WorldError(
      `${source}: the file is larger than a world file may be (${MAX_CONFIG_BYTES / 1024 / 1024} MB). Fix: check that llm.sim.worldPath names a world file`,
    );
  let raw: unknown;
  try {
    raw = yaml.load(text);
  } catch (e) {
    throw new WorldError(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  if (countNodes(raw) > MAX_CONFIG_NODES)
    throw new WorldError(
      `${source}: expands to more than ${MAX_CONFIG_NODES.toLocaleString('en-US')} values (YAML aliases repeated over and over?). Fix: write the world out without nested aliases`,
    );
  const r = worldSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new WorldError(
      `${source}: invalid simulated-model world:\n${lines.join('\n')}\n(see docs/simulated-model.md for the format)`,
    );
  }
  return r.data;
}

const cache = new Map<string, World>();

/** Loads a world file (default: the shipped default world). Memoised per path. */
export function loadWorld(path?: string): World {
  const file = resolve(path ?? DEFAULT_WORLD_PATH);
  let w = cache.get(file);
  if (!w) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new WorldError(`cannot read world file ${file}: ${(e as Error).message}`);
    }
    w = parseWorld(text, file);
    cache.set(file, w);
  }
  return w;
}

/** A directive with its compiled patterns. */
export interface CompiledDirective extends Directive {
  regexes: RegExp[];
}

export function compileDirectives(world: World): CompiledDirective[] {
  return world.directives.map((d) => ({ ...d, regexes: d.patterns.map((p) => new RegExp(p, 'i')) }));
}
