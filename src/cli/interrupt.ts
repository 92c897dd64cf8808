import { setMaxListeners } from 'node:events';
import { InterruptedError } from '../llm/errors.js';

export interface CtrlC {
  /** Aborted with an `InterruptedError(message)` on Ctrl-C (or with `link`'s reason when it aborts). */
  signal: AbortSignal;
  /** Removes the SIGINT handler (and the link); call it in a `finally`. */
  dispose(): void;
}

/**
 * Turns Ctrl-C into an abort every layer recognises, with the message the CLI prints instead of a stack.
 * Every call in flight listens on the signal, so the listener cap is lifted (no MaxListeners warning).
 */
export function abortOnCtrlC(message: string, link?: AbortSignal): CtrlC {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onSigint = () => controller.abort(new InterruptedError(message));
  const onLink = () => controller.abort(link?.reason);
  if (link?.aborted) onLink();
  link?.addEventListener('abort', onLink, { once: true });
  process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', onSigint);
      link?.removeEventListener('abort', onLink);
    },
  };
}
