import http from 'node:http';
import https from 'node:https';

/**
 * A `fetch` for the provider SDKs built on node:http(s) with keep-alive agents. Node 20's built-in fetch
 * costs about 0.4 ms more CPU per request, which at high concurrency is what keeps the scheduler from
 * reaching the endpoint's latency bound (see bench/llm.bench.ts). Plain request/response only: the SDKs
 * use nothing else here (no streaming, no redirects to follow for the JSON APIs).
 */
export function createHttpFetch(maxSockets = 256): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return ((input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const protocol = url.protocol as 'http:' | 'https:';
      const agent = agents[protocol];
      if (!agent) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      const request = (protocol === 'https:' ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          // Buffered, not a web stream: the JSON bodies are small and Readable.toWeb costs more than the read.
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('the response was cut off')));
          res.on('end', () => {
            const out = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (value !== undefined) out.set(key, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = res.statusCode ?? 0;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: out }));
          });
        },
      );
      request.on('error', reject);
      const body = init.body;
      if (body === undefined || body === null) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else reject(new TypeError('createHttpFetch: only string or byte request bodies are supported'));
    })) as typeof fetch;
}
