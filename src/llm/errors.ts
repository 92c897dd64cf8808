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
