import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { chatCompletion, json, startLoopback } from '../support/loopback.js';

const root = resolve(import.meta.dirname, '../..');

describe('response cache across processes', () => {
  const serverP = startLoopback((_r, res) => json(res, 200, chatCompletion('from the server')));
  afterAll(async () => (await serverP).close());

  it('a second process gets a cache hit and makes no call; concurrent writers leave valid entries', async () => {
    const server = await serverP;
    const dir = mkdtempSync(join(tmpdir(), 'maspo-xproc-'));
    const script = join(dir, 'call.mts');
    writeFileSync(
      script,
      `import { createLlmClient } from ${JSON.stringify(join(root, 'src/llm/client.ts'))};
const c = createLlmClient({ endpoints: { openai: { apiKeyEnv: 'K', baseURL: process.argv[2] } }, cache: { mode: 'read-write', dir: process.argv[3] } }, { env: { K: 'sk-xproc-0000000000' } });
const rs = await Promise.all([0, 1, 2].map((i) => c.complete({ model: 'openai:gpt-4o-mini', role: 'agent', messages: [{ role: 'user', content: 'same question ' + i }] })));
console.log(JSON.stringify({ cached: rs.map((r) => r.cached), usage: c.usage().total }));
`,
    );
    // async on purpose: the loopback server lives in this process and must keep serving
    const run = async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', script, `${server.url}/v1`, join(dir, 'cache')],
        { cwd: root, encoding: 'utf8' },
      );
      return JSON.parse(stdout) as { cached: boolean[]; usage: { calls: number; cacheHits: number } };
    };
    const first = await run();
    expect(first.cached).toEqual([false, false, false]);
    const second = await run();
    expect(second.cached).toEqual([true, true, true]);
    expect(second.usage).toMatchObject({ calls: 0, cacheHits: 3 });
    expect(server.requests).toHaveLength(3);
    const log = readFileSync(join(dir, 'cache', 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((l) => l.event === 'store')).toHaveLength(3);
    expect(log.filter((l) => l.event === 'hit')).toHaveLength(3);
  });
});
