import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256 } from '../../util/hash.js';
import { Prng } from '../../util/prng.js';
import { LlmError } from '../errors.js';
import type { ChatMessage, ProviderCall } from '../types.js';
import { createSimProvider, type SimProvider, type SimProviderOptions } from './index.js';

/**
 * `maspo sim serve`: a loopback OpenAI-compatible chat-completions server backed by the simulated
 * model, with seeded fault injection for performance and reliability tests.
 */

export const FAULT_KINDS = ['429', '500', 'malformed', 'truncated'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface SimServerOptions extends SimProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only by default. */
  host?: string;
  /** Added to every reply. */
  latencyMs?: number;
  /** Requests per minute before answering 429 with Retry-After (sliding 60 s window). */
  rateLimitRpm?: number;
  /** Retry-After (seconds) sent with randomly injected 429s. */
  retryAfterSeconds?: number;
  /** Chance per request of each fault kind. */
  faults?: FaultRates;
  /** Seeds the fault draws (per request number). */
  seed?: number;
  provider?: SimProvider;
}

export interface SimServerStats {
  requests: number;
  ok: number;
  faults: Record<FaultKind | 'rate-limited', number>;
}

export interface SimServer {
  /** Base URL of the API, e.g. http://127.0.0.1:4010/v1 */
  url: string;
  port: number;
  stats: SimServerStats;
  close(): Promise<void>;
}

/** Parses `--fault-rate`: one number (spread evenly over all kinds) or `kind=rate,...`. */
export function parseFaultRates(spec: string): FaultRates {
  const s = spec.trim();
  if (/^[0-9.]+$/.test(s)) {
    const r = Number(s);
    if (!(r >= 0 && r <= 1)) throw new Error(`fault rate must be between 0 and 1, got ${spec}`);
    return Object.fromEntries(FAULT_KINDS.map((k) => [k, r / FAULT_KINDS.length]));
  }
  const out: FaultRates = {};
  for (const part of s.split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (!k || !(FAULT_KINDS as readonly string[]).includes(k))
      throw new Error(`unknown fault kind "${k}" in "${spec}": use ${FAULT_KINDS.join(', ')}`);
    const r = Number(v);
    if (v === undefined || !Number.isFinite(r) || r < 0 || r > 1)
      throw new Error(`fault rate for ${k} must be a number between 0 and 1, got "${v}"`);
    out[k as FaultKind] = r;
  }
  const total = Object.values(out).reduce((a, b) => a + b, 0);
  if (total > 1) throw new Error(`fault rates add up to ${total}, more than 1`);
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

const apiError = (message: string, type: string, code?: string) => ({
  error: { message, type, ...(code ? { code } : {}) },
});

function contentOf(c: unknown): string | null {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    const parts = c.map((p) =>
      p && typeof p === 'object' && (p as { type?: unknown }).type === 'text'
        ? String((p as { text?: unknown }).text ?? '')
        : null,
    );
    return parts.every((p) => p !== null) ? parts.join('') : null;
  }
  return null;
}

