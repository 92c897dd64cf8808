import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { readBaseline } from './baseline.js';
import { calibrateGate, formatCalibration } from './calibrate.js';
import type { GateOptions } from './gate.js';
import { resolvePrompts } from './prestep.js';
import { createItemSampler } from './resample.js';

export interface CalibrationRequest {
  configPath: string;
  promptsPath?: string;
  baselinePath: string;
  repeat: number;
  limit?: number;
  only?: string[];
  seedPrompts: boolean;
  gate: GateOptions;
  log: (line: string) => void;
}

/**
 * `maspo gate calibrate`: the current prompts (never re-optimized: a stale artifact is unusable input),
 * k noise-only reruns with seeds config.seed+1 … config.seed+k, each gated against the baseline.
 */
export async function runCalibration(r: CalibrationRequest): Promise<string[]> {
  if (!existsSync(r.configPath))
    throw new UsageError(`config file ${r.configPath} not found: pass --config FILE`);
  const baseline = readBaseline(resolve(r.baselinePath));
  const pre = await resolvePrompts({
    configPath: resolve(r.configPath),
    ...(r.promptsPath ? { promptsPath: resolve(r.promptsPath) } : {}),
    noOptimize: true,
    ...(r.seedPrompts ? { seedPrompts: true } : {}),
    onProgress: r.log,
  });
  const sampler = await createItemSampler({
    configPath: pre.configPath,
    ...(pre.prompts ? { prompts: pre.prompts } : {}),
    ...(pre.dataDir ? { dataDir: pre.dataDir } : {}),
    ...(r.limit ? { limit: r.limit } : {}),
    cache: 'off',
  });
  const configured: string[] = sampler.config.benchmarks.filter((b) => baseline.benchmarks[b]);
  const benchmarks = r.only ?? configured;
  const unknown = benchmarks.filter((b) => !configured.includes(b));
  if (unknown.length)
    throw new UsageError(
      `--only: ${unknown.join(', ')} is not both in the config and in the baseline (${configured.join(', ')})`,
    );
  if (benchmarks.length === 0)
    throw new UsageError(
      `the baseline ${r.baselinePath} has none of the config's benchmarks: nothing to calibrate`,
    );
  const seeds = Array.from({ length: r.repeat }, (_, i) => sampler.config.seed + i + 1);
  try {
    const result = await calibrateGate(sampler, baseline, benchmarks, seeds, r.gate, (i, _run, v) =>
      r.log(
        `rerun ${i + 1}/${r.repeat} (seed ${seeds[i]}): ${v.pass ? 'pass' : `FAIL (${v.failures.length})`}`,
      ),
    );
    const simulated = baseline.simulated || sampler.config.models.agent.startsWith('sim:');
    return [
      `maspo gate calibrate: ${r.repeat} noise-only rerun(s) of ${benchmarks.join(', ')}${r.limit ? ` (first ${r.limit} items)` : ''} against ${r.baselinePath}${simulated ? ' — simulated model' : ''}`,
      ...formatCalibration(result),
    ];
  } finally {
    await sampler.close();
  }
}
