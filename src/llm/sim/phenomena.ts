import type { Item } from '../../datasets/types.js';
import type { Prng } from '../../util/prng.js';
import { wrongAnswer } from './text.js';
import type { World } from './world.js';

/**
 * The text of the world's phenomena (`phenomena:` in the world file). Each writes a recognisable passage
 * into an output only when its strength is above 0, so at strength 0 the world is exactly the one without it.
 *
 * - misleadingStyle: a solver that discusses alternatives names two wrong candidate answers; the judge
 *   likes the look of it, and a reviewer may adopt the first alternative.
 * - peerCoupling: a solver's detailed hand-off helps a plain reviewer catch errors but makes a verifying
 *   reviewer re-derive and overturn correct answers.
 * - hiddenHandoff: a solver output may end with a stray check value that its reviewer takes as the result;
 *   only the reviewer's output shows it (labelled misalignment cases).
 */

const ALTERNATIVES = /Before settling, I also weighed other candidate answers, \$([^$]+)\$ and \$([^$]+)\$/;
const HANDOFF = 'Intermediate results for the next agent:';
const CHECK = /\(Check value used along the way: \$([^$]+)\$\.\)/;
/** What a reviewer misled by an alternative says (the optimizer's symptom). */
export const MISLED_BY_ALTERNATIVES = /The previous work also points to \$[^$]+\$ among its candidates/;
/** What a reviewer that took a stray check value says (the optimizer's symptom). */
export const MISREAD_HANDOFF = /Reading the previous result as \$[^$]+\$/;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function alternativesPassage(item: Item, answer: string, prng: Prng): string {
  const x = wrongAnswer(item, prng, answer);
  const y = wrongAnswer(item, prng, x);
  return `Before settling, I also weighed other candidate answers, $${x}$ and $${y}$, which come close.`;
}

export const handoffPassage = (): string =>
  `${HANDOFF} each intermediate value above is listed so that the next agent can check it.`;

export function checkPassage(item: Item, answer: string, prng: Prng): string {
  return `(Check value used along the way: $${wrongAnswer(item, prng, answer)}$.)`;
}

/** The first alternative an output names, if it discusses alternatives. */
export function namedAlternative(text: string): string | null {
  return ALTERNATIVES.exec(text)?.[1] ?? null;
}

export const hasDetailedHandoff = (text: string): boolean => text.includes(HANDOFF);

export const strayCheckValue = (text: string): string | null => CHECK.exec(text)?.[1] ?? null;

/** Whether an output is written in the misleading style (for the judge's surface cue). */
export const inMisleadingStyle = (text: string): boolean => ALTERNATIVES.test(text);

export const misleadChance = (w: World): number =>
  clamp01(w.phenomena.misleadingStyle.strength * w.phenomena.misleadingStyle.downstreamHarm);

export const strayCheckChance = (w: World): number =>
  clamp01(w.phenomena.hiddenHandoff.strength * w.phenomena.hiddenHandoff.rate);

/** Logit shifts of a reviewer reading a detailed hand-off: it helps a plain reviewer, hurts a verifying one. */
export function handoffShift(w: World, verifies: boolean): { keepCorrect: number; catchError: number } {
  const p = w.phenomena.peerCoupling;
  return verifies
    ? { keepCorrect: -p.strength * p.clashPenalty, catchError: 0 }
    : { keepCorrect: 0, catchError: p.strength * p.catchBoost };
}
