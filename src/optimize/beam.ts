import { sha256 } from '../util/hash.js';

export interface BeamNode {
  prompt: string;
  /** sha256 of the prompt (first 16 hex chars). */
  hash: string;
  /** Cumulative score J. */
  J: number;
  /** Hash of the parent prompt; null for the seed. */
  parent: string | null;
  /** Prompt hashes from the seed to this node (inclusive). */
  lineage: string[];
  /** Where the node was created. */
  round: number;
  generation: number;
  /** The reward that admitted it (null for the seed and refreshed nodes' origin). */
  R: number | null;
}

export const promptHash = (prompt: string): string => sha256(prompt).slice(0, 16);

export function seedNode(prompt: string): BeamNode {
  const hash = promptHash(prompt);
  return { prompt, hash, J: 0, parent: null, lineage: [hash], round: 0, generation: 0, R: null };
}

export function childNode(
  parent: BeamNode,
  prompt: string,
  J: number,
  R: number,
  round: number,
  generation: number,
): BeamNode {
  const hash = promptHash(prompt);
  return { prompt, hash, J, parent: parent.hash, lineage: [...parent.lineage, hash], round, generation, R };
}

/**
 * The next beam: the top K distinct prompts by J among the current beam (parents stay eligible) and the
 * admitted children. Ties keep the earlier entry (parents before children, children in order). When the
 * same prompt appears twice, its higher-J copy is kept.
 */
export function selectBeam(
  parents: readonly BeamNode[],
  children: readonly BeamNode[],
  width: number,
): BeamNode[] {
  const all = [...parents, ...children].map((node, order) => ({ node, order }));
  all.sort((a, b) => b.node.J - a.node.J || a.order - b.order);
  const seen = new Set<string>();
  const out: BeamNode[] = [];
  for (const { node } of all) {
    if (seen.has(node.prompt)) continue;
    seen.add(node.prompt);
    out.push(node);
    if (out.length === width) break;
  }
  return out;
}

/** Candidate prompts without duplicates, without the parent's prompt, and without blank ones; order kept. */
export function dedupeCandidates(parentPrompt: string, candidates: readonly string[]): string[] {
  const norm = (s: string) => s.trim();
  const seen = new Set<string>([norm(parentPrompt)]);
  const out: string[] = [];
  for (const c of candidates) {
    const k = norm(c);
    if (k === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}
