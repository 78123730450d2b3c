import { describe, expect, it } from 'vitest';
import { computeChannelStats } from './channel-stats';

describe('computeChannelStats', () => {
  it('computes per-channel mean and population standard deviation', () => {
    // Two 1×2 images with 2 channels: channel 0 holds 0, 1, 2, 3 and channel 1 holds 5 everywhere.
    const images = Float32Array.from([0, 5, 1, 5, 2, 5, 3, 5]);
    const stats = computeChannelStats({ images, shape: [1, 2, 2] });
    expect(stats.mean).toEqual([1.5, 5]);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(stats.std[1]).toBe(0);
  });
});
