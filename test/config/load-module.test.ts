import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMaspo } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'maspo-ts-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = `import { agentModel } from './models';
const name: string = 'ts-in-' + 'pkg';
export default { name, benchmark: { id: 'mini', file: 'mini.jsonl', task: 'exact' }, system: { topology: 'sequential' }, models: { agent: agentModel } };
`;

function project(type: string | undefined): string {
  const dir = join(root, type ?? 'untyped');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(type ? { name: 'p', type } : { name: 'p' }));
  writeFileSync(join(dir, 'models.ts'), "export const agentModel: string = 'sim:sim-small';\n");
  writeFileSync(join(dir, 'maspo.config.ts'), CONFIG);
  writeFileSync(join(dir, 'mini.jsonl'), '{"question": "Say yes.", "answer": "yes"}\n');
  return dir;
}

describe('TypeScript configs load whatever the package type', () => {
  // `npm init -y` writes "type": "commonjs"; there a .ts file is CommonJS to Node and tsx, and
  // importing the ESM-only maspo from it failed ("Cannot require() ES Module … in a cycle").
  for (const type of ['commonjs', undefined, 'module']) {
    it(`package type ${type ?? '(none)'}: TS syntax and a relative TS import work; no temp file is left`, async () => {
      const dir = project(type);
      // Through the real CLI: under Vitest a plain import() of a .ts file would work in any package.
      const r = await runMaspo(['data', 'verify', '--config', 'maspo.config.ts', '--json'], dir);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/"id": "mini"/);
      expect(readdirSync(dir).sort()).toEqual(['maspo.config.ts', 'mini.jsonl', 'models.ts', 'package.json']);
    });
  }
});
