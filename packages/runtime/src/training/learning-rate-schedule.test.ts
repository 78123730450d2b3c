import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createSchedule, scheduleOptions } from './learning-rate-schedule';

/** Rates of every batch of the run, in order. */
function trace(schedule: (epoch: number, batch: number) => number, epochs: number, batchesPerEpoch: number): number[] {
  const rates: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let batch = 0; batch < batchesPerEpoch; batch += 1) rates.push(schedule(epoch, batch));
  }
  return rates;
}

function expectRates(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 10));
}

describe('createSchedule', () => {
  it('fills defaults and rejects unknown keys', () => {
    expect(scheduleOptions.parse({ type: 'cosine' })).toEqual({ type: 'cosine', minLearningRate: 0, warmupEpochs: 0 });
    expect(scheduleOptions.parse({ type: 'step', milestones: [3] })).toEqual({ type: 'step', milestones: [3], gamma: 0.1, warmupEpochs: 0 });
    expect(scheduleOptions.safeParse({ type: 'constant', gamma: 0.1 }).success).toBe(false);
    expect(scheduleOptions.safeParse({ type: 'linear' }).success).toBe(false);
    expect(() => createSchedule({ type: 'step' } as never, { baseLearningRate: 1, epochs: 1, batchesPerEpoch: 1 })).toThrow(/milestones/);
  });

  it('constant, with and without warm-up', () => {
    const context = { baseLearningRate: 0.1, epochs: 2, batchesPerEpoch: 4 };
    expectRates(trace(createSchedule({ type: 'constant' }, context), 2, 4), [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    // One warm-up epoch of 4 batches: 0, ¼, ½, ¾ of the rate, then the full rate.
    expectRates(trace(createSchedule({ type: 'constant', warmupEpochs: 1 }, context), 2, 4), [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1]);
  });

  it('step: multiplies by gamma from each milestone epoch on', () => {
    const schedule = createSchedule({ type: 'step', milestones: [2, 4] }, { baseLearningRate: 1, epochs: 6, batchesPerEpoch: 1 });
    expectRates(trace(schedule, 6, 1), [1, 1, 0.1, 0.1, 0.01, 0.01]);
    // Half an epoch of warm-up over 4 batches is 2 batches: 0, ½, then 1 until epoch 1's milestone (γ = 0.5).
    const warm = createSchedule({ type: 'step', milestones: [1], gamma: 0.5, warmupEpochs: 0.5 }, { baseLearningRate: 1, epochs: 2, batchesPerEpoch: 4 });
    expectRates(trace(warm, 2, 4), [0, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.5]);
  });

  it('cosine: anneals to the minimum over all batches', () => {
    // T = 4 batches: (1 + cos(π t / 4)) / 2 for t = 0…3.
    const schedule = createSchedule({ type: 'cosine' }, { baseLearningRate: 1, epochs: 2, batchesPerEpoch: 2 });
    expectRates(trace(schedule, 2, 2), [1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2]);
    // Past the end the rate stays at the minimum.
    expect(schedule(5, 0)).toBeCloseTo(0, 12);
  });

  it('cosine with warm-up anneals over the batches after the warm-up', () => {
    // base 1.1, min 0.1, W = 2 of T = 6 batches: 0, 0.55, then 0.1 + (1 + cos(π p)) / 2 for p = 0, ¼, ½, ¾.
    const schedule = createSchedule({ type: 'cosine', minLearningRate: 0.1, warmupEpochs: 1 }, { baseLearningRate: 1.1, epochs: 3, batchesPerEpoch: 2 });
    expectRates(trace(schedule, 3, 2), [0, 0.55, 1.1, 0.1 + (1 + Math.SQRT1_2) / 2, 0.6, 0.1 + (1 - Math.SQRT1_2) / 2]);
  });

  it('validates the context and positions', () => {
    expect(() => createSchedule({ type: 'constant' }, { baseLearningRate: 0.1, epochs: 0, batchesPerEpoch: 1 })).toThrow(InvalidArgumentError);
    expect(() => createSchedule({ type: 'constant' }, { baseLearningRate: -1, epochs: 1, batchesPerEpoch: 1 })).toThrow(InvalidArgumentError);
    expect(() => createSchedule({ type: 'cosine', warmupEpochs: 2 }, { baseLearningRate: 0.1, epochs: 2, batchesPerEpoch: 3 })).toThrow(/warmupEpochs/);
    const schedule = createSchedule({ type: 'constant' }, { baseLearningRate: 0.1, epochs: 2, batchesPerEpoch: 3 });
    expect(() => schedule(0, 3)).toThrow(InvalidArgumentError);
    expect(() => schedule(-1, 0)).toThrow(InvalidArgumentError);
  });
});
