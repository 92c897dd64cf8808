import type { BenchmarkId, TaskType } from './types.js';

/** A public repository at a pinned commit that data files are downloaded from. */
export interface DataSource {
  key: string;
  repo: string;
  commit: string;
  licence: string;
}

export const SOURCES = {
  MASPO: {
    key: 'MASPO',
    repo: 'wangzx1219/MASPO',
    commit: 'e79aa8ea00b14c1a28f5c13500676459456a3670',
    licence: 'no licence file in the repository; upstream data licences per benchmark (see docs/datasets.md)',
  },
  GPQA: {
    key: 'GPQA',
    repo: 'jacobmcc-ax/gpqa-enhanced',
    commit: '4bc42dce634b6529a391ca50e41f33c1cf127d5a',
    licence: 'data CC BY 4.0 (do not reveal questions in plain text online); code MIT',
  },
  MapCoder: {
    key: 'MapCoder',
    repo: 'Md-Ashraful-Pramanik/MapCoder',
    commit: '0027da71030b441cca2bc6f95def86b9aa5c7dea',
    licence: 'MIT',
  },
  HumanEval: {
    key: 'HumanEval',
    repo: 'openai/human-eval',
    commit: '6d43fb980f9fee3c892a914eda09951f772ad10d',
    licence: 'MIT',
  },
  AQuA: {
    key: 'AQuA',
    repo: 'deepmind/AQuA',
    commit: '26b64ed1f22208c6742f47df547dfd65088ec30d',
    licence: 'Apache-2.0',
  },
  AGIEval: {
    key: 'AGIEval',
    repo: 'ruixiangcui/AGIEval',
    commit: '5c77d073fda993f1652eaae3cf5d04cc5fd21d40',
    licence: 'MIT (MATH part MIT)',
  },
} as const satisfies Record<string, DataSource>;

export type SourceKey = keyof typeof SOURCES;

/** How a file's records are counted. */
export type FileFormat = 'jsonl' | 'json-array' | 'jsonl.gz' | 'gpqa-zip' | 'csv';

/**
 * primary: the file a loader reads (required for that benchmark);
 * alternative: another copy a loader can read instead (e.g. GPQA's upstream zip);
 * upstream: an original-author release kept for cross-checks; samples: graded model outputs.
 */
export type FileRole = 'primary' | 'alternative' | 'upstream' | 'samples';

export interface DataFile {
  /** Path relative to the data directory (POSIX separators). */
  path: string;
  benchmark?: BenchmarkId;
  role: FileRole;
  format: FileFormat;
  records: number;
  sha256: string;
  /** Where `maspo data pull` gets it; null for files that are not downloadable on their own. */
  source: SourceKey | null;
  /** Path inside the source repository at its pinned commit. */
  upstreamPath: string | null;
}

