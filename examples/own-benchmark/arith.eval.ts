import { defineBenchmark } from 'maspo/vitest';

// One Vitest test per item of the test split of `arith`, the benchmark maspo.yaml declares inline from
// arith.jsonl. The system, models and prompts come from the config `maspo eval --config` was given.
defineBenchmark({ benchmark: 'arith', split: 'test' });