/** The chat request body as a provider call, or an error message. */
export function toProviderCall(body: unknown): ProviderCall | string {
  if (!body || typeof body !== 'object') return 'the request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) return '"model" is required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return '"messages" must be a non-empty array';
  const messages: ChatMessage[] = [];
  for (const [i, m] of b.messages.entries()) {
    const role = (m as { role?: unknown })?.role;
    const content = contentOf((m as { content?: unknown })?.content);
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'developer')
      return `messages[${i}].role must be system, user or assistant`;
    if (content === null) return `messages[${i}].content must be a string or text parts`;
    messages.push({ role: role === 'developer' ? 'system' : role, content });
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const maxTokens = num(b.max_completion_tokens) ?? num(b.max_tokens);
  const seed = num(b.seed);
  return {
    model: b.model,
    messages,
    temperature: num(b.temperature) ?? 0,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(seed !== undefined ? { seed } : {}),
    sampleIndex: num(b.sample_index) ?? 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const provider = opts.provider ?? createSimProvider(opts);
  await provider.ready();
  const faults = opts.faults ?? {};
  const seed = opts.seed ?? 0;
  const stamps: number[] = [];
  let counter = 0;
  const stats: SimServerStats = {
    requests: 0,
    ok: 0,
    faults: { '429': 0, '500': 0, malformed: 0, truncated: 0, 'rate-limited': 0 },
  };

  const drawFault = (n: number): FaultKind | null => {
    const u = Prng.from(seed, 'sim-server-fault', n).next();
    let acc = 0;
    for (const k of FAULT_KINDS) {
      acc += faults[k] ?? 0;
      if (u < acc) return k;
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return send(res, 200, {
        object: 'list',
        data: provider.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'maspo-sim' })),
        simulated: true,
      });
    }
    if (path !== '/v1/chat/completions' && path !== '/chat/completions')
      return send(res, 404, apiError(`no route ${req.method} ${url.pathname}`, 'invalid_request_error'));
    if (req.method !== 'POST')
      return send(res, 405, apiError('use POST', 'invalid_request_error'), { allow: 'POST' });

    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const n = counter++;
    stats.requests++;
    if (opts.latencyMs) await sleep(opts.latencyMs);

    if (opts.rateLimitRpm) {
      const now = Date.now();
      while (stamps.length && stamps[0]! <= now - 60_000) stamps.shift();
      if (stamps.length >= opts.rateLimitRpm) {
        stats.faults['rate-limited']++;
        const wait = Math.max(1, Math.ceil((stamps[0]! + 60_000 - now) / 1000));
        return send(
          res,
          429,
          apiError(`simulated rate limit of ${opts.rateLimitRpm} requests per minute`, 'rate_limit_exceeded'),
          { 'retry-after': String(wait) },
        );
      }
      stamps.push(now);
    }

    const fault = drawFault(n);
    if (fault === '429') {
      stats.faults['429']++;
      return send(res, 429, apiError('simulated rate limit (injected fault)', 'rate_limit_exceeded'), {
        'retry-after': String(opts.retryAfterSeconds ?? 1),
      });
    }
    if (fault === '500') {
      stats.faults['500']++;
      return send(res, 500, apiError('simulated server error (injected fault)', 'server_error'));
    }

    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, apiError('the request body is not valid JSON', 'invalid_request_error'));
    }
    if ((body as { stream?: unknown })?.stream === true)
      return send(
        res,
        400,
        apiError('streaming is not supported by the simulated model', 'invalid_request_error'),
      );
    const call = toProviderCall(body);
    if (typeof call === 'string') return send(res, 400, apiError(call, 'invalid_request_error'));

    let result: ReturnType<SimProvider['reply']>;
    try {
      result = provider.reply(call);
    } catch (e) {
      const status = e instanceof LlmError && 'status' in e && typeof e.status === 'number' ? e.status : 500;
      return send(
        res,
        status,
        apiError((e as Error).message, status === 404 ? 'model_not_found' : 'server_error'),
      );
    }
    const completion = {
      id: `chatcmpl-sim-${sha256(`${n}:${result.text}`).slice(0, 24)}`,
      object: 'chat.completion',
      created: 0,
      model: result.model,
      system_fingerprint: 'maspo-simulated-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: result.text, refusal: null },
          finish_reason: result.finishReason,
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: result.usage.inputTokens,
        completion_tokens: result.usage.outputTokens,
        total_tokens: result.usage.inputTokens + result.usage.outputTokens,
      },
      simulated: true,
    };
    if (fault === 'malformed') {
      stats.faults.malformed++;
      // Alternate between a body that is not JSON and JSON without choices.
      if (n % 2 === 0) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('<html><body>502 Bad Gateway (simulated malformed body)</body></html>');
      }
      return send(res, 200, { object: 'chat.completion', model: result.model, simulated: true });
    }
    if (fault === 'truncated') {
      stats.faults.truncated++;
      const text = JSON.stringify(completion);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.destroy();
      return;
    }
    stats.ok++;
    send(res, 200, completion);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent)
        send(res, 500, apiError(`simulated model: ${(e as Error).message}`, 'server_error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
