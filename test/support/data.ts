import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The benchmark data directory for tests: MASPO_DATA_DIR, else the shared copy beside the checkout.
 * Tests that need real data fail loudly when it is missing rather than passing vacuously.
 */
export const dataDir: string = resolve(
  process.env.MASPO_DATA_DIR ?? resolve(import.meta.dirname, '../../../shared/datasets'),
);

export function requireDataDir(): string {
  if (!existsSync(resolve(dataDir, 'math500/math_500.jsonl'))) {
    throw new Error(`benchmark data not found in ${dataDir}: set MASPO_DATA_DIR to the datasets folder`);
  }
  return dataDir;
}
