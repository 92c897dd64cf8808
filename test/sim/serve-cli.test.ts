import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../support/data.js';

const BIN = resolve(import.meta.dirname, '../../bin/maspo.js');

/** Starts `maspo sim serve` and resolves once it has printed its URL. */
async function serve(args: string[]) {
  const proc = execa('node', [BIN, 'sim', 'serve', ...args], {
    reject: false,
    env: { MASPO_DATA_DIR: dataDir },
  });
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL printed: ${out}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    proc.catch(fail);
  });
  return { proc, url, out: () => out };
}

const ask = (url: string) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'What is 2 + 2?' }] }),
  });

describe('maspo sim serve (the CLI)', () => {
  it('prints its URL and "simulated model"; --latency-ms and --rate-limit apply; SIGTERM stops it cleanly', async () => {
    const s = await serve(['--port', '0', '--latency-ms', '150', '--rate-limit', '2', '--retry-after', '7']);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(s.out()).toMatch(/simulated model/);
    const t0 = performance.now();
    const r1 = await ask(s.url);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(r1.status).toBe(200);
    expect(((await r1.json()) as { simulated: boolean }).simulated).toBe(true);
    expect((await ask(s.url)).status).toBe(200);
    const r3 = await ask(s.url);
    expect(r3.status).toBe(429);
    expect(Number(r3.headers.get('retry-after'))).toBeGreaterThan(0);
    s.proc.kill('SIGTERM');
    const done = await s.proc;
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toMatch(/simulated model stopped: 3 requests, 2 answered/);
  }, 30_000);

  it('--fault-rate injects the named faults; SIGINT stops it cleanly', async () => {
    const s = await serve(['--port', '0', '--fault-rate', '500=1']);
    expect(s.out()).toMatch(/injected faults: 500=1/);
    expect((await ask(s.url)).status).toBe(500);
    s.proc.kill('SIGINT');
    const done = await s.proc;
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toMatch(/"500":1/);
  }, 30_000);

  it('a bad --fault-rate or --port is a usage error (exit 2) naming the flag', async () => {
    const a = await execa('node', [BIN, 'sim', 'serve', '--fault-rate', 'teapot=0.1'], { reject: false });
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--fault-rate: unknown fault kind "teapot"/);
    const b = await execa('node', [BIN, 'sim', 'serve', '--port', '70000'], { reject: false });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/--port 70000/);
  }, 30_000);
});