/** Every known data file, with the sha256 and record count of the published version. */
export const DATA_FILES: readonly DataFile[] = [
  {
    path: 'math500/math_500.jsonl',
    benchmark: 'math500',
    role: 'primary',
    format: 'jsonl',
    records: 500,
    sha256: '35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132',
    source: 'MASPO',
    upstreamPath: 'dataset/math-500/math_500.jsonl',
  },
  {
    path: 'gpqa-diamond/gpqa_diamond.jsonl',
    benchmark: 'gpqa-diamond',
    role: 'primary',
    format: 'jsonl',
    records: 198,
    sha256: '107b29dec2e1bd0094f75051b20e849f31d1c24f65dbf0db4a78d9468bb5f303',
    source: 'MASPO',
    upstreamPath: 'dataset/gpqa/gpqa_diamond.jsonl',
  },
  {
    path: 'gpqa-diamond/upstream/dataset.zip',
    benchmark: 'gpqa-diamond',
    role: 'alternative',
    format: 'gpqa-zip',
    records: 198,
    sha256: '461ae7329f15a3e35f8184d2dac24b990f34fdf12f366ca4062d8e6638cd08dc',
    source: 'GPQA',
    upstreamPath: 'dataset.zip',
  },
  {
    // The member dataset/gpqa_diamond.csv of the zip above, for users who keep an extracted copy
    // (outside any public repository). Not downloadable on its own.
    path: 'gpqa-diamond/gpqa_diamond.csv',
    benchmark: 'gpqa-diamond',
    role: 'alternative',
    format: 'csv',
    records: 198,
    sha256: '41d1213cd7a4998605a26c2798500652572007161b3a92817ba46b35befcd305',
    source: null,
    upstreamPath: null,
  },
  {
    path: 'mbpp/sanitized-mbpp.jsonl',
    benchmark: 'mbpp',
    role: 'primary',
    format: 'jsonl',
    records: 427,
    sha256: '7a76be064e2b9ca27ccb80896caadb253ff911343acc61eb4870968e2ec88350',
    source: 'MASPO',
    upstreamPath: 'dataset/mbpp/sanitized-mbpp.jsonl',
  },
  {
    path: 'mbpp/upstream/mbpp.jsonl',
    benchmark: 'mbpp',
    role: 'upstream',
    format: 'jsonl',
    records: 974,
    sha256: 'ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f',
    source: 'MapCoder',
    upstreamPath: 'data/MBPPEval/MBPP.jsonl',
  },
  {
    path: 'mbpp/upstream/sanitized-mbpp.json',
    benchmark: 'mbpp',
    role: 'upstream',
    format: 'json-array',
    records: 427,
    sha256: 'ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9',
    source: 'MASPO',
    upstreamPath: 'dataset/mbpp/sanitized-mbpp.json',
  },
  {
    path: 'humaneval/HumanEval.jsonl.gz',
    role: 'upstream',
    format: 'jsonl.gz',
    records: 164,
    sha256: 'b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef',
    source: 'HumanEval',
    upstreamPath: 'data/HumanEval.jsonl.gz',
  },
  {
    path: 'humaneval/example_problem.jsonl',
    role: 'upstream',
    format: 'jsonl',
    records: 1,
    sha256: '701442bbe5a65db1e4ac218d0d2bb29a6caf9615a769759bcf4ca38621ba1d7f',
    source: 'HumanEval',
    upstreamPath: 'data/example_problem.jsonl',
  },
  {
    path: 'humaneval/example_samples.jsonl',
    role: 'upstream',
    format: 'jsonl',
    records: 6,
    sha256: '1dcf9fc120e380b8669fe69cf45da2e510e71cae507555db9634e7893c807627',
    source: 'HumanEval',
    upstreamPath: 'data/example_samples.jsonl',
  },
  {
    path: 'humaneval-et/HumanEval_ET.jsonl',
    benchmark: 'humaneval-et',
    role: 'primary',
    format: 'jsonl',
    records: 164,
    sha256: '07dcbc5137a21c51d7f702e35e754fbe4be2502087fc4f6be7058626efe88a69',
    source: 'MASPO',
    upstreamPath: 'dataset/humaneval-et/HumanEval_ET.jsonl',
  },
  {
    path: 'humaneval-et/upstream/HumanEvalET.jsonl',
    benchmark: 'humaneval-et',
    role: 'upstream',
    format: 'jsonl',
    records: 164,
    sha256: 'c9d9ccd7e299897a423a013ddd59e248b1befb68068d9e74811f1cfad49be0c5',
    source: 'MapCoder',
    upstreamPath: 'data/HumanEval/HumanEvalET.jsonl',
  },
  {
    path: 'aqua/aqua.jsonl',
    benchmark: 'aqua',
    role: 'primary',
    format: 'jsonl',
    records: 254,
    sha256: 'c4b7e6a6dc29ad8fb241826cc17de8a18cccd285bf060a62dc9f347bf39533b5',
    source: 'MASPO',
    upstreamPath: 'dataset/aqua/aqua.jsonl',
  },
  {
    path: 'aqua/test.jsonl',
    benchmark: 'aqua',
    role: 'upstream',
    format: 'jsonl',
    records: 254,
    sha256: '3aba28cc68efd0ed6ff6108dd3d98b5b4f64ada4ac4a3b0f6705188385d60575',
    source: 'MASPO',
    upstreamPath: 'dataset/aqua/test.jsonl',
  },
  {
    path: 'aqua/val.jsonl',
    benchmark: 'aqua',
    role: 'upstream',
    format: 'jsonl',
    records: 254,
    sha256: '714ff1fef955a4a565a293b5472d43315e044fa73b116f7cb00287ce41100ff2',
    source: 'MASPO',
    upstreamPath: 'dataset/aqua/val.jsonl',
  },
  {
    path: 'aqua/upstream/test.json',
    benchmark: 'aqua',
    role: 'upstream',
    format: 'jsonl',
    records: 254,
    sha256: 'de41581881ef95c5588c44ddc701c77fd480839241dd422a0d181262af24520c',
    source: 'AQuA',
    upstreamPath: 'test.json',
  },
  {
    path: 'agieval-math/test.jsonl',
    benchmark: 'agieval-math',
    role: 'primary',
    format: 'jsonl',
    records: 256,
    sha256: '11f244e13d696a082570692ca0ef7bc632a35712db21e48b75a4aaaade5f2f8a',
    source: 'MASPO',
    upstreamPath: 'dataset/AGIEval_MATH/test.jsonl',
  },
  {
    path: 'agieval-math/upstream/math.jsonl',
    benchmark: 'agieval-math',
    role: 'upstream',
    format: 'jsonl',
    records: 1000,
    sha256: '43e783af2025318125a96a970a0df37941124a5c0dabea382a12ce1b04651a11',
    source: 'AGIEval',
    upstreamPath: 'data/v1/math.jsonl',
  },
  {
    path: 'graded-samples/mapcoder/HumanEval/ChatGPT-CoT-Python3-0-1.jsonl',
    role: 'samples',
    format: 'jsonl',
    records: 164,
    sha256: '9318d44e1e294ac2ed86798ca0cb9459d0931e2ec6882d22e757a217f9cd8728',
    source: 'MapCoder',
    upstreamPath: 'final-results/ChatGPT/HumanEval/ChatGPT-CoT-Python3-0-1.jsonl',
  },
  {
    path: 'graded-samples/mapcoder/HumanEvalET/ChatGPT-CoT-Python3-0-1.jsonl',
    role: 'samples',
    format: 'jsonl',
    records: 164,
    sha256: '1ae4c8f05f0bc190b5dc63317f12d9ed93e02cd9195d21f94f0904e090b1f6f5',
    source: 'MapCoder',
    upstreamPath: 'final-results/ChatGPT/HumanEvalET/ChatGPT-CoT-Python3-0-1.jsonl',
  },
];

