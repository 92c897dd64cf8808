import { Prng } from '../util/prng.js';
import { abortError, LlmError, ProviderError, RetriesExhaustedError, TimeoutError } from './errors.js';

export interface EndpointLimits {
  maxConcurrency: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs: number;
  maxRetries: number;
  /** Longest Retry-After (seconds) worth waiting for, default 60; a longer one fails the call at once. */
  maxRetryAfter?: number;
  /** The config field that sets maxRetryAfter, named in the error (e.g. llm.endpoints.openai.maxRetryAfter). */
  maxRetryAfterField?: string;
}

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface AttemptInfo {
  attempt: number;
  signal: AbortSignal;
}

export interface SchedulerEvents {
  /** Called before each retry with the delay chosen and the failure that caused it. */
  onRetry?: (info: { endpoint: string; attempt: number; delayMs: number; error: unknown }) => void;
}

const MINUTE = 60_000;
/** setTimeout's longest delay; a longer one fires at once (Node clamps it to 1 ms), which would spin. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms`, or rejects with the abort's error (see `abortError`) when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Schedules calls to one endpoint: a concurrency cap, optional request and token rate limits, a timeout
 * per attempt, and retries with exponential backoff and jitter that honour Retry-After.
 */
export class EndpointScheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly requestTimes: number[] = [];
  private readonly tokenLog: Array<{ at: number; tokens: number }> = [];
  private readonly jitter: Prng;
  /** Highest number of calls seen in flight at once (for tests and reports). */
  peakConcurrency = 0;

  constructor(
    readonly endpoint: string,
    readonly limits: EndpointLimits,
    private readonly retry: RetryPolicy,
    seed: number,
    private readonly events: SchedulerEvents = {},
  ) {
    this.jitter = Prng.from(seed, endpoint);
  }

  /**
   * Runs `attempt` under the limits, retrying retryable failures. `estimatedTokens` feeds the
   * tokens-per-minute limit before the call; `tokensOf` reports the real count after it.
   */
  async run<T>(
    attempt: (info: AttemptInfo) => Promise<T>,
    options: { signal?: AbortSignal; estimatedTokens?: number; tokensOf?: (result: T) => number } = {},
  ): Promise<T> {
    const { signal } = options;
    let last: unknown;
    const attempts = this.limits.maxRetries + 1;
    for (let i = 0; i < attempts; i++) {
      if (signal?.aborted) throw abortError(signal);
      if (this.active < this.limits.maxConcurrency && this.waiting.length === 0) this.take();
      else await this.acquire(signal);
      let result: T;
      try {
        const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits;
        if (rpm !== undefined || tpm !== undefined) {
          await this.waitForRate(options.estimatedTokens ?? 0, signal);
        }
        if (rpm !== undefined) this.requestTimes.push(Date.now());
        result = await this.withTimeout(attempt, i, signal);
      } catch (err) {
        this.release();
        last = err;
        if (signal?.aborted) throw abortError(signal);
        if (!(err instanceof LlmError) || !err.retryable) break;
        this.refuseLongRetryAfter(err);
        if (i === attempts - 1) break;
        const delayMs = this.delayFor(i, err);
        this.events.onRetry?.({ endpoint: this.endpoint, attempt: i + 1, delayMs, error: err });
        await sleep(delayMs, signal);
        continue;
      }
      this.release();
      if (options.tokensOf && this.limits.tokensPerMinute !== undefined)
        this.tokenLog.push({ at: Date.now(), tokens: options.tokensOf(result) });
      return result;
    }
    if ((last instanceof LlmError && !last.retryable) || attempts === 1) throw last;
    throw new RetriesExhaustedError(Math.min(attempts, this.limits.maxRetries + 1), last);
  }

  /** A server asking to wait longer than maxRetryAfter fails the call now, naming the wait it asked for. */
  private refuseLongRetryAfter(err: LlmError): void {
    if (!(err instanceof ProviderError) || err.retryAfterSeconds === undefined) return;
    const asked = err.retryAfterSeconds;
    const cap = this.limits.maxRetryAfter ?? 60;
    if (asked <= cap) return;
    const field = this.limits.maxRetryAfterField ?? 'llm.endpoints.<name>.maxRetryAfter';
    throw new ProviderError(
      `${this.endpoint}: the server asked to retry after ${formatWait(asked)} (Retry-After), longer than the ${formatWait(cap)} allowed by ${field}; the call failed without waiting. Try again later, or raise ${field}. (${err.message})`,
      {
        ...(err.status !== undefined ? { status: err.status } : {}),
        retryable: false,
        retryAfterSeconds: asked,
        cause: err,
      },
    );
  }

  private delayFor(attemptIndex: number, err: LlmError): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attemptIndex);
    const jittered = exp * (0.5 + 0.5 * this.jitter.next());
    const asked =
      err instanceof ProviderError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
    return Math.max(jittered, asked);
  }

  private async withTimeout<T>(
    attempt: (info: AttemptInfo) => Promise<T>,
    index: number,
    outer?: AbortSignal,
  ) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new TimeoutError(this.limits.timeoutMs));
        reject(new TimeoutError(this.limits.timeoutMs));
      }, this.limits.timeoutMs);
    });
    try {
      return await Promise.race([attempt({ attempt: index, signal: controller.signal }), timeout]);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    while (this.active >= this.limits.maxConcurrency) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(abortError(signal!));
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    this.take();
  }

  private take(): void {
    this.active++;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.active);
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private async waitForRate(estimatedTokens: number, signal?: AbortSignal): Promise<void> {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits;
    for (;;) {
      const now = Date.now();
      while (this.requestTimes.length && this.requestTimes[0]! <= now - MINUTE) this.requestTimes.shift();
      while (this.tokenLog.length && this.tokenLog[0]!.at <= now - MINUTE) this.tokenLog.shift();
      let waitMs = 0;
      if (rpm !== undefined && this.requestTimes.length >= rpm) {
        waitMs = Math.max(waitMs, this.requestTimes[0]! + MINUTE - now);
      }
      if (tpm !== undefined && this.tokenLog.length > 0) {
        const used = this.tokenLog.reduce((s, e) => s + e.tokens, 0);
        if (used + estimatedTokens > tpm) waitMs = Math.max(waitMs, this.tokenLog[0]!.at + MINUTE - now);
      }
      if (waitMs <= 0) return;
      await sleep(waitMs, signal);
    }
  }
}

/** A wait in seconds for messages: `3600 s (1 h)`, `45 s`. */
export function formatWait(seconds: number): string {
  const s = `${seconds >= 10 ? Math.round(seconds) : Math.round(seconds * 10) / 10} s`;
  if (seconds >= 86_400) return `${s} (${Math.round(seconds / 86_400).toLocaleString('en-US')} days)`;
  if (seconds >= 3600) return `${s} (${(seconds / 3600).toFixed(1)} h)`;
  if (seconds >= 120) return `${s} (${(seconds / 60).toFixed(1)} min)`;
  return s;
}
