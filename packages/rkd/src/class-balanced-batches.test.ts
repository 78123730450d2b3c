import { createRng, InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { sampleClassBalancedBatches } from './class-balanced-batches';

describe('sampleClassBalancedBatches', () => {
  const labels = Int32Array.from({ length: 60 }, (_, index) => index % 6);

  it('fills each batch with K distinct images of shuffled classes', () => {
    const batches = sampleClassBalancedBatches(labels, { batchSize: 12, imagesPerClass: 4, batches: 20, random: createRng(1) });
    expect(batches).toHaveLength(20);
    const firstClasses = new Set<number>();
    for (const batch of batches) {
      expect(batch.length).toBe(12);
      expect(new Set(batch).size).toBe(12);
      const counts = new Map<number, number>();
      for (const index of batch) counts.set(labels[index], (counts.get(labels[index]) ?? 0) + 1);
      expect([...counts.values()]).toEqual([4, 4, 4]);
      firstClasses.add(labels[batch[0]]);
    }
    expect(firstClasses.size).toBeGreaterThan(3);
  });

  it('cuts the last class to the batch size, gives small classes whole and is reproducible', () => {
    const batch = sampleClassBalancedBatches(labels, { batchSize: 10, imagesPerClass: 4, batches: 1, random: createRng(2) })[0];
    expect(batch.length).toBe(10);
    const few = Int32Array.from([0, 0, 1, 1, 1, 1, 1]);
    const [small] = sampleClassBalancedBatches(few, { batchSize: 100, imagesPerClass: 3, batches: 1, random: createRng(3) });
    expect(small.length).toBe(5);
    expect(small.includes(0) && small.includes(1)).toBe(true);
    expect([...small].filter((index) => few[index] === 1)).toHaveLength(3);
    const again = () => sampleClassBalancedBatches(labels, { batchSize: 12, imagesPerClass: 3, batches: 3, random: createRng(4) }).map((item) => Array.from(item));
    expect(again()).toEqual(again());
  });

  it('rejects bad sizes and empty data', () => {
    const attempt = (call: () => unknown): unknown => {
      try {
        call();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(InvalidArgumentError.isInstance(attempt(() => sampleClassBalancedBatches(labels, { batchSize: 0, imagesPerClass: 2, batches: 1, random: createRng(1) })))).toBe(true);
    expect(InvalidArgumentError.isInstance(attempt(() => sampleClassBalancedBatches(new Int32Array(0), { batchSize: 4, imagesPerClass: 2, batches: 1, random: createRng(1) })))).toBe(true);
  });
});
