import { hash32 } from '../util/prng.js';

/**
 * The seed a provider receives: the request's seed with its sample index folded in. Providers (OpenAI,
 * Gemini, `maspo sim serve`) take only a seed, so without this every sample of a self-consistency vote
 * would be the same request. Index 0 keeps the seed as it is.
 */
export function providerSeed(seed: number | undefined, sampleIndex: number | undefined): number | undefined {
  if (!sampleIndex) return seed;
  return hash32(`${seed ?? 0}/${sampleIndex}`) & 0x7fffffff;
}
