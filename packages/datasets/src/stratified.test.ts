import { describe, expect, it } from 'vitest';
import { interleaveClasses, proportionalQuotas } from './stratified';

describe('proportionalQuotas', () => {
  it('shares a total in proportion, leftovers to the largest remainders', () => {
    expect(proportionalQuotas([10, 10, 10], 7)).toEqual([3, 2, 2]);
    expect(proportionalQuotas([1, 3], 2)).toEqual([1, 1]);
    expect(proportionalQuotas([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 8500)).toEqual([
      851, 958, 842, 877, 833, 734, 862, 910, 802, 831,
    ]);
  });

  it('never exceeds what is available and sums to the total', () => {
    for (let total = 0; total <= 16; total += 1) {
      const quotas = proportionalQuotas([5, 0, 1, 10], total);
      expect(quotas.reduce((sum, value) => sum + value, 0)).toBe(Math.min(total, 16));
      quotas.forEach((quota, label) => expect(quota).toBeLessThanOrEqual([5, 0, 1, 10][label]));
    }
  });
});

describe('interleaveClasses', () => {
  it('takes one of each class in turn, skipping exhausted classes', () => {
    expect(Array.from(interleaveClasses([[0, 1, 2], [10], [20, 21]]))).toEqual([0, 10, 20, 1, 21, 2]);
    expect(Array.from(interleaveClasses([]))).toEqual([]);
  });
});
