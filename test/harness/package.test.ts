import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globalSetup } from '../../src/harness/index.js';

const repo = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string; default: string }>;
  files: string[];
  scripts: Record<string, string>;
};
const build = JSON.parse(readFileSync(resolve(repo, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
  include: string[];
};

/**
 * The published package resolves `maspo/vitest` and `maspo/reporters/*` to compiled `dist/*.js` (Node 20
 * cannot load `.ts` from node_modules); this repository resolves them to the sources (no build step).
 */
describe('package entry points', () => {
  it('each export maps types/import to the build output and default to the source file', () => {
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      if (typeof target === 'string') throw new Error(`${key}: expected conditional exports`);
      expect(Object.keys(target), key).toEqual(['types', 'import', 'default']);
      const src = target.default.replace(/^\.\//, '');
      expect(src.endsWith('.ts'), key).toBe(true);
      const out = `./${build.compilerOptions.outDir}/${src.replace(/\.ts$/, '')}`;
      expect(target.import).toBe(`${out}.js`);
      expect(target.types).toBe(`${out}.d.ts`);
      if (!src.includes('*')) expect(existsSync(resolve(repo, src)), src).toBe(true);
      expect(build.include.some((d) => src.startsWith(`${d}/`))).toBe(true);
    }
    expect(existsSync(resolve(repo, 'reporters/gate.ts'))).toBe(true);
    expect(pkg.files).toEqual(
      expect.arrayContaining(['dist', 'src', 'reporters', 'baselines', 'benchmarks']),
    );
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
  });

  it('the global-setup path matches how the module runs (source here, dist when published)', () => {
    expect(globalSetup.endsWith('/src/harness/setup.ts')).toBe(true);
    expect(existsSync(globalSetup)).toBe(true);
  });
});
