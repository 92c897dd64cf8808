/** Types the data channels between maspo's tests and reporters (task meta) and its global setup (provide/inject). */
import type { HarnessProvided, ItemResultRecord } from './types.js';

// TaskMeta lives in @vitest/runner (vitest re-exports it); ProvidedContext is vitest's own.
declare module '@vitest/runner' {
  interface TaskMeta {
    maspo?: ItemResultRecord;
  }
}
declare module 'vitest' {
  interface ProvidedContext {
    maspo: HarnessProvided;
  }
}
