import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

function int(flag: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag} ${v}: expected an integer between ${min} and ${max}`);
    return n;
  };
}

interface ServeOptions {
  port: number;
  host: string;
  latencyMs?: number;
  rateLimit?: number;
  retryAfter?: number;
  faultRate?: string;
  world?: string;
  dataDir?: string;
  seed: number;
}

export function registerSim(program: Command): void {
  const sim = program
    .command('sim')
    .description('The simulated model: an offline test world where prompts matter (not a real LLM)');

  sim
    .command('serve')
    .description(
      'Serve the simulated model as an OpenAI-compatible API on loopback (POST /v1/chat/completions, GET /v1/models)',
    )
    .option('--port <n>', 'port (0 = any free port)', int('--port', 0, 65535), 0)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--latency-ms <ms>', 'added latency per request', int('--latency-ms', 0, 600_000))
    .option(
      '--rate-limit <rpm>',
      'requests per minute before 429 with Retry-After',
      int('--rate-limit', 1, 1e9),
    )
    .option(
      '--retry-after <s>',
      'Retry-After seconds on injected 429s (default 1)',
      int('--retry-after', 0, 3600),
    )
    .option(
      '--fault-rate <spec>',
      'injected faults: a total rate (e.g. 0.1, spread over all kinds) or kind=rate,... with kinds 429, 500, malformed, truncated',
    )
    .option('--world <file>', 'world YAML (default: the shipped default world)')
    .option('--data-dir <dir>', 'benchmark data directory (default: MASPO_DATA_DIR)')
    .option('--seed <n>', 'seed of the fault draws', int('--seed', 0, 2 ** 31 - 1), 0)
    .action(async (o: ServeOptions) => {
      const { startSimServer, parseFaultRates } = await import('../../llm/sim/server.js');
      const { loadWorld, WorldError } = await import('../../llm/sim/world.js');
      let faults: import('../../llm/sim/server.js').FaultRates | undefined;
      if (o.faultRate !== undefined) {
        try {
          faults = parseFaultRates(o.faultRate);
        } catch (e) {
          throw new UsageError(`--fault-rate: ${(e as Error).message}`);
        }
      }
      let world: import('../../llm/sim/world.js').World;
      try {
        world = loadWorld(o.world);
      } catch (e) {
        if (e instanceof WorldError) throw new UsageError(`--world: ${e.message}`);
        throw e;
      }
      const server = await startSimServer({
        world,
        port: o.port,
        host: o.host,
        seed: o.seed,
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}),
        ...(o.rateLimit !== undefined ? { rateLimitRpm: o.rateLimit } : {}),
        ...(o.retryAfter !== undefined ? { retryAfterSeconds: o.retryAfter } : {}),
        ...(faults ? { faults } : {}),
      });
      const models = Object.keys(world.models);
      process.stdout.write(
        [
          `maspo simulated model (offline test world, not a real LLM) listening on ${server.url}`,
          `models: ${models.join(', ')} — use e.g. openai-compatible:${models[0]}@${server.url}`,
          ...(faults
            ? [
                `injected faults: ${Object.entries(faults)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}`,
              ]
            : []),
          'press Ctrl+C to stop',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      const s = server.stats;
      process.stdout.write(
        `simulated model stopped: ${s.requests} requests, ${s.ok} answered, faults ${JSON.stringify(s.faults)}\n`,
      );
    });

  sim
    .command('check-world <file>')
    .description('Validate a simulated-model world YAML file and list its models and directives')
    .action(async (file: string) => {
      const { loadWorld, WorldError } = await import('../../llm/sim/world.js');
      try {
        const w = loadWorld(file);
        process.stdout.write(
          `${file}: valid simulated-model world\nmodels: ${Object.entries(w.models)
            .map(([k, m]) => `${k} (skill ${m.skill})`)
            .join(', ')}\ndirectives: ${w.directives
            .map((d) => `${d.id}${d.harmful ? ' (harmful)' : ''}`)
            .join(', ')}\n`,
        );
      } catch (e) {
        if (e instanceof WorldError) throw new UsageError(e.message);
        throw e;
      }
    });
}
