import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '../../src/config/index.js';
import { preflightConfig } from '../../src/config/preflight.js';
import { countNodes, MAX_CONFIG_BYTES } from '../../src/util/bounds.js';

const dir = mkdtempSync(join(tmpdir(), 'maspo-failfast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string, ext = 'yaml') => {
  const f = join(dir, `c${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
};
async function problems(f: string): Promise<InvalidConfigError> {
  const err = await loadConfig(f).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidConfigError);
  return err as InvalidConfigError;
}

const BASE = `benchmark: math500
system:
  topology: sequential
models:
  agent: sim:sim-small
`;

describe('did you mean, for unknown fields at every depth', () => {
  it('top level, system, llm.cache and an inline benchmark', async () => {
    const err = await problems(
      file(`optimise: {}
benchmarks:
  - { id: mine, fille: data.jsonl, task: exact }
system:
  topology: sequential
  round: 2
models:
  agent: sim:sim-small
llm:
  cache: { mdoe: off }
`),
    );
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i.message]));
    expect(byPath['']).toMatch(/unknown field "optimise"\. Fix: did you mean "optimize"\?/);
    expect(byPath.system).toMatch(/unknown field "round"\. Fix: did you mean "rounds"\?/);
    expect(byPath['llm.cache']).toMatch(/unknown field "mdoe"\. Fix: did you mean "mode"\?/);
    expect(byPath['benchmarks[0]']).toMatch(/unknown field "fille"\. Fix: did you mean "file"\?/);
    expect(err.message).toContain('(line 6)'); // system.round's line
  });

  it('a name nowhere near a field gets no guess', async () => {
    const err = await problems(file(`${BASE}zzzzqqq: 1\n`));
    expect(err.issues[0]!.message).toBe('unknown field "zzzzqqq". Fix: remove it or check the spelling');
  });
});

describe('model references are checked with the fields, in one list', () => {
  it('an unknown simulated model gets the closest name', async () => {
    const err = await problems(file(BASE.replace('sim-small', 'sim-smal')));
    expect(err.issues).toEqual([
      {
        path: 'models.agent',
        line: 5,
        message: expect.stringMatching(/^unknown simulated model sim-smal; did you mean sim-small\?/),
      },
    ]);
  });

  it('a field problem and a model problem are reported together', async () => {
    const err = await problems(
      file(`${BASE.replace('sim-small', 'sim-smal').replace('sequential', 'sequential\n  round: 2')}`),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(['models.agent', 'system']);
  });
});

describe('preflight: API keys the endpoints need', () => {
  it('names the missing variable and the models needing it; nothing when set or replaying', async () => {
    const config = await loadConfig(
      file(`benchmark: math500
system: { topology: sequential }
models:
  agent: openai-compatible:qwen@http://127.0.0.1:1/v1
  judge: openai:gpt-4o-mini
llm:
  endpoints:
    openai-compatible: { apiKeyEnv: MY_PROXY_KEY }
`),
    );
    const err = (() => {
      try {
        preflightConfig(config, { env: {} });
      } catch (e) {
        return e as InvalidConfigError;
      }
      throw new Error('preflight passed without keys');
    })();
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect(err.issues).toHaveLength(2);
    expect(err.message).toContain('MY_PROXY_KEY (llm.endpoints.openai-compatible.apiKeyEnv)');
    expect(err.message).toContain('OPENAI_API_KEY (the openai default)');
    expect(() => preflightConfig(config, { env: { MY_PROXY_KEY: 'x', OPENAI_API_KEY: 'y' } })).not.toThrow();
    expect(() => preflightConfig(config, { env: {}, needsKeys: false })).not.toThrow();
  });

  it('an openai-compatible endpoint without apiKeyEnv needs no key (local servers)', async () => {
    const config = await loadConfig(
      file(BASE.replace('sim:sim-small', 'openai-compatible:m@http://127.0.0.1:1/v1')),
    );
    expect(() => preflightConfig(config, { env: {} })).not.toThrow();
  });
});

describe('YAML bombs and huge files', () => {
  const bomb = () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
    lines.push('name: *a9');
    return `${lines.join('\n')}\n`;
  };

  it('a billion-laughs config is refused, naming the file, before it is walked', async () => {
    const f = file(bomb());
    const err = await problems(f);
    expect(err.message).toMatch(
      new RegExp(
        `^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the config expands to more than 100,000 values`,
      ),
    );
  });

  it('a TS config that builds the same expansion in code is refused too', async () => {
    const f = file(
      'let a: unknown = ["lol","lol","lol","lol","lol","lol","lol","lol","lol"];\nfor (let i = 0; i < 9; i++) a = Array(9).fill(a);\nexport default { name: a };\n',
      'ts',
    );
    expect((await problems(f)).message).toContain('expands to more than 100,000 values');
  });

  it('a file larger than the size bound is refused without being read', async () => {
    const f = file(`${BASE}# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect((await problems(f)).message).toMatch(/the file is 5\.0 MB, more than a config may be \(5 MB\)/);
  });

  it('countNodes counts each alias use and stops at the limit', () => {
    const leaf = [1, 2, 3];
    expect(countNodes({ a: leaf, b: leaf })).toBe(9);
    let big: unknown = leaf;
    for (let i = 0; i < 30; i++) big = [big, big];
    expect(countNodes(big, 1000)).toBe(1001);
  });
});
