/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or those named on the command line) in turn.
 * Each module's default export prints its own figures. Speed targets live here, never in `npm test`.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';

const dir = new URL('./', import.meta.url);
// Flags (`--quick`, `--tables=…`) are for the modules; the other arguments pick modules by name.
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

for (const file of files) {
  process.stdout.write(`\n=== ${basename(file, '.bench.ts')} ===\n`);
  const mod = (await import(new URL(file, dir).href)) as { default: () => Promise<void> };
  await mod.default();
}
