import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { MaspoConfig } from '../config/index.js';
import { validatePrompts } from '../mas/schema.js';
import type { PromptArtifact } from '../optimize/artifact.js';
import { defaultArtifactPath, workingArtifactPath } from '../optimize/artifact-path.js';
import { HarnessInputError } from './baseline.js';
import { promptsInfoFromArtifact } from './runinfo.js';
import type { HarnessProvided, PromptsInfo } from './types.js';

/** The prompt artifact is missing or stale and the pre-step may not (or cannot) re-optimize. */
export class StalePromptsError extends HarnessInputError {
  override name = 'StalePromptsError';
}

export interface PrestepOptions {
  /** The maspo config (YAML or TS). */
  configPath: string;
  /** Prompt artifact (default `maspo.prompts.json` next to the config file, so each config keeps its own). */
  promptsPath?: string;
  /** Never optimize: a missing or stale artifact is an error. */
  noOptimize?: boolean;
  /** Evaluate the config's own (seed) prompts; skip the artifact entirely. */
  seedPrompts?: boolean;
  /** Optimization run directories (default `.maspo/runs`). */
  runsDir?: string;
  /**
   * Re-optimize a stale existing artifact in place. Without it, the re-optimized prompts go to
   * `.maspo/prompts/<config name>.prompts.json` under `root` and the existing file is left unchanged.
   */
  updatePrompts?: boolean;
  /** Project root for `.maspo/prompts/` (default the working directory). */
  root?: string;
  /** Stops an optimization the pre-step started (Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export interface PrestepResult extends HarnessProvided {
  configPath: string;
  prompts: PromptsInfo;
  /** What happened: reused the artifact, optimized anew, or used the config's prompts. */
  action: 'reused' | 'optimized' | 'seed';
  staleReasons: string[];
}

/** Hashes the artifact would record if the config were optimized now (same inputs as `optimize()`). */
export async function currentHashes(config: MaspoConfig, benchmark: string) {
  const { artifactHashes, choosePool, resolveModels } = await import('../optimize/index.js');
  const { loadBenchmarkSplit } = await import('../datasets/index.js');
  const dataDir = config.data?.dir;
  const train = await loadBenchmarkSplit(config, benchmark, 'train', dataDir ? { dataDir } : {});
  const pool = choosePool(train, config.optimize.poolSize, config.optimize.seed ?? config.seed);
  return artifactHashes(config, pool, resolveModels(config));
}

/** Whether an artifact still matches the config, data and models it claims to be optimized for. */
export async function artifactStaleness(
  config: MaspoConfig,
  artifact: PromptArtifact,
): Promise<{ stale: boolean; reasons: string[] }> {
  const { isStale, artifactAppliesTo } = await import('../optimize/artifact.js');
  if (!config.benchmarks.some((b) => artifactAppliesTo(artifact, b))) {
    return {
      stale: true,
      reasons: [`it was optimized for ${artifact.benchmark}, which this config does not list`],
    };
  }
  return isStale(artifact, await currentHashes(config, artifact.benchmark));
}

function seedInfo(
  config: MaspoConfig,
  buildSystem: (c: MaspoConfig, b: string) => { agents: Array<{ id: string; prompt: string }> },
): PromptsInfo {
  const system = buildSystem(config, config.benchmarks[0]!);
  const agents = Object.fromEntries(
    system.agents.map((a) => [a.id, { prompt: a.prompt, seed: a.prompt, depth: 0 }]),
  );
  return {
    source: 'config',
    hash: '',
    agents,
    // Shown in the reports as the prompts of the first benchmark; each suite runs its own seed prompts.
    benchmarks: [config.benchmarks[0]!],
    simulated: config.models.agent.startsWith('sim:'),
  };
}

/**
 * The optimization pre-step: reuse the prompt artifact when its hashes match the current config, data and
 * models; otherwise optimize first — unless `noOptimize` is set or the response cache is in replay mode,
 * in which case it throws a {@link StalePromptsError} that says why and how to refresh the prompts.
 */
