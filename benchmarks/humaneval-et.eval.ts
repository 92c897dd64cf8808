import { defineBenchmark } from 'maspo/vitest';

// One Vitest test per item of the humaneval-et test split. The system, models and prompts come from the config
// `maspo eval --config` was given (default: maspo.config.yaml); see docs/harness.md.
defineBenchmark({ benchmark: 'humaneval-et', split: 'test' });
