/**
 * Every API key the LLM layer reads is registered here, and every message that leaves the layer
 * (errors, logs, reports) passes through `redactSecrets`, so no key is ever printed or stored.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** The prefixes of provider API keys (OpenAI, Google, Anthropic-style, xAI, Groq) and their body. */
const KEY_SHAPE = '(?:sk-|AIza|sk_|xai-|gsk_)[A-Za-z0-9_-]{8,}';
/** A string that is, as a whole, shaped like an API key. */
export const KEY_VALUE = new RegExp(`^${KEY_SHAPE}`);
/** API-key-shaped strings inside free text (a model's reply, an error message). */
const KEY_IN_TEXT = new RegExp(`(?<![A-Za-z0-9_-])${KEY_SHAPE}`, 'g');
/** Query parameters of a URL that carry credentials (`?key=`, `?api-key=`, `&access_token=`, `&sig=` …). */
const SECRET_PARAM =
  /([?&](?:[A-Za-z0-9_.-]*(?:key|token|secret|sig|signature|password|auth|credential)[A-Za-z0-9_.-]*)=)([^&#\s"'<>]+)/gi;

/** Replaces every registered secret, every credential in a URL's query string and every key-shaped string. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out.replace(SECRET_PARAM, '$1[redacted]').replace(KEY_IN_TEXT, '[redacted]');
}

/**
 * Registers the credentials in a base URL's query string (`https://proxy/v1?key=…`), so messages that
 * quote them in another form (an SDK's error, a percent-decoded URL) are redacted too.
 */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  for (const m of url.matchAll(SECRET_PARAM)) {
    registerSecret(m[2]);
    try {
      registerSecret(decodeURIComponent(m[2]!));
    } catch {
      // not percent-encoded
    }
  }
}

/** Reads an API key from the environment variable `name` and registers it for redaction. */
export function readApiKey(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  registerSecret(value);
  return value;
}
