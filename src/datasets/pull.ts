import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { DATA_FILES, type DataFile, upstreamUrl } from './registry.js';
import type { BenchmarkId } from './types.js';

export const DEFAULT_BASE_URL = 'https://raw.githubusercontent.com';
/** Refuse bodies larger than this (the largest known file is ~2.3 MB). */
const MAX_BYTES = 64 * 1024 * 1024;

export interface PullOptions {
  dest: string;
  /** Replaces https://raw.githubusercontent.com (mirrors that keep the `<owner>/<repo>/<commit>/<path>` layout, tests). */
  baseUrl?: string;
  /** Every downloadable file (upstream copies, graded samples), not only what the loaders read. */
  all?: boolean;
  benchmarks?: readonly BenchmarkId[];
  /** Download even when a good copy is already there. */
  force?: boolean;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Attempts per file on network errors and 5xx (default 2). */
  attempts?: number;
  fetch?: typeof fetch;
  onFile?: (r: PullResult) => void;
}

export interface PullResult {
  path: string;
  url: string;
  status: 'downloaded' | 'present' | 'failed';
  bytes?: number;
  error?: string;
}

/** The files `maspo data pull` fetches for the given options. */
export function pullSelection(opts: Pick<PullOptions, 'all' | 'benchmarks'>): DataFile[] {
  return DATA_FILES.filter((f) => {
    if (!f.source || !f.upstreamPath) return false;
    if (opts.benchmarks && (!f.benchmark || !opts.benchmarks.includes(f.benchmark))) return false;
    return opts.all ? true : f.role === 'primary';
  });
}

class PullError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

async function download(url: string, file: DataFile, opts: PullOptions): Promise<Buffer> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000), redirect: 'follow' });
  } catch (err) {
    throw new PullError(`request failed: ${(err as Error).message}`, true);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new PullError(
      `HTTP ${res.status} ${res.statusText}`.trim(),
      res.status >= 500 || res.status === 429,
    );
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BYTES) throw new PullError(`response too large (${declared} bytes)`, false);
  let buf: Buffer;
  try {
    buf = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new PullError(`download interrupted: ${(err as Error).message}`, true);
  }
  if (buf.length > MAX_BYTES) throw new PullError(`response too large (${buf.length} bytes)`, false);
  const got = sha256(buf);
  if (got !== file.sha256) {
    const lfs = buf.subarray(0, 60).toString('utf8').startsWith('version https://git-lfs');
    throw new PullError(
      `checksum mismatch: got sha256 ${got} (${buf.length} bytes), expected ${file.sha256}` +
        (lfs ? ' (the server returned a Git LFS pointer, not the file)' : '') +
        '; nothing was written',
      false,
    );
  }
  return buf;
}

/**
 * Downloads benchmark files from their pinned upstream commits into `dest`, verifying each file's
 * sha256 before an atomic rename into place (a bad or partial download never replaces anything).
 * Files already present with the right checksum are left alone unless `force`.
 */
export async function pullData(opts: PullOptions): Promise<PullResult[]> {
  const results: PullResult[] = [];
  const base = opts.baseUrl ?? DEFAULT_BASE_URL;
  for (const file of pullSelection(opts)) {
    const url = upstreamUrl(file, base)!;
    const target = join(opts.dest, file.path);
    let result: PullResult;
    if (!opts.force && existsSync(target) && sha256(readFileSync(target)) === file.sha256) {
      result = { path: file.path, url, status: 'present' };
    } else {
      const attempts = Math.max(1, opts.attempts ?? 2);
      result = { path: file.path, url, status: 'failed', error: 'not attempted' };
      for (let a = 1; a <= attempts; a++) {
        try {
          const buf = await download(url, file, opts);
          await writeFileAtomic(target, buf);
          result = { path: file.path, url, status: 'downloaded', bytes: buf.length };
          break;
        } catch (err) {
          const retry = err instanceof PullError && err.retryable && a < attempts;
          result = { path: file.path, url, status: 'failed', error: (err as Error).message };
          if (!retry) break;
        }
      }
    }
    results.push(result);
    opts.onFile?.(result);
  }
  return results;
}
