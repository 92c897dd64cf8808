import { dirname, join, resolve } from 'node:path';

/** The artifact's file name when nothing else is said. */
export const ARTIFACT_FILE = 'maspo.prompts.json';

/**
 * Where a config's prompt artifact lives unless `--out` / `--prompts` says otherwise: beside the config
 * (so each config keeps its own, and `maspo optimize` and `maspo eval` agree wherever they are run from).
 */
export function defaultArtifactPath(configPath: string): string {
  return join(dirname(resolve(configPath)), ARTIFACT_FILE);
}

/**
 * Where `maspo eval` writes prompts it re-optimized because the committed artifact was stale: a working
 * copy `.maspo/prompts/<config name>.prompts.json` under the project root (not committed), so the
 * committed file is only rewritten when asked (`--update-prompts`).
 */
export function workingArtifactPath(root: string, configName: string): string {
  const safe = configName.replace(/[^A-Za-z0-9._-]+/g, '-') || 'maspo';
  return join(resolve(root), '.maspo', 'prompts', `${safe}.prompts.json`);
}
