import { missingApiKeys } from '../llm/preflight.js';
import { type ConfigIssue, InvalidConfigError } from './errors.js';
import type { MaspoConfig } from './schema.js';

/** The model references a config uses, with the field each comes from (`models.agent`, `system.agents[1].model`). */
export function configModelRefs(config: Pick<MaspoConfig, 'models' | 'system'>): Array<{
  path: string;
  ref: string;
}> {
  const out = Object.entries(config.models).map(([k, ref]) => ({ path: `models.${k}`, ref }));
  (config.system.agents ?? []).forEach((a, i) => {
    if (a.model) out.push({ path: `system.agents[${i}].model`, ref: a.model });
  });
  return out;
}

export interface PreflightOptions {
  env?: NodeJS.ProcessEnv;
  /** Whether calls will reach a provider. A replayed cache or a dry run needs no API key. */
  needsKeys?: boolean;
}

/**
 * The check `run`, `optimize`, `eval` and `demo` make before their first model call. Loading the config
 * already checked every field and model reference (a `sim:` model the world does not define, a literal
 * key); this adds what depends on the environment: every API key the configured endpoints need is set.
 * Throws one {@link InvalidConfigError} listing every problem (CLI exit 2), before anything is sent.
 */
export function preflightConfig(config: MaspoConfig, opts: PreflightOptions = {}): void {
  const needsKeys = opts.needsKeys ?? config.llm.cache.mode !== 'replay';
  if (!needsKeys) return;
  const used = configModelRefs(config);
  const missing = missingApiKeys(
    used.map((u) => u.ref),
    config.llm,
    opts.env ?? process.env,
  );
  const issues: ConfigIssue[] = missing.map((m) => {
    const fields = used.filter((u) => m.refs.includes(u.ref)).map((u) => u.path);
    return {
      path: fields[0] ?? 'models',
      message: `${m.refs.join(', ')} needs an API key in the environment variable ${m.variable} (${m.namedBy}), which is not set. Fix: export ${m.variable}=<your key>, or name another variable with llm.endpoints.<provider>.apiKeyEnv${fields.length > 1 ? ` (also used by ${fields.slice(1).join(', ')})` : ''}`,
    };
  });
  if (issues.length > 0) throw new InvalidConfigError(config.file ?? config.name, issues);
}
