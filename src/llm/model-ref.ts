import { ConfigError } from './errors.js';
import { redactSecrets, registerUrlSecrets } from './secrets.js';

/**
 * Model references: `<provider>:<model>[@<baseURL>]`.
 *
 *   openai:gpt-4o-mini
 *   openai-compatible:qwen3-8b@http://localhost:8000/v1
 *   gemini:gemini-2.5-pro
 *   sim:sim-small
 *
 * `openai` may also carry `@<baseURL>` (e.g. an Azure or proxy endpoint). `openai-compatible` needs one.
 */

export const PROVIDER_KINDS = ['openai', 'openai-compatible', 'gemini', 'sim'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface ModelRef {
  kind: ProviderKind;
  model: string;
  baseURL?: string;
  /** Identifies the endpoint for concurrency limits and caching: kind plus base URL. */
  endpoint: string;
  /** The reference as written. */
  ref: string;
}

export const MODEL_REF_GRAMMAR =
  '<provider>:<model>[@<baseURL>] with provider one of openai, openai-compatible, gemini, sim ' +
  '(e.g. openai:gpt-4o-mini, openai-compatible:qwen3-8b@http://localhost:8000/v1, gemini:gemini-2.5-pro, sim:sim-small)';

export function parseModelRef(ref: string): ModelRef {
  const fail = (why: string): never => {
    throw new ConfigError(
      redactSecrets(`invalid model reference "${ref}": ${why}. Expected ${MODEL_REF_GRAMMAR}`),
    );
  };
  const colon = ref.indexOf(':');
  if (colon <= 0) fail('missing "<provider>:"');
  const kind = ref.slice(0, colon);
  if (!(PROVIDER_KINDS as readonly string[]).includes(kind)) fail(`unknown provider "${kind}"`);
  const rest = ref.slice(colon + 1);
  const at = rest.indexOf('@');
  const model = at < 0 ? rest : rest.slice(0, at);
  const baseURL = at < 0 ? undefined : rest.slice(at + 1);
  if (!model.trim() || /\s/.test(model)) fail('missing or malformed model name');
  if (baseURL !== undefined) {
    if (kind === 'sim' || kind === 'gemini') fail(`provider "${kind}" takes no @baseURL`);
    let url: URL | undefined;
    try {
      url = new URL(baseURL);
    } catch {
      fail(`"${baseURL}" is not a URL`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') fail('the base URL must be http(s)');
  } else if (kind === 'openai-compatible') {
    fail('openai-compatible needs the endpoint URL after "@"');
  }
  const k = kind as ProviderKind;
  registerUrlSecrets(baseURL);
  return {
    kind: k,
    model,
    ...(baseURL !== undefined ? { baseURL } : {}),
    endpoint: baseURL ? `${k}@${baseURL}` : k,
    ref,
  };
}