export function dataFile(path: string): DataFile {
  const f = DATA_FILES.find((d) => d.path === path);
  if (!f) throw new Error(`unknown data file ${path}`);
  return f;
}

export interface BenchmarkInfo {
  id: BenchmarkId;
  task: TaskType;
  title: string;
  /** The file the loader reads by default (relative to the data dir). */
  file: string;
  /** Number of items the loader yields from the published file. */
  records: number;
  /** Option letters for choice benchmarks. */
  letters?: readonly string[];
  description: string;
}

export const BENCHMARKS: Record<BenchmarkId, BenchmarkInfo> = {
  math500: {
    id: 'math500',
    task: 'math',
    title: 'MATH-500',
    file: 'math500/math_500.jsonl',
    records: 500,
    description: "OpenAI's 500-problem MATH test subset (prm800k); gold = LaTeX final answer",
  },
  'gpqa-diamond': {
    id: 'gpqa-diamond',
    task: 'choice',
    title: 'GPQA-Diamond',
    file: 'gpqa-diamond/gpqa_diamond.jsonl',
    records: 198,
    letters: ['A', 'B', 'C', 'D'],
    description: 'graduate-level science, 4 options; gold = letter (questions must not be published)',
  },
  mbpp: {
    id: 'mbpp',
    task: 'code',
    title: 'MBPP (sanitized)',
    file: 'mbpp/sanitized-mbpp.jsonl',
    records: 427,
    description: 'hand-verified MBPP subset; gold = function name; tests = asserts',
  },
  'humaneval-et': {
    id: 'humaneval-et',
    task: 'code',
    title: 'HumanEval-ET',
    file: 'humaneval-et/HumanEval_ET.jsonl',
    records: 164,
    description: 'HumanEval with extended tests (CodeScore); gold = entry point',
  },
  aqua: {
    id: 'aqua',
    task: 'choice',
    title: 'AQuA-RAT (test)',
    file: 'aqua/aqua.jsonl',
    records: 254,
    letters: ['A', 'B', 'C', 'D', 'E'],
    description: 'algebra word problems, 5 options; gold = letter',
  },
  'agieval-math': {
    id: 'agieval-math',
    task: 'math',
    title: 'AGIEval-MATH (level 5)',
    file: 'agieval-math/test.jsonl',
    records: 256,
    description: 'the 256 level-5 MATH problems of AGIEval; gold = LaTeX final answer',
  },
};

/** github raw URL of a file at its pinned commit; `baseUrl` replaces the host (mirrors, tests). */
export function upstreamUrl(file: DataFile, baseUrl = 'https://raw.githubusercontent.com'): string | null {
  if (!file.source || !file.upstreamPath) return null;
  const src = SOURCES[file.source];
  const base = baseUrl.replace(/\/+$/, '');
  const path = file.upstreamPath.split('/').map(encodeURIComponent).join('/');
  return `${base}/${src.repo}/${src.commit}/${path}`;
}
