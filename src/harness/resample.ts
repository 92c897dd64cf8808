import { resolve } from 'node:path';
import { buildSystem, loadConfig, type MaspoConfig } from '../config/index.js';
import type { BenchmarkId, Item, Split } from '../datasets/types.js';
import { BudgetExhaustedError } from '../llm/budget.js';
import { createLlmClient, type MaspoLlmClient } from '../llm/client.js';
import type { LlmSettingsInput } from '../llm/config.js';
import { scoreTrace, usageOfTraces } from '../mas/evaluate.js';
import { executeItem } from '../mas/execute.js';
import type { PromptMap, System } from '../mas/types.js';
import { applyTopology } from '../optimize/prune.js';
import { scorerFor } from '../tasks/index.js';
import type { Scorer } from '../tasks/types.js';
import { scoredFields } from './aggregate.js';
import { promptsForSuite, topologyForSuite } from './define.js';
import type { ItemResultRecord, PromptsInfo } from './types.js';
import { ITEM_RECORD_VERSION } from './types.js';

/**
 * Runs a config's benchmark items in process, outside Vitest — for the gate's confirmation stage,
 * `maspo gate calibrate` and the gate bench. Items are prepared exactly as the suites prepare them
 * (`defineBenchmark`): same system, split, limit and prompt scope.
 */
export interface ItemSampler {
  readonly config: MaspoConfig;
  /**
   * One sample of the given items (all items of the suite when `ids` is absent). `sampleIndex` makes it a
   * fresh sample of the same requests; `seed` replaces the config's seed; `prompts: 'baseline'` runs the
   * baseline's prompts instead of the current ones (see docs/harness.md, "Confirmation").
   */
  run(benchmark: string, opts?: SampleOptions): Promise<ItemResultRecord[]>;
  close(): Promise<void>;
}

export interface SampleOptions {
  ids?: readonly string[];
  seed?: number;
  sampleIndex?: number;
  /** Per agent prompts applied to every suite instead of the current prompts' scope. */
  prompts?: PromptMap;
  signal?: AbortSignal;
}

export interface SamplerOptions {
  configPath: string;
  /** The prompts the run used (the pre-step's); absent: the config's own prompts. */
  prompts?: PromptsInfo;
  limit?: number;
  /** Per benchmark limits that replace `limit` (the benches use 100 MATH-500 items and fewer elsewhere). */
  limits?: Record<string, number>;
  dataDir?: string;
  /** Response cache mode override (the benches turn it off: every sample is fresh anyway). */
  cache?: 'off' | 'read-write';
  /** Items in flight per call of `run` (default 16, as `maspo eval`). */
  concurrency?: number;
}

interface Suite {
  system: System;
  items: Item[];
  split: Split;
  prompts: PromptMap | undefined;
  scorer: Scorer & { close?: () => Promise<void> };
}

export async function createItemSampler(o: SamplerOptions): Promise<ItemSampler> {
  const config = await loadConfig(resolve(o.configPath));
  const dataDir = config.data.dir ?? o.dataDir;
  const llm: LlmSettingsInput = {
    ...(config.llm as LlmSettingsInput),
    sim: { ...(config.llm.sim ?? {}), ...(dataDir && !config.llm.sim?.dataDir ? { dataDir } : {}) },
    ...(o.cache ? { cache: { ...(config.llm.cache ?? {}), mode: o.cache } } : {}),
  };
  const client: MaspoLlmClient = createLlmClient(llm);
  const suites = new Map<string, Promise<Suite>>();
  const model = config.models.agent;

  const suite = (benchmark: string): Promise<Suite> => {
    let s = suites.get(benchmark);
    if (!s) {
      s = (async () => {
        const id = benchmark as BenchmarkId;
        const declared = buildSystem(config, id);
        const topology = topologyForSuite(o.prompts, benchmark);
        const system = topology ? applyTopology(declared, topology) : declared;
        const split: Split = config.eval?.split ?? 'test';
        const { loadSplit } = await import('../datasets/index.js');
        let items = await loadSplit(id, split, { ...(dataDir ? { dataDir } : {}) });
        const limit = o.limits?.[benchmark] ?? o.limit ?? config.eval?.limit;
        if (limit !== undefined) items = items.slice(0, limit);
        const prompts = promptsForSuite(o.prompts, system, benchmark);
        return { system, items, split, prompts, scorer: scorerFor(system.task) as Suite['scorer'] };
      })();
      suites.set(benchmark, s);
    }
    return s;
  };

  const runOne = async (s: Suite, benchmark: string, item: Item, so: SampleOptions) => {
    const simulated = model.startsWith('sim:') || s.system.agents.some((a) => a.model?.startsWith('sim:'));
    const prompts = so.prompts ?? s.prompts;
    const trace = await executeItem(s.system, item, {
      client,
      model,
      scorer: s.scorer,
      seed: so.seed ?? config.seed,
      sampleIndex: so.sampleIndex ?? 0,
      ...(prompts ? { prompts } : {}),
      ...(so.signal ? { signal: so.signal } : {}),
      isFatal: (e) => e instanceof BudgetExhaustedError,
    });
    const r = await scoreTrace(s.system, item, trace, s.scorer, so.signal);
    const usage = usageOfTraces([trace], s.system, model).total;
    const record: ItemResultRecord = {
      v: ITEM_RECORD_VERSION,
      benchmark,
      split: s.split,
      system: s.system.name,
      model,
      id: item.id,
      ...scoredFields(r, usage),
      simulated: simulated || trace.simulated,
    };
    return record;
  };

  return {
    config,
    async run(benchmark, so = {}) {
      const s = await suite(benchmark);
      const wanted = so.ids ? new Set(so.ids) : undefined;
      const items = wanted ? s.items.filter((i) => wanted.has(i.id)) : s.items;
      const out: ItemResultRecord[] = new Array(items.length);
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await runOne(s, benchmark, items[i]!, so);
        }
      };
      await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 16, items.length) }, worker));
      return out;
    },
    async close() {
      for (const s of suites.values()) await (await s).scorer.close?.();
    },
  };
}