export async function resolvePrompts(opts: PrestepOptions): Promise<PrestepResult> {
  const log = opts.onProgress ?? (() => {});
  const configPath = resolve(opts.configPath);
  const { loadConfig, buildSystem } = await import('../config/index.js');
  const config = await loadConfig(configPath);
  // Before any model call (the suites' or the optimization's): models resolve, API keys are set.
  const { preflightConfig } = await import('../config/preflight.js');
  preflightConfig(config);
  const base = { configPath, ...(config.data?.dir ? { dataDir: config.data.dir } : {}) };
  if (opts.seedPrompts) {
    log("maspo: using the config's own prompts (--seed-prompts); no optimization");
    const prompts = seedInfo(config, buildSystem);
    const { hashValue } = await import('../util/hash.js');
    prompts.hash = hashValue(
      Object.fromEntries(Object.entries(prompts.agents).map(([k, v]) => [k, v.prompt])),
    ).slice(0, 16);
    return { ...base, prompts, action: 'seed', staleReasons: [] };
  }
  const promptsPath = resolve(opts.promptsPath ?? defaultArtifactPath(opts.configPath));
  const runsDir = resolve(opts.runsDir ?? '.maspo/runs');
  const { readArtifact, ArtifactError } = await import('../optimize/artifact.js');
  /** The artifact at `path` when it is fresh (and its prompts valid), else why it is stale. */
  const freshArtifact = async (path: string): Promise<PromptArtifact | string[]> => {
    let artifact: PromptArtifact;
    try {
      artifact = readArtifact(path);
    } catch (err) {
      if (err instanceof ArtifactError) throw new HarnessInputError(err.message);
      throw err;
    }
    const s = await artifactStaleness(config, artifact);
    if (s.stale) return s.reasons;
    checkArtifactPrompts(path, artifact, buildSystem(config, artifact.benchmark));
    return artifact;
  };
  const reuse = (path: string, artifact: PromptArtifact): PrestepResult => ({
    ...base,
    prompts: promptsInfoFromArtifact(artifact, {
      path: relative(process.cwd(), path),
      source: 'artifact',
      runsDir,
    }),
    action: 'reused',
    staleReasons: [],
  });
  let reasons: string[];
  const committed = existsSync(promptsPath);
  if (committed) {
    const fresh = await freshArtifact(promptsPath);
    if (!Array.isArray(fresh)) {
      log(`maspo: reusing ${promptsPath} (hashes match the config, data and models)`);
      return reuse(promptsPath, fresh);
    }
    reasons = fresh;
  } else {
    reasons = ['the file does not exist'];
  }
  const replay = config.llm.cache.mode === 'replay';
  if (opts.noOptimize || replay) {
    const why = opts.noOptimize
      ? '--no-optimize was given'
      : 'the response cache is in replay mode (llm.cache.mode: replay)';
    throw new StalePromptsError(
      `the prompts in ${promptsPath} are stale: ${reasons.join('; ')}. They cannot be re-optimized here because ${why}. ` +
        `Refresh them with \`maspo optimize --config ${opts.configPath} --out ${opts.promptsPath ?? defaultArtifactPath(opts.configPath)}\` ` +
        '(with model access, or with a response cache that holds the calls), commit the new file, and run again.',
    );
  }
  // The stale-artifact rule: an existing (committed) artifact is never rewritten in place unless asked
  // (`updatePrompts`); the re-optimized prompts go to a working copy under .maspo/prompts/, reused while fresh.
  let out = promptsPath;
  if (committed && !opts.updatePrompts) {
    out = workingArtifactPath(opts.root ?? process.cwd(), config.name);
    if (existsSync(out)) {
      const fresh = await freshArtifact(out).catch(() => undefined);
      if (fresh && !Array.isArray(fresh)) {
        log(
          `maspo: ${promptsPath} is stale (${reasons.join('; ')}); using the prompts re-optimized earlier in ${out} (the committed file is unchanged; --update-prompts writes them there)`,
        );
        return reuse(out, fresh);
      }
    }
    log(
      `maspo: ${promptsPath} is stale (${reasons.join('; ')}); re-optimizing into ${out} — the committed file is left unchanged (--update-prompts overwrites it)`,
    );
  } else if (committed) {
    log(
      `maspo: ${promptsPath} is stale (${reasons.join('; ')}); re-optimizing and overwriting it (--update-prompts)`,
    );
  } else {
    log(`maspo: ${promptsPath} does not exist; optimizing first`);
  }
  const { optimize } = await import('../optimize/index.js');
  const { createLlmClient } = await import('../llm/client.js');
  const client = createLlmClient({
    ...config.llm,
    sim: {
      ...config.llm.sim,
      ...(config.data?.dir && !config.llm.sim.dataDir ? { dataDir: config.data.dir } : {}),
    },
  });
  let lastLine = '';
  const result = await optimize(config, {
    client,
    out,
    runsDir,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => {
      const line = `maspo optimize: step ${p.step}/${p.steps} · agent ${p.agent} · round ${p.round} gen ${p.generation} · best J ${p.bestJ.toFixed(3)} · ${p.calls} calls`;
      if (line !== lastLine) log(line);
      lastLine = line;
    },
  });
  log(`maspo: wrote ${result.artifactPath ?? out}`);
  return {
    ...base,
    prompts: promptsInfoFromArtifact(result.artifact, {
      path: relative(process.cwd(), out),
      source: 'optimized',
      runsDir,
    }),
    action: 'optimized',
    staleReasons: reasons,
  };
}

/**
 * An artifact's prompts are checked like a config's before they are used: each names an agent of the
 * system and has its placeholders (`{{question}}`; `{{context}}` for an agent with upstream agents).
 */
export function checkArtifactPrompts(
  file: string,
  artifact: PromptArtifact,
  system: Parameters<typeof validatePrompts>[0],
): void {
  const issues = validatePrompts(system, artifact.prompts, 'prompts');
  if (issues.length === 0) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new HarnessInputError(`${file}: field "${issues[0]!.path}": ${issues[0]!.message}${more}`);
}
