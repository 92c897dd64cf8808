import { closestName } from '../util/suggest.js';
import { apiKeyEnvFor, type LlmSettings } from './config.js';
import { type ModelRef, parseModelRef } from './model-ref.js';
import { loadWorld } from './sim/world.js';

/**
 * Checks made before any model call: every model reference resolves to a model that exists, and every
 * API key an endpoint needs is in the environment. Each returns problems as data (never throws), so the
 * caller reports them all at once, together with the config's other problems, and sends nothing.
 */

/** Names of the models a simulated world defines (the default world unless `worldPath`). */
export function simModelNames(worldPath?: string): string[] {
  return Object.keys(loadWorld(worldPath).models);
}

/**
 * What is wrong with a model reference, or null when it resolves: the grammar (`<provider>:<model>`), and
 * for `sim:` models whether the simulated world defines the model (with the closest name).
 * `simModels` defaults to the models of the default world.
 */
export function modelRefProblem(ref: string, simModels?: () => readonly string[]): string | null {
  let parsed: ModelRef;
  try {
    parsed = parseModelRef(ref);
  } catch (err) {
    return (err as Error).message;
  }
  if (parsed.kind !== 'sim') return null;
  let names: readonly string[];
  try {
    names = simModels ? simModels() : simModelNames();
  } catch {
    return null; // the world itself is broken: that error surfaces, with its file, when it is loaded
  }
  if (names.includes(parsed.model)) return null;
  const near = closestName(parsed.model, names);
  return `unknown simulated model ${parsed.model};${near ? ` did you mean ${near}?` : ''} the simulated world defines ${names.join(', ')}. Fix: use sim:${near ?? names[0]}`;
}

export interface KeyProblem {
  /** The variable that is not set. */
  variable: string;
  /** The model references that need it. */
  refs: string[];
  /** Where its name comes from: the config field, or the provider's default. */
  namedBy: string;
}

/**
 * The API-key variables that `refs` need and `env` does not set, one entry per variable. An
 * `openai-compatible` endpoint needs a key only when the config names a variable for it (local servers
 * mostly take none). Unparseable references are skipped: {@link modelRefProblem} reports them.
 */
export function missingApiKeys(
  refs: readonly string[],
  settings: Pick<LlmSettings, 'endpoints'>,
  env: NodeJS.ProcessEnv = process.env,
): KeyProblem[] {
  const out = new Map<string, KeyProblem>();
  for (const ref of refs) {
    let parsed: ModelRef;
    try {
      parsed = parseModelRef(ref);
    } catch {
      continue;
    }
    if (parsed.kind === 'sim') continue;
    const variable = apiKeyEnvFor(parsed, settings);
    if (!variable || (env[variable] ?? '').trim() !== '') continue;
    const configured = settings.endpoints[parsed.endpoint]
      ? parsed.endpoint
      : settings.endpoints[parsed.kind]
        ? parsed.kind
        : undefined;
    const entry = out.get(variable) ?? {
      variable,
      refs: [],
      namedBy: configured ? `llm.endpoints.${configured}.apiKeyEnv` : `the ${parsed.kind} default`,
    };
    if (!entry.refs.includes(ref)) entry.refs.push(ref);
    out.set(variable, entry);
  }
  return [...out.values()];
}
