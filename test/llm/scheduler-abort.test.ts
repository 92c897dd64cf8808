import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/llm/errors.js';
import { EndpointScheduler, sleep } from '../../src/llm/scheduler.js';

describe('scheduler cancellation', () => {
  it('rejects running, queued and sleeping work with the abort reason (the Ctrl-C message), not a generic error', async () => {
    const s = new EndpointScheduler(
      'test',
      { maxConcurrency: 1, timeoutMs: 10_000, maxRetries: 0 },
      { baseDelayMs: 1, maxDelayMs: 1 },
      0,
    );
    const ac = new AbortController();
    const running = s.run(({ signal }) => sleep(5_000, signal), { signal: ac.signal });
    const queued = s.run(() => Promise.resolve('never'), { signal: ac.signal });
    const napping = sleep(5_000, ac.signal);
    const reason = new InterruptedError('interrupted (Ctrl-C); continue with --resume');
    ac.abort(reason);
    await expect(running).rejects.toBe(reason);
    await expect(queued).rejects.toBe(reason);
    await expect(napping).rejects.toBe(reason);
    await expect(s.run(() => Promise.resolve(1), { signal: ac.signal })).rejects.toBe(reason);
  });
});
