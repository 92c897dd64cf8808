import { redactSecrets } from './secrets.js';

/**
 * Typed failures of the LLM layer. Callers count these apart from wrong answers: a failed call is an
 * error in every report, never a wrong answer.
 */

export class LlmError extends Error {
  override name = 'LlmError';
  /** Whether retrying the same request may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** The provider answered with an error status or an unusable body. */
export class ProviderError extends LlmError {
  override name = 'ProviderError';
  readonly status: number | undefined;
  /** Seconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    options: { status?: number; retryable: boolean; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, options);
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Connection errors that mean the endpoint cannot be reached at all (not a hiccup of one request). */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there: start the server, or fix the host and port in the base URL',
  ENOTFOUND: 'the host name does not resolve: check its spelling in the base URL, and your DNS or network',
  EAI_AGAIN: 'the host name could not be resolved (DNS unavailable): check your network and DNS',
  EHOSTUNREACH: 'no route to the host: check your network, VPN or proxy',
  ENETUNREACH: 'the network is unreachable: check your connection, VPN or proxy',
  EADDRNOTAVAIL: 'the address is not available on this machine: check the host in the base URL',
};

/** The code of a connection error that means "unreachable", found on `err` or any of its causes. */
export function unreachableCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code in UNREACHABLE) return code;
    // AggregateError (happy eyeballs: one error per address tried)
    const inner = (cur as { errors?: unknown[] }).errors;
    if (Array.isArray(inner)) {
      const found = inner.map(unreachableCode).find((c) => c !== undefined);
      if (found) return found;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The endpoint cannot be reached (connection refused, unknown host, no route). Not retried and fatal
 * for the command: every later call would fail the same way, so it stops at the first one (exit 2)
 * instead of reporting every item as an error.
 */
export class EndpointUnreachableError extends LlmError {
  override name = 'EndpointUnreachableError';
  readonly fatal = true;
  constructor(
    readonly endpoint: string,
    /** `host:port` that was tried. */
    readonly address: string,
    readonly code: string,
  ) {
    super(
      redactSecrets(
        `${endpoint}: cannot connect to ${address} (${code}): ${UNREACHABLE[code] ?? 'check the base URL and your network'}`,
      ),
      {
        retryable: false,
      },
    );
  }
}

/** `host:port` of a base URL (or of the provider's default URL). */
export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    // URL keeps an IPv6 host in brackets already.
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return url;
  }
}

/** Errors after which the command stops at once (the endpoint is unreachable): never an item error. */
export function isFatalLlmError(err: unknown): boolean {
  return err instanceof LlmError && (err as { fatal?: boolean }).fatal === true;
}

export class TimeoutError extends LlmError {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`the model call did not finish within ${ms} ms (llm.timeoutMs)`, { retryable: true });
  }
}

/** Every retry failed; `cause` is the last failure. */
export class RetriesExhaustedError extends LlmError {
  override name = 'RetriesExhaustedError';
  readonly attempts: number;
  constructor(attempts: number, last: unknown) {
    super(
      `the model call failed after ${attempts} attempts: ${last instanceof Error ? last.message : String(last)}`,
      {
        retryable: false,
        cause: last,
      },
    );
    this.attempts = attempts;
  }
}

export class CacheMissError extends LlmError {
  override name = 'CacheMissError';
  constructor(description: string) {
    super(
      `cache miss in replay mode for ${description}; run once with llm.cache.mode: read-write (or --cache read-write) to record it`,
      { retryable: false },
    );
  }
}

export class AbortedError extends LlmError {
  override name = 'AbortedError';
  constructor() {
    super('the model call was cancelled', { retryable: false });
  }
}

/**
 * The user stopped the run (Ctrl-C). Used as an AbortSignal's reason so every layer recognises it as an
 * abort (its name is the standard `AbortError`) and the CLI prints its message, not a stack.
 */
export class InterruptedError extends Error {
  override name = 'AbortError';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * What to throw when `signal` has aborted: its reason when that is an Error (the user's InterruptedError
 * with its message, a TimeoutError), else an AbortedError.
 */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortedError();
}

export function isAbort(err: unknown): boolean {
  return err instanceof AbortedError || (err instanceof Error && err.name === 'AbortError');
}
