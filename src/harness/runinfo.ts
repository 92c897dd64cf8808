import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptArtifact } from '../optimize/artifact.js';
import { hashValue } from '../util/hash.js';
import type { AgentPromptInfo, OptimizationCurvePoint, PromptsInfo } from './types.js';

interface RunEventLine {
  type: string;
  agent?: string;
  misalignmentRate?: number | null;
  bestJ?: number;
  hashes?: Record<string, string>;
}

function readJsonl(file: string): RunEventLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as RunEventLine];
      } catch {
        return [];
      }
    });
}

/** The newest optimization run in `runsDir` whose recorded hashes match the artifact's. */
export function findRunDir(runsDir: string, artifact: Pick<PromptArtifact, 'hashes'>): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  const ids = readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .reverse();
  for (const id of ids) {
    const start = readJsonl(join(runsDir, id, 'events.jsonl')).find((e) => e.type === 'run-start');
    const h = start?.hashes;
    if (
      h &&
      h.config === artifact.hashes.config &&
      h.dataset === artifact.hashes.dataset &&
      h.models === artifact.hashes.models
    ) {
      return join(runsDir, id);
    }
  }
  return undefined;
}

/**
 * Per agent, the misalignment rate at each optimization depth (the n-th generation step of that agent),
 * read from a run directory's events.jsonl.
 */
export function curvesFromRun(runDir: string): Record<string, OptimizationCurvePoint[]> {
  const out: Record<string, OptimizationCurvePoint[]> = {};
  for (const e of readJsonl(join(runDir, 'events.jsonl'))) {
    if (e.type !== 'generation' || !e.agent || typeof e.misalignmentRate !== 'number') continue;
    const list = out[e.agent] ?? [];
    out[e.agent] = list;
    list.push({
      depth: list.length + 1,
      misalignmentRate: e.misalignmentRate,
      ...(typeof e.bestJ === 'number' ? { score: e.bestJ } : {}),
    });
  }
  return out;
}

/** The optimizer's rationale for each accepted candidate, keyed by candidate hash (from generations/*.json). */
export function rationalesFromRun(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(runDir, 'generations');
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    try {
      const data = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        candidates?: Array<{ hash?: string | null; rationale?: string }>;
      };
      for (const c of data.candidates ?? []) if (c.hash && c.rationale) out.set(c.hash, c.rationale);
    } catch {
      /* a file cut by a crash: no rationale from it */
    }
  }
  return out;
}

/** Fields the optimizer records per agent in newer artifacts (optional: older artifacts lack them). */
interface ArtifactAgentExtras {
  rationale?: Array<{ hash?: string; text?: string }>;
  curve?: Array<{ depth?: number; misalignmentRate?: number | null; bestJ?: number }>;
}

/** The rationale of the agent's final prompt as the artifact records it (its last accepted step). */
export function rationaleFromArtifact(agent: ArtifactAgentExtras & { hash: string }): string | undefined {
  const steps = Array.isArray(agent.rationale) ? agent.rationale : [];
  const own = steps.filter((r) => typeof r.text === 'string' && r.text.trim());
  const exact = own.findLast((r) => r.hash === agent.hash) ?? own.at(-1);
  return exact?.text?.trim() || undefined;
}

/** Per agent, the misalignment rate over optimization depth as the artifact records it. */
export function curvesFromArtifact(artifact: PromptArtifact): Record<string, OptimizationCurvePoint[]> {
  const out: Record<string, OptimizationCurvePoint[]> = {};
  for (const [id, a] of Object.entries(artifact.agents)) {
    const curve = (a as ArtifactAgentExtras).curve;
    if (!Array.isArray(curve)) continue;
    const points = curve.flatMap((p) =>
      typeof p.depth === 'number' && typeof p.misalignmentRate === 'number'
        ? [
            {
              depth: p.depth,
              misalignmentRate: p.misalignmentRate,
              ...(typeof p.bestJ === 'number' ? { score: p.bestJ } : {}),
            },
          ]
        : [],
    );
    if (points.length) out[id] = points;
  }
  return out;
}

/**
 * What the reporters show about an artifact's prompts: per agent prompt, rationale, depth; curves. The
 * rationale and the misalignment curves come from the artifact itself (committed with the prompts); the
 * optimization run directory (`.maspo/runs`, not committed) is only a fallback for older artifacts.
 */
export function promptsInfoFromArtifact(
  artifact: PromptArtifact,
  o: { path?: string; source: PromptsInfo['source']; runsDir?: string },
): PromptsInfo {
  const fromArtifact = curvesFromArtifact(artifact);
  const needRun =
    Object.keys(fromArtifact).length === 0 ||
    Object.entries(artifact.agents).some(([, a]) => a.changed && !rationaleFromArtifact(a));
  const runDir = needRun && o.runsDir ? findRunDir(o.runsDir, artifact) : undefined;
  const rationales = runDir ? rationalesFromRun(runDir) : new Map<string, string>();
  const agents: Record<string, AgentPromptInfo> = {};
  for (const [id, prompt] of Object.entries(artifact.prompts)) {
    const a = artifact.agents[id];
    const rationale = a ? (rationaleFromArtifact(a) ?? rationales.get(a.hash)) : undefined;
    agents[id] = {
      prompt,
      ...(a?.seedPrompt !== undefined ? { seed: a.seedPrompt } : {}),
      ...(a && !a.changed
        ? { rationale: 'unchanged: the seed prompt was kept' }
        : rationale
          ? { rationale }
          : {}),
      ...(a ? { depth: Math.max(0, a.lineage.length - 1) } : {}),
    };
  }
  if (artifact.validation?.kept === 'seed') {
    for (const a of Object.values(agents))
      a.rationale = `validation kept the seed prompts: ${artifact.validation.reason}`;
  }
  const curves = Object.keys(fromArtifact).length ? fromArtifact : runDir ? curvesFromRun(runDir) : undefined;
  return {
    source: o.source,
    ...(o.path ? { path: o.path } : {}),
    hash: hashValue(artifact.prompts).slice(0, 16),
    agents,
    ...(curves && Object.keys(curves).length ? { curves } : {}),
    benchmarks: [artifact.benchmark],
    simulated: artifact.simulated,
    ...(artifact.topology
      ? {
          topology: {
            agents: artifact.topology.agents,
            edges: artifact.topology.edges,
            output: artifact.topology.output,
          },
        }
      : {}),
  };
}
