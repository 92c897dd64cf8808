import { distance as editDistance } from 'fastest-levenshtein';

/**
 * Prompt templates. The only placeholders are `{{question}}` and `{{context}}` (whitespace inside the
 * braces is allowed: `{{ question }}`). Everything else is literal text, so LaTeX (`\frac{a}{b}`), code
 * (`{}`, `{x: 1}`) and even other double-brace words stay as written. Substitution is one pass: a question
 * that itself contains `{{context}}` is not expanded again.
 */

const PLACEHOLDER = /\{\{\s*(question|context)\s*\}\}/g;
/** Double-brace words that look like a placeholder but are not one (likely typos such as `{{qestion}}`). */
const LOOKALIKE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export interface TemplateValues {
  question: string;
  context: string;
}

export function renderPrompt(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_m, name: 'question' | 'context') => values[name]);
}

export interface PlaceholderReport {
  question: boolean;
  context: boolean;
  /** `{{word}}` occurrences that are not placeholders (rendered literally; usually a typo). */
  unknown: string[];
}

export function checkPlaceholders(template: string): PlaceholderReport {
  const found = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) found.add(m[1]!);
  const unknown = [...template.matchAll(LOOKALIKE)]
    .map((m) => m[1]!)
    .filter((w) => w !== 'question' && w !== 'context');
  return { question: found.has('question'), context: found.has('context'), unknown: [...new Set(unknown)] };
}

/**
 * Problems with a template for an agent, each with its fix (empty when fine). An agent with upstream
 * agents must read `{{context}}`, or their work would be silently dropped.
 */
export function templateProblems(
  template: string,
  opts: { hasPredecessors: boolean },
): Array<{ message: string; fix: string }> {
  const r = checkPlaceholders(template);
  const out: Array<{ message: string; fix: string }> = [];
  if (!r.question) {
    out.push({
      message: 'the prompt has no {{question}} placeholder',
      fix: 'add {{question}} where the question goes',
    });
  }
  if (opts.hasPredecessors && !r.context) {
    out.push({
      message: 'the agent has upstream agents but its prompt has no {{context}} placeholder',
      fix: 'add {{context}} where their outputs go',
    });
  }
  // Only near-misses of the two names are errors (`{{qestion}}`, `{{Context}}`): other double-brace
  // words such as LaTeX `\sqrt{{x}}` or a template the prompt shows as an example render as written.
  for (const u of r.unknown.filter(nearMiss)) {
    out.push({
      message: `{{${u}}} is not a placeholder (only {{question}} and {{context}} are)`,
      fix: 'fix the spelling or remove it',
    });
  }
  return out;
}

/** Whether a double-brace word is probably a misspelt `question` or `context` (edit distance <= 3). */
function nearMiss(word: string): boolean {
  const w = word.toLowerCase();
  return ['question', 'context'].some((n) => editDistance(w, n) <= 3);
}
