import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a TypeScript/JavaScript config module. A `.ts` config in a package that is not
 * `"type": "module"` (what `npm init -y` makes) would be loaded as CommonJS, where importing the ESM-only
 * `maspo` fails; such a config is compiled to ESM with esbuild (its relative imports bundled in, packages
 * left to Node) into a temporary `.mjs` beside it, imported, and the file removed — as Vite does for
 * `vite.config.ts`. Everything else is imported as it is.
 */
export async function importConfigModule(path: string): Promise<{ default?: unknown; config?: unknown }> {
  if (!path.endsWith('.ts') || packageTypeOf(dirname(path)) === 'module') {
    return (await import(pathToFileURL(path).href)) as { default?: unknown; config?: unknown };
  }
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [path],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.mjs`);
  writeFileSync(tmp, out.outputFiles[0]!.text);
  try {
    return (await import(pathToFileURL(tmp).href)) as { default?: unknown; config?: unknown };
  } finally {
    unlinkSync(tmp);
  }
}

/** The `type` of the nearest package.json above `dir` ("commonjs" when none says otherwise). */
function packageTypeOf(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type ?? 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dirname(d) === d) return 'commonjs';
  }
}
