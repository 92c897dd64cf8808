/**
 * LLM layer throughput: 2,000 calls through the real OpenAI SDK to a loopback server that answers each
 * request after a fixed 50 ms, at concurrency 32. The ideal wall time is N·L/C; we print the ratio.
 */
import { Worker } from 'node:worker_threads';
import { createLlmClient } from '../src/llm/client.js';

const N = 2_000;
const LATENCY_MS = 50;
const CONCURRENCY = 32;

const SERVER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
let active = 0, peak = 0;
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } });
const server = createServer((req, res) => {
  active++; peak = Math.max(peak, active);
  req.resume();
  req.on('end', () => setTimeout(() => { active--; res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }, workerData.latencyMs));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => { parentPort.postMessage({ peak }); });
`;

export default async function bench(): Promise<void> {
  // The server runs in its own thread so its event loop does not compete with the client's.
  const worker = new Worker(SERVER_SOURCE, { eval: true, workerData: { latencyMs: LATENCY_MS } });
  const port = await new Promise<number>((r) => worker.once('message', (m: { port: number }) => r(m.port)));
  const peakAtServer = () =>
    new Promise<number>((r) => {
      worker.once('message', (m: { peak: number }) => r(m.peak));
      worker.postMessage('peak');
    });
  const model = `openai-compatible:bench@http://127.0.0.1:${port}/v1`;
  const client = createLlmClient({
    cache: { mode: 'off' },
    defaults: { maxConcurrency: CONCURRENCY, maxRetries: 0 },
  });
  // warm-up: SDK import and connection pool
  await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) =>
      client.complete({ model, role: 'agent', messages: [{ role: 'user', content: `warm ${i}` }] }),
    ),
  );
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      client.complete({ model, role: 'agent', messages: [{ role: 'user', content: `question ${i}` }] }),
    ),
  );
  const wall = performance.now() - started;
  const limit = (N * LATENCY_MS) / CONCURRENCY;
  const peak = await peakAtServer();
  await worker.terminate();
  console.log(`calls ${N}, latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY} (peak at server ${peak})`);
  console.log(
    `wall ${wall.toFixed(0)} ms, limit N·L/C ${limit.toFixed(0)} ms, ratio limit/wall ${(limit / wall).toFixed(3)} (target ≥ 0.95)`,
  );
}
