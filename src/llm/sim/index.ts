import { recognizeRequest } from '../../contracts/index.js';
import type { CustomBenchmarkSource } from '../../datasets/custom.js';
import { BENCHMARK_IDS, type Item, type ItemSource } from '../../datasets/types.js';
import { hashValue } from '../../util/hash.js';
import { abortError, ProviderError } from '../errors.js';
import type { Provider, ProviderCall, ProviderResult } from '../types.js';
import { type AgentAnalysis, agentReply, analyseAgentPrompt, type SimState } from './agent.js';
import { ItemIndex } from './items.js';
import { gradeReply, judgeReply } from './judge.js';
import { optimizerReply } from './optimizer.js';
import { SIM_VERSION } from './version.js';
import { compileDirectives, loadWorld, type World } from './world.js';

export { agentReply, analyseAgentPrompt } from './agent.js';
export { injectBug } from './code.js';
export { ItemIndex } from './items.js';
export { judgeDecision } from './judge.js';
export { SIM_VERSION } from './version.js';
export { DEFAULT_WORLD_PATH, loadWorld, parseWorld, type World, WorldError, worldSchema } from './world.js';

export interface SimProviderOptions {
  /** Benchmark data directory to find questions in (default: MASPO_DATA_DIR). */
  dataDir?: string;
  /** A world YAML file (default: the shipped default world). */
  worldPath?: string;
  /** Items to find questions in, instead of (or before) loading the datasets. */
  items?: ItemSource;
  /** A config's inline benchmarks: their files are read too (no data directory needed for them). */
  benchmarks?: readonly CustomBenchmarkSource[];
  /** An already parsed world (tests). */
  world?: World;
}

export interface SimProvider extends Provider {
  readonly world: World;
  /** Model names the world defines. */
  readonly models: string[];
  /** The reply text for a call, synchronously (items must be loaded: see `ready`). */
  reply(call: ProviderCall): ProviderResult;
  /** Loads the benchmark items (done on the first call otherwise). */
  ready(): Promise<void>;
  /** How the sim reads an agent prompt: item found, agent kind, directives in force (for tests and debugging). */
  analyse(prompt: string): AgentAnalysis;
}

export const tokensOf = (text: string) => Math.ceil(text.length / 4);

let warned = false;
function warnOnce(message: string) {
  if (warned) return;
  warned = true;
  process.stderr.write(`simulated model: ${message}\n`);
}

/** The items of a config's inline benchmarks; a file that cannot be loaded is warned about and skipped. */
async function loadCustomItems(benchmarks: readonly CustomBenchmarkSource[]): Promise<Item[]> {
  if (benchmarks.length === 0) return [];
  const path = '../../datasets/custom.js';
  const mod = (await import(path)) as typeof import('../../datasets/custom.js');
  const out: Item[] = [];
  for (const b of benchmarks) {
    try {
      out.push(...mod.loadCustomBenchmark(b).items);
    } catch (e) {
      warnOnce(`could not load benchmark ${b.id} (${(e as Error).message}); its questions are unknown`);
    }
  }
  return out;
}

async function loadItems(
  dataDir: string | undefined,
  benchmarks: readonly CustomBenchmarkSource[] = [],
): Promise<Item[]> {
  const custom = await loadCustomItems(benchmarks);
  const dir = dataDir ?? process.env.MASPO_DATA_DIR;
  if (!dir && custom.length > 0) return custom;
  if (!dir) {
    warnOnce(
      'no benchmark data directory (set MASPO_DATA_DIR or llm.sim.dataDir): every question is unknown and gets a low-skill answer',
    );
    return [];
  }
  let mod: {
    loadBenchmark?: (id: string, o: { dataDir: string }) => Promise<Item[]>;
    loadBenchmarkSync?: (id: string, o: { dataDir: string }) => Item[];
  };
  try {
    const path = '../../datasets/index.js';
    mod = (await import(path)) as typeof mod;
  } catch (e) {
    warnOnce(`cannot load the dataset loaders (${(e as Error).message}); questions are unknown`);
    return [];
  }
  const out: Item[] = [...custom];
  const failed: string[] = [];
  for (const id of BENCHMARK_IDS) {
    try {
      const items = mod.loadBenchmark
        ? await mod.loadBenchmark(id, { dataDir: dir })
        : (mod.loadBenchmarkSync?.(id, { dataDir: dir }) ?? []);
      out.push(...items);
    } catch {
      failed.push(id);
    }
  }
  if (failed.length > 0 && custom.length === 0)
    warnOnce(`could not load ${failed.join(', ')} from ${dir}; their questions are unknown`);
  return out;
}

/**
 * The simulator's behaviour version and the world in force: part of every cache key for `sim:` models and
 * of prompt artifacts' models hash, so recalibrating the sim never replays answers the previous version
 * gave, while refactors that change no behaviour leave shipped artifacts valid (ARCHITECTURE.md).
 */
export function simFingerprint(world: World): string {
  return hashValue({ world, simVersion: SIM_VERSION });
}

/** The fingerprint of the simulated world a config uses (its `llm.sim.worldPath`, else the default world). */
export function simWorldFingerprint(worldPath?: string): string {
  return simFingerprint(loadWorld(worldPath));
}

/** The simulated model as a provider: answers agent, judge and optimizer calls from the messages alone. */
export function createSimProvider(opts: SimProviderOptions = {}): SimProvider {
  const world = opts.world ?? loadWorld(opts.worldPath);
  const directives = compileDirectives(world);
  const fingerprint = simFingerprint(world);
  const given = opts.items?.items() ?? [];
  let state: SimState = { world, directives, index: new ItemIndex(given) };
  let loading: Promise<void> | undefined;
  const ready = () => {
    if (opts.items) return Promise.resolve();
    loading ??= loadItems(opts.dataDir, opts.benchmarks).then((items) => {
      state = { world, directives, index: new ItemIndex([...given, ...items]) };
    });
    return loading;
  };

  const reply = (call: ProviderCall): ProviderResult => {
    const model = world.models[call.model];
    if (!model) {
      throw new ProviderError(
        `sim: unknown simulated model "${call.model}"; this world defines ${Object.keys(world.models).join(', ')}`,
        { retryable: false, status: 404 },
      );
    }
    const req = recognizeRequest(call.messages);
    let text =
      req.kind === 'judge'
        ? judgeReply(state, req.data, call)
        : req.kind === 'grade'
          ? gradeReply(state, req.data, call)
          : req.kind === 'optimizer'
            ? optimizerReply(state, req.data, call)
            : agentReply(state, call, model);
    let finishReason: ProviderResult['finishReason'] = 'stop';
    if (call.maxTokens !== undefined && tokensOf(text) > call.maxTokens) {
      text = text.slice(0, Math.max(0, call.maxTokens * 4));
      finishReason = 'length';
    }
    const input = call.messages.reduce((n, m) => n + m.content.length, 0);
    return {
      text,
      usage: { inputTokens: Math.ceil(input / 4), outputTokens: tokensOf(text) },
      finishReason,
      model: call.model,
      simulated: true,
    };
  };

  return {
    name: 'sim',
    fingerprint,
    world,
    models: Object.keys(world.models),
    reply,
    ready,
    analyse: (prompt) => analyseAgentPrompt(state, prompt),
    async call(call: ProviderCall, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) throw abortError(signal);
      await ready();
      return reply(call);
    },
  };
}
