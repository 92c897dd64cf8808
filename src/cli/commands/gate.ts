import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
};
const num = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
  return n;
};

interface CalibrateFlags {
  config: string;
  prompts?: string;
  baseline: string;
  repeat: number;
  limit?: number;
  only?: string;
  seedPrompts?: boolean;
  alpha?: number;
  tolerance?: number;
}

export function registerGate(program: Command): void {
  const cmd = program.command('gate').description("The regression gate's statistics");
  cmd
    .command('calibrate')
    .description(
      'Re-run the current prompts k times with different seeds against the baseline: observed false-alarm rate, per-benchmark discordance, power table (exit 0; 2 on unusable input)',
    )
    .option('-c, --config <file>', 'maspo config (YAML or TS)', 'maspo.config.yaml')
    .option('-p, --prompts <file>', 'prompt artifact (default maspo.prompts.json next to the config)')
    .option('-b, --baseline <file>', 'baseline to gate against', 'baselines/maspo.baseline.json')
    .option(
      '-k, --repeat <k>',
      'noise-only reruns (seeds config.seed+1 … config.seed+k)',
      int('repeat', 1, 1000),
      10,
    )
    .option('--limit <n>', 'at most n items per suite', int('limit', 1, 1e9))
    .option('--only <ids>', 'comma-separated benchmarks (default: those of the config that the baseline has)')
    .option('--seed-prompts', "calibrate the config's own prompts instead of the artifact")
    .option('--alpha <p>', 'family-wise significance level', num('alpha', 1e-9, 0.5))
    .option('--tolerance <pt>', 'accuracy drop / misalignment rise tolerated (0–1)', num('tolerance', 0, 1))
    .action(async (o: CalibrateFlags) => {
      const { runCalibration } = await import('../../harness/calibrate-cli.js');
      const lines = await runCalibration({
        configPath: o.config,
        ...(o.prompts ? { promptsPath: o.prompts } : {}),
        baselinePath: o.baseline,
        repeat: o.repeat,
        ...(o.limit ? { limit: o.limit } : {}),
        ...(o.only ? { only: o.only.split(',').map((s) => s.trim()) } : {}),
        seedPrompts: o.seedPrompts === true,
        gate: {
          ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
          ...(o.tolerance !== undefined
            ? { accuracyTolerance: o.tolerance, misalignmentTolerance: o.tolerance }
            : {}),
        },
        log: (l) => process.stderr.write(`${l}\n`),
      }).catch((err: unknown) => {
        // Unusable input (baseline, config, data, stale prompts) is exit 2, like every command.
        const name = (err as Error).name;
        if (['HarnessInputError', 'StalePromptsError', 'InvalidConfigError', 'DataError'].includes(name))
          throw new UsageError((err as Error).message);
        throw err;
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
