/** Types the data channels between maspo's tests and reporters (task meta) and its global setup (provide/inject). */
import type { SuiteShardInfo } from './shard.js';
import type { HarnessProvided, ItemResultRecord } from './types.js';

// TaskMeta lives in @vitest/runner (vitest re-exports it); ProvidedContext is vitest's own.
declare module '@vitest/runner' {
  interface TaskMeta {
    maspo?: ItemResultRecord;
    /** On a suite of a sharded run: which of its items this shard ran. */
    maspoShard?: SuiteShardInfo;
    /** On an item's test: the error that makes the whole run unusable (an unreachable endpoint). */
    maspoFatal?: string;
  }
}
declare module 'vitest' {
  interface ProvidedContext {
    maspo: HarnessProvided;
  }
}
