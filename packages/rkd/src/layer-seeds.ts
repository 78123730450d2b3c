import { createRng } from '@core/runtime';

/**
 * Initialiser seeds per layer derived from one model seed and the layer's name, so a layer's
 * initial weights depend only on (seed, layer name), in every process.
 *
 * @param seed - The model seed.
 * @returns A function from layer name to a 31-bit seed.
 */
export function createLayerSeeds(seed: number): (layerName: string) => number {
  const root = createRng(seed);
  return (layerName) => root.fork(layerName).seed();
}
