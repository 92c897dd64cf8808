import type { TaskType } from '../../datasets/types.js';
import type { Prng } from '../../util/prng.js';
import type { CompiledDirective, Effect } from './world.js';

export type AgentKind = 'solver' | 'reviewer';

export interface CombinedEffect {
  accuracy: number;
  hardAccuracy: number;
  length: number;
  marksAnswer: boolean;
  keepCorrect: number;
  catchError: number;
  readLoose: number;
  codeOnly: boolean;
  noExtras: boolean;
  discussAlternatives: boolean;
  detailedHandoff: boolean;
  verifiesHandoff: boolean;
  noTrailingCheck: boolean;
}

/** Directives present in an instruction text (case-insensitive pattern match), for a task. */
export function activeDirectives(
  instructions: string,
  directives: readonly CompiledDirective[],
  task: TaskType,
): CompiledDirective[] {
  return directives.filter((d) => d.tasks.includes(task) && d.regexes.some((r) => r.test(instructions)));
}

/** Directives present in a prompt regardless of task. */
export function presentDirectives(
  text: string,
  directives: readonly CompiledDirective[],
): CompiledDirective[] {
  return directives.filter((d) => d.regexes.some((r) => r.test(text)));
}

export function combineEffects(active: readonly CompiledDirective[], kind: AgentKind): CombinedEffect {
  const out: CombinedEffect = {
    accuracy: 0,
    hardAccuracy: 0,
    length: 1,
    marksAnswer: false,
    keepCorrect: 0,
    catchError: 0,
    readLoose: 0,
    codeOnly: false,
    noExtras: false,
    discussAlternatives: false,
    detailedHandoff: false,
    verifiesHandoff: false,
    noTrailingCheck: false,
  };
  for (const d of active) {
    const e: Effect | undefined = d[kind];
    if (!e) continue;
    out.accuracy += e.accuracy ?? 0;
    out.hardAccuracy += e.hardAccuracy ?? 0;
    out.length *= e.length ?? 1;
    out.marksAnswer ||= e.marksAnswer ?? false;
    out.keepCorrect += e.keepCorrect ?? 0;
    out.catchError += e.catchError ?? 0;
    out.readLoose += e.readLoose ?? 0;
    out.codeOnly ||= e.codeOnly ?? false;
    out.noExtras ||= e.noExtras ?? false;
    out.discussAlternatives ||= e.discussAlternatives ?? false;
    out.detailedHandoff ||= e.detailedHandoff ?? false;
    out.verifiesHandoff ||= e.verifiesHandoff ?? false;
    out.noTrailingCheck ||= e.noTrailingCheck ?? false;
  }
  return out;
}

const SENTENCE = /[^.!?\n]+(?:[.!?]+|\n|$)/g;

function splitSentences(line: string): string[] {
  return line.match(SENTENCE) ?? [];
}

/** The instruction text with every sentence that states a directive removed: the prompt's "identity". */
export function baseRoleText(instructions: string, directives: readonly CompiledDirective[]): string {
  const all = directives.flatMap((d) => d.regexes);
  return splitSentences(instructions)
    .filter((s) => !all.some((r) => r.test(s)))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const PLACEHOLDER = /\{\{\s*(question|context)\s*\}\}/;

/** Adds a directive's phrasing as its own line, before the first line with a placeholder. */
export function addDirective(prompt: string, d: CompiledDirective, prng: Prng): string {
  const phrase = prng.pick(d.phrasings);
  const lines = prompt.split('\n');
  const at = lines.findIndex((l) => PLACEHOLDER.test(l));
  if (at < 0) return `${prompt.replace(/\s+$/, '')}\n${phrase}`;
  // Insert after the last non-empty instruction line before the placeholder.
  let insert = at;
  while (insert > 0 && lines[insert - 1]!.trim() === '') insert--;
  if (insert === 0) return [phrase, '', ...lines].join('\n');
  lines.splice(insert, 0, phrase);
  return lines.join('\n');
}

/** Removes every sentence that states the directive; lines holding placeholders keep them. */
export function removeDirective(prompt: string, d: CompiledDirective): string {
  const out: string[] = [];
  for (const line of prompt.split('\n')) {
    if (!d.regexes.some((r) => r.test(line))) {
      out.push(line);
      continue;
    }
    if (PLACEHOLDER.test(line)) {
      // Keep placeholders: drop only the matching sentences that contain none.
      const kept = splitSentences(line)
        .filter((s) => PLACEHOLDER.test(s) || !d.regexes.some((r) => r.test(s)))
        .join('');
      out.push(kept.trim() === '' ? line : kept.replace(/^\s+/, ''));
      continue;
    }
    const kept = splitSentences(line)
      .filter((s) => !d.regexes.some((r) => r.test(s)))
      .join('')
      .trim();
    if (kept !== '') out.push(kept);
  }
  return out.join('\n');
}
