/**
 * Every API key the LLM layer reads is registered here, and every message that leaves the layer
 * (errors, logs, reports) passes through `redactSecrets`, so no key is ever printed or stored.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** Reads an API key from the environment variable `name` and registers it for redaction. */
export function readApiKey(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  registerSecret(value);
  return value;
}
