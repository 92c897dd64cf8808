import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../util/hash.js';
import { countRecords } from './files.js';
import { BENCHMARKS, DATA_FILES, type DataFile, type FileRole, upstreamUrl } from './registry.js';
import { BENCHMARK_IDS, type BenchmarkId } from './types.js';

export interface FileStatus {
  path: string;
  benchmark?: BenchmarkId;
  role: FileRole;
  present: boolean;
  bytes?: number;
  sha256?: string;
  expectedSha256: string;
  /** sha256 equals the published one. */
  ok: boolean;
  records?: number;
  expectedRecords: number;
  /** Why the file is unusable (unreadable, unparseable). */
  error?: string;
}

/** Status of one known file in a data dir (hashes it, counts records when the hash matches or it parses). */
export function fileStatus(dataDir: string, file: DataFile): FileStatus {
  const abs = join(dataDir, file.path);
  const base = {
    path: file.path,
    benchmark: file.benchmark,
    role: file.role,
    expectedSha256: file.sha256,
    expectedRecords: file.records,
  };
  if (!existsSync(abs) || !statSync(abs).isFile()) return { ...base, present: false, ok: false };
  let buf: Buffer;
  try {
    buf = readFileSync(abs);
  } catch (err) {
    return { ...base, present: true, ok: false, error: (err as Error).message };
  }
  const hash = sha256(buf);
  const st: FileStatus = {
    ...base,
    present: true,
    bytes: buf.length,
    sha256: hash,
    ok: hash === file.sha256,
  };
  try {
    st.records = countRecords(file, buf, abs);
  } catch (err) {
    st.error = (err as Error).message;
  }
  return st;
}

/** Every known file's status in a data dir, in registry order. */
export function listData(dataDir: string): FileStatus[] {
  return DATA_FILES.map((f) => fileStatus(dataDir, f));
}

export interface VerifyOptions {
  /** Also treat missing optional files (upstream copies, graded samples) as failures. */
  all?: boolean;
  /** Only these benchmarks' files (default: all). */
  benchmarks?: readonly BenchmarkId[];
}

export interface VerifyProblem {
  path: string;
  reason: 'missing' | 'corrupt' | 'unreadable';
  detail: string;
  /** How to get a good copy. */
  fix: string;
}

export interface VerifyReport {
  dataDir: string;
  ok: boolean;
  /** Fatal problems. */
  problems: VerifyProblem[];
  /** Optional files that are missing (not fatal unless `all`). */
  missingOptional: string[];
  /** Files checked and good. */
  good: string[];
  notes: string[];
}

function fixFor(file: DataFile, dataDir: string): string {
  const url = upstreamUrl(file);
  if (!url) {
    return `extract dataset/gpqa_diamond.csv from the official GPQA dataset.zip (password in docs/datasets.md) to ${join(dataDir, file.path)}, outside any public repository, or use the zip itself`;
  }
  return `run \`maspo data pull --dest ${dataDir}${file.role === 'primary' ? '' : ' --all'}\` (or download ${url}) and keep MASPO_DATA_DIR pointing at ${dataDir}`;
}

/** Checks a data dir against the published checksums. Required: each benchmark's primary file (GPQA: any one of its copies). */
export function verifyData(dataDir: string, opts: VerifyOptions = {}): VerifyReport {
  const wanted = new Set(opts.benchmarks ?? BENCHMARK_IDS);
  const report: VerifyReport = { dataDir, ok: true, problems: [], missingOptional: [], good: [], notes: [] };
  const statuses = new Map<string, FileStatus>();
  const files = DATA_FILES.filter((f) => (f.benchmark ? wanted.has(f.benchmark) : !opts.benchmarks));
  for (const f of files) statuses.set(f.path, fileStatus(dataDir, f));
  const reportMissing = (f: DataFile, detail = 'file not found') =>
    report.problems.push({ path: f.path, reason: 'missing', detail, fix: fixFor(f, dataDir) });

  for (const f of files) {
    const st = statuses.get(f.path)!;
    if (st.present) {
      if (st.error && st.ok) {
        report.problems.push({
          path: f.path,
          reason: 'unreadable',
          detail: st.error,
          fix: fixFor(f, dataDir),
        });
      } else if (!st.ok) {
        report.problems.push({
          path: f.path,
          reason: 'corrupt',
          detail: `sha256 ${st.sha256 ?? '?'} (${st.bytes ?? '?'} bytes), expected ${f.sha256}${st.error ? `; ${st.error}` : ''}`,
          fix: fixFor(f, dataDir),
        });
      } else {
        report.good.push(f.path);
      }
      continue;
    }
    // Missing. Any one GPQA copy is enough: handled below.
    if (f.benchmark === 'gpqa-diamond') continue;
    if (f.role === 'primary' || opts.all) reportMissing(f);
    else report.missingOptional.push(f.path);
  }

  if (wanted.has('gpqa-diamond')) {
    const copies = files.filter((f) => f.benchmark === 'gpqa-diamond');
    const present = copies.filter((f) => statuses.get(f.path)?.present);
    const primary = copies.find((f) => f.role === 'primary')!;
    if (present.length === 0) {
      reportMissing(primary, `no GPQA-Diamond copy found (any of ${copies.map((c) => c.path).join(', ')})`);
    } else {
      for (const f of copies) {
        // an extracted CSV is only an alternative to the zip, never expected
        if (statuses.get(f.path)?.present || !f.source) continue;
        if (opts.all) reportMissing(f);
        else report.missingOptional.push(f.path);
      }
      if (!statuses.get(primary.path)?.present) {
        report.notes.push(
          `GPQA-Diamond will be read from ${present[0]!.path} (options shuffled per item with a fixed seed); ids differ from MASPO's file`,
        );
      }
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** Human summary of where each benchmark's items come from. */
export function benchmarkFiles(): Array<{ id: BenchmarkId; file: string; records: number }> {
  return BENCHMARK_IDS.map((id) => ({ id, file: BENCHMARKS[id].file, records: BENCHMARKS[id].records }));
}
