import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

const collect = (v: string, acc: string[]) => [...acc, v];

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function parseBenchmarks(
  list: string[],
): Promise<import('../../datasets/types.js').BenchmarkId[] | undefined> {
  if (list.length === 0) return undefined;
  const { BENCHMARK_IDS, isBenchmarkId } = await import('../../datasets/index.js');
  const ids = list
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!isBenchmarkId(id)) {
      throw new UsageError(`--benchmark ${id}: unknown benchmark; use one of ${BENCHMARK_IDS.join(', ')}`);
    }
  }
  return ids as import('../../datasets/types.js').BenchmarkId[];
}

export function registerData(program: Command): void {
  const data = program.command('data').description('List, verify and pull benchmark data files');

  data
    .command('list')
    .description(
      'Show which benchmark files are in the data dir, their record counts and whether sha256 matches',
    )
    .option('--data-dir <dir>', 'data directory (default: MASPO_DATA_DIR)')
    .option('--json', 'print JSON')
    .action(async (o: { dataDir?: string; json?: boolean }) => {
      const { resolveDataDir } = await import('../../datasets/index.js');
      const { listData } = await import('../../datasets/checksums.js');
      const dir = resolveDataDir(o.dataDir);
      const list = listData(dir);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ dataDir: dir, files: list }, null, 2)}\n`);
        return;
      }
      const rows = [['file', 'benchmark', 'role', 'present', 'records', 'sha256']];
      for (const f of list) {
        rows.push([
          f.path,
          f.benchmark ?? '-',
          f.role,
          f.present ? 'yes' : 'no',
          f.present ? `${f.records ?? '?'}/${f.expectedRecords}` : '-',
          f.present ? (f.ok ? 'ok' : 'MISMATCH') : '-',
        ]);
      }
      process.stdout.write(`data dir: ${dir}\n${pad(rows)}\n`);
      const present = list.filter((f) => f.present);
      const bad = present.filter((f) => !f.ok);
      process.stdout.write(
        `${present.length}/${list.length} files present, ${bad.length} with a checksum mismatch` +
          (bad.length ? ' (run `maspo data verify` for how to fix)' : '') +
          '\n',
      );
    });

  data
    .command('verify')
    .description(
      "Check the data dir against the published sha256 of every file (exit 1 if anything is wrong); with --config, check that config's benchmarks, its own files row by row",
    )
    .option('--data-dir <dir>', 'data directory (default: MASPO_DATA_DIR)')
    .option('--all', 'also fail on missing optional files (upstream copies, graded samples)')
    .option('-b, --benchmark <id>', 'only this benchmark (repeatable or comma-separated)', collect, [])
    .option(
      '-c, --config <file>',
      "only the benchmarks this config names; its own (inline) benchmarks' files are loaded and checked row by row",
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        dataDir?: string;
        all?: boolean;
        benchmark: string[];
        config?: string;
        json?: boolean;
      }) => {
        const { resolveDataDir, isBenchmarkId } = await import('../../datasets/index.js');
        const { verifyData } = await import('../../datasets/checksums.js');
        let benchmarks = await parseBenchmarks(o.benchmark);
        const custom: import('../../datasets/custom-verify.js').CustomBenchmarkReport[] = [];
        let configDataDir: string | undefined;
        if (o.config) {
          if (benchmarks) throw new UsageError('--config and --benchmark: give one of them, not both');
          const { loadConfig } = await import('../../config/index.js');
          const { verifyCustomBenchmark } = await import('../../datasets/custom-verify.js');
          const { DataError } = await import('../../datasets/errors.js');
          const config = await loadConfig(o.config);
          configDataDir = config.data.dir;
          benchmarks = config.benchmarks.filter(isBenchmarkId);
          const failures: string[] = [];
          for (const spec of Object.values(config.customBenchmarks)) {
            try {
              custom.push(verifyCustomBenchmark(spec));
            } catch (err) {
              if (!(err instanceof DataError)) throw err;
              failures.push(err.message);
            }
          }
          // Every broken file is reported, not just the first; nothing else is checked on broken data.
          if (failures.length > 0) throw new DataError(failures.join('\n'));
        }
        const checkBuiltIns = !o.config || (benchmarks?.length ?? 0) > 0;
        // A config with only its own benchmarks needs no data dir.
        const dir = checkBuiltIns ? resolveDataDir(o.dataDir ?? configDataDir) : undefined;
        const r = dir ? verifyData(dir, { all: o.all, benchmarks }) : undefined;
        const ok = r?.ok ?? true;
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ ...(r ?? { dataDir: dir, ok }), ok, custom }, null, 2)}\n`,
          );
        } else {
          const out: string[] = [];
          for (const c of custom) {
            out.push(
              `ok ${c.id}: ${c.file} (${c.format}, task ${c.task}), ${c.items} items, train ${c.splits.train} / dev ${c.splits.dev} / test ${c.splits.test} by ${c.splitRule}; sha256 ${c.sha256.slice(0, 12)}…`,
            );
          }
          if (r) {
            out.push(`data dir: ${dir}`);
            for (const p of r.problems)
              out.push(`BAD ${p.path}: ${p.reason} (${p.detail})\n    fix: ${p.fix}`);
            for (const n of r.notes) out.push(`note: ${n}`);
            if (r.missingOptional.length) {
              out.push(
                `optional files not present (not an error; \`--all\` makes them required, \`maspo data pull --all\` gets them): ${r.missingOptional.join(', ')}`,
              );
            }
            out.push(
              r.ok
                ? `OK: ${r.good.length} files match their published sha256`
                : `FAILED: ${r.problems.length} bad file(s), ${r.good.length} good`,
            );
          } else {
            out.push(`OK: ${custom.length} benchmark file(s) of your own load cleanly`);
          }
          process.stdout.write(`${out.join('\n')}\n`);
        }
        if (!ok) process.exitCode = 1;
      },
    );

  data
    .command('pull')
    .description(
      'Download benchmark files from their pinned upstream commits, verifying sha256 before writing',
    )
    .option('--dest <dir>', 'destination directory (default: MASPO_DATA_DIR, else ./data)')
    .option('--base-url <url>', 'replace https://raw.githubusercontent.com (a mirror with the same paths)')
    .option('--all', 'also upstream copies, the official GPQA zip and graded samples')
    .option('-b, --benchmark <id>', 'only this benchmark (repeatable or comma-separated)', collect, [])
    .option('--force', 'download even when a good copy is present')
    .option('--timeout <ms>', 'per-request timeout in ms', '60000')
    .action(
      async (o: {
        dest?: string;
        baseUrl?: string;
        all?: boolean;
        benchmark: string[];
        force?: boolean;
        timeout: string;
      }) => {
        const { resolve } = await import('node:path');
        const { pullData } = await import('../../datasets/pull.js');
        const benchmarks = await parseBenchmarks(o.benchmark);
        const timeoutMs = Number(o.timeout);
        if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
          throw new UsageError(`--timeout ${o.timeout}: expected a positive number of milliseconds`);
        }
        if (o.baseUrl !== undefined && !/^https?:\/\/[^/]/.test(o.baseUrl)) {
          throw new UsageError(
            `--base-url ${o.baseUrl}: expected an http(s) URL such as https://mirror.example/raw`,
          );
        }
        const dest = resolve(o.dest ?? process.env.MASPO_DATA_DIR ?? 'data');
        process.stderr.write(`pulling into ${dest}${o.baseUrl ? ` from ${o.baseUrl}` : ''}\n`);
        const results = await pullData({
          dest,
          baseUrl: o.baseUrl,
          all: o.all,
          benchmarks,
          force: o.force,
          timeoutMs,
          onFile: (r) => {
            const what =
              r.status === 'failed'
                ? `FAILED ${r.path}: ${r.error} (${r.url})`
                : `${r.status} ${r.path}${r.bytes ? ` (${r.bytes} bytes)` : ''}`;
            process.stdout.write(`${what}\n`);
          },
        });
        const failed = results.filter((r) => r.status === 'failed');
        process.stdout.write(
          `${results.length - failed.length}/${results.length} files in place; ` +
            (failed.length ? `${failed.length} failed\n` : `use them with MASPO_DATA_DIR=${dest}\n`),
        );
        if (failed.length) process.exitCode = 1;
      },
    );

  data
    .command('splits')
    .description('Print train/dev/test sizes per benchmark for a split seed')
    .option('--data-dir <dir>', 'data directory (default: MASPO_DATA_DIR)')
    .option('--seed <seed>', 'split seed', 'maspo-splits-v1')
    .action(async (o: { dataDir?: string; seed: string }) => {
      const ds = await import('../../datasets/index.js');
      const dir = ds.resolveDataDir(o.dataDir);
      const seed = /^\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
      const rows = [['benchmark', 'items', 'train', 'dev', 'test']];
      for (const id of ds.BENCHMARK_IDS) {
        if (!ds.benchmarkPresent(id, dir)) {
          rows.push([id, 'missing', '-', '-', '-']);
          continue;
        }
        const items = await ds.loadBenchmark(id, { dataDir: dir });
        const a = ds.assignSplits(
          items.map((i) => i.id),
          seed,
        );
        rows.push([
          id,
          String(items.length),
          String(a.train.length),
          String(a.dev.length),
          String(a.test.length),
        ]);
      }
      process.stdout.write(`split seed: ${String(seed)}\n${pad(rows)}\n`);
    });
}
