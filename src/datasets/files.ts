import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { sha256 } from '../util/hash.js';
import { parseCsvObjects } from './csv.js';
import { DataError, howToGetData } from './errors.js';
import { DATA_FILES, type DataFile } from './registry.js';

/** Password of the official GPQA dataset.zip, published by its authors in the gpqa README. */
export const GPQA_ZIP_PASSWORD = 'deserted-untie-orchid';
export const GPQA_ZIP_MEMBER = 'dataset/gpqa_diamond.csv';

/**
 * The benchmark data directory: `explicit`, else MASPO_DATA_DIR, else a DataError saying how to set one.
 * Relative paths are resolved against the working directory.
 */
export function resolveDataDir(explicit?: string): string {
  const dir = explicit ?? process.env.MASPO_DATA_DIR;
  if (!dir) {
    throw new DataError(
      'no benchmark data directory: set MASPO_DATA_DIR, pass --data-dir, or set `data.dir` in the config. ' +
        howToGetData(),
    );
  }
  const abs = isAbsolute(dir) ? dir : resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DataError(
      `benchmark data directory ${abs} does not exist or is not a directory. ${howToGetData()}`,
    );
  }
  return abs;
}

export interface ReadOptions {
  /** Check the file's sha256 against the published one (default true; MASPO_DATA_VERIFY=0 turns it off). */
  verify?: boolean;
}

export function verifyEnabled(opt?: boolean): boolean {
  if (opt !== undefined) return opt;
  const env = process.env.MASPO_DATA_VERIFY;
  return !(env === '0' || env === 'false' || env === 'off');
}

export function fileExists(dataDir: string, rel: string): boolean {
  const p = join(dataDir, rel);
  return existsSync(p) && statSync(p).isFile();
}

/** Reads a known data file, failing with a DataError that names it when it is missing or not the published version. */
export function readDataFile(dataDir: string, rel: string, opts: ReadOptions = {}): Buffer {
  const abs = join(dataDir, rel);
  if (!existsSync(abs)) {
    throw new DataError(
      `missing benchmark file ${abs} ('${rel}' in data dir ${dataDir}). ${howToGetData(rel)}`,
      abs,
    );
  }
  let buf: Buffer;
  try {
    buf = readFileSync(abs);
  } catch (err) {
    throw new DataError(
      `cannot read benchmark file ${abs}: ${(err as Error).message}. ${howToGetData(rel)}`,
      abs,
    );
  }
  const known = DATA_FILES.find((f) => f.path === rel);
  if (known && verifyEnabled(opts.verify)) {
    const got = sha256(buf);
    if (got !== known.sha256) {
      throw new DataError(
        `benchmark file ${abs} is corrupt or not the published version: sha256 ${got} (${buf.length} bytes), ` +
          `expected ${known.sha256}. ${howToGetData(rel)} To use a deliberately modified copy anyway, set ` +
          'MASPO_DATA_VERIFY=0.',
        abs,
      );
    }
  }
  return buf;
}

/** Splits JSON Lines into parsed records; a bad line is a DataError naming file:line. */
export function parseJsonl(text: string, abs: string, rel: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new DataError(
        `${abs}:${i + 1}: not valid JSON (${jsonErrorWithoutText((err as Error).message)}); the file is corrupt. ${howToGetData(rel)}`,
        abs,
      );
    }
  }
  return out;
}

/**
 * JSON.parse messages quote a snippet of the input (`Unexpected token 'x', "{"question…" is not valid
 * JSON`); drop it so no dataset text (GPQA!) reaches errors or logs.
 */
export function jsonErrorWithoutText(message: string): string {
  return message.replace(/,?\s*"[\s\S]*"(\.\.\.)?\s+is not valid JSON/, '').replace(/"[\s\S]*"/g, '"…"');
}

/** Reads the GPQA-Diamond CSV member of the official (password-protected) zip, in memory only. */
export function readGpqaZipCsv(buf: Buffer, abs: string): string {
  let data: Buffer | null;
  try {
    const zip = new AdmZip(buf);
    data = zip.readFile(GPQA_ZIP_MEMBER, GPQA_ZIP_PASSWORD);
  } catch (err) {
    throw new DataError(
      `${abs}: cannot open ${GPQA_ZIP_MEMBER} in the zip (${(err as Error).message}). ${howToGetData(
        'gpqa-diamond/upstream/dataset.zip',
      )}`,
      abs,
    );
  }
  if (!data) {
    throw new DataError(
      `${abs}: the zip has no member ${GPQA_ZIP_MEMBER}. ${howToGetData('gpqa-diamond/upstream/dataset.zip')}`,
      abs,
    );
  }
  return data.toString('utf8');
}

/** Number of records in a data file's content, by its format (throws on unparseable content). */
export function countRecords(file: DataFile, buf: Buffer, abs: string): number {
  switch (file.format) {
    case 'jsonl':
      return parseJsonl(buf.toString('utf8'), abs, file.path).length;
    case 'jsonl.gz':
      return parseJsonl(gunzipSync(buf).toString('utf8'), abs, file.path).length;
    case 'json-array': {
      const v = JSON.parse(buf.toString('utf8')) as unknown;
      if (!Array.isArray(v)) throw new DataError(`${abs}: expected a JSON array`, abs);
      return v.length;
    }
    case 'csv':
      return countCsvRows(buf.toString('utf8'));
    case 'gpqa-zip':
      return countCsvRows(readGpqaZipCsv(buf, abs));
  }
}

function countCsvRows(text: string): number {
  return parseCsvObjects(text).length;
}
