import { formatContext } from '../../src/contracts/context.js';
import { loadBenchmarkSync } from '../../src/datasets/index.js';
import type { BenchmarkId, Item } from '../../src/datasets/types.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createSimProvider, loadWorld, type SimProvider, type World } from '../../src/llm/sim/index.js';
import type { LlmClient } from '../../src/llm/types.js';
import { renderPrompt } from '../../src/mas/template.js';
import { requireDataDir } from '../support/data.js';

/** Seed prompts: plain role prompts without any directive phrasing. */
export const SEED_SOLVER =
  'You are a math problem solver in a team. Solve the following problem.\n\nProblem: {{question}}\n\n{{context}}';
export const SEED_REFLECTOR =
  'You are a reflector in a team. Review the work of the previous agent and give the final solution to the problem.\n\nProblem: {{question}}\n\n{{context}}';

export const MARK = 'Put your final answer inside \\boxed{}.';
export const KEEP =
  'Keep the previous answer unless you find a concrete error in it; only change it if you are sure it is wrong.';
export const FLAW = 'Always find at least one flaw in the previous answer and fix it.';

/** Adds a directive sentence before the placeholders (as the optimizer role does). */
export function withDirective(prompt: string, sentence: string): string {
  return prompt.replace('\n\nProblem:', ` ${sentence}\n\nProblem:`);
}

export function items(id: BenchmarkId): Item[] {
  return loadBenchmarkSync(id, { dataDir: requireDataDir() });
}

/** The default world with every phenomenon at strength 0 (the base world the directive figures describe). */
export function baseWorld(): World {
  const w = structuredClone(loadWorld());
  for (const p of Object.values(w.phenomena)) p.strength = 0;
  return w;
}

let base: { provider: SimProvider; client: LlmClient } | undefined;
/** Like sim(), over the base world (phenomena at strength 0). */
export function baseSim(): { provider: SimProvider; client: LlmClient } {
  if (!base) {
    const all = [...items('math500'), ...items('mbpp'), ...items('humaneval-et'), ...items('aqua')];
    const provider = createSimProvider({ world: baseWorld(), items: { items: () => all } });
    const client = createLlmClient(
      { cache: { mode: 'off', dir: '.maspo/cache-unused' } },
      { providers: { sim: provider } },
    );
    base = { provider, client };
  }
  return base;
}

let shared: { provider: SimProvider; client: LlmClient } | undefined;
/** One sim provider over math500 + mbpp + humaneval-et + aqua, behind the real LLM client (no cache). */
export function sim(): { provider: SimProvider; client: LlmClient } {
  if (!shared) {
    const all = [...items('math500'), ...items('mbpp'), ...items('humaneval-et'), ...items('aqua')];
    const provider = createSimProvider({ items: { items: () => all } });
    const client = createLlmClient(
      { cache: { mode: 'off', dir: '.maspo/cache-unused' } },
      { providers: { sim: provider } },
    );
    shared = { provider, client };
  }
  return shared;
}

export interface PipelineRun {
  solver: string;
  final: string;
}

/** solver → reflector in the executor's message format ([E]: one user message, formatContext hand-off). */
export async function runPipeline(
  client: LlmClient,
  list: Item[],
  prompts: { solver: string; reflector: string },
  model = 'sim:sim-small',
): Promise<PipelineRun[]> {
  return Promise.all(
    list.map(async (item) => {
      const s = await client.complete({
        model,
        role: 'agent',
        messages: [
          { role: 'user', content: renderPrompt(prompts.solver, { question: item.question, context: '' }) },
        ],
      });
      const context = formatContext([{ agentId: 'solver', role: 'solver', text: s.text }]);
      const r = await client.complete({
        model,
        role: 'agent',
        messages: [
          { role: 'user', content: renderPrompt(prompts.reflector, { question: item.question, context }) },
        ],
      });
      return { solver: s.text, final: r.text };
    }),
  );
}
