import { describe, expect, it } from 'vitest';
import { createDivergenceGuard, DEFAULT_DIVERGENCE_THRESHOLD } from './divergence-guard';

describe('createDivergenceGuard', () => {
  it('is on by default: a loss whose magnitude passes 1e6 breaks the bound, on a batch or as an epoch mean', () => {
    const guard = createDivergenceGuard(undefined);
    expect(guard.monitor).toBe('loss');
    expect(DEFAULT_DIVERGENCE_THRESHOLD).toBe(1e6);
    expect(guard.checkBatch({ loss: 2.3, accuracy: 0.1 })).toBeUndefined();
    expect(guard.checkBatch({ loss: 1e6 })).toBeUndefined();
    expect(guard.checkBatch({ loss: 2e35 })).toEqual({ rule: 'threshold', metric: 'loss', value: 2e35, limit: 1e6 });
    expect(guard.checkBatch({ loss: -3e6 })).toMatchObject({ rule: 'threshold', value: -3e6 });
    expect(guard.checkEpoch({ loss: 5e6 }, [])).toMatchObject({ rule: 'threshold' });
    // Large metrics other than the watched one are not its business.
    expect(guard.checkBatch({ loss: 1, return: 1e9 })).toBeUndefined();
    expect(guard.checkBatch({ accuracy: 1 })).toBeUndefined();
  });

  it('watches the metric and bound it is given, and nothing when turned off', () => {
    expect(createDivergenceGuard({ monitor: 'td_loss', threshold: 10 }).checkBatch({ loss: 1e9, td_loss: 11 })).toMatchObject({ metric: 'td_loss', limit: 10 });
    expect(createDivergenceGuard({ threshold: null }).checkBatch({ loss: 1e30 })).toBeUndefined();
    const off = createDivergenceGuard(false);
    expect(off.monitor).toBeUndefined();
    expect(off.checkBatch({ loss: 1e30 })).toBeUndefined();
    expect(off.checkEpoch({ loss: 1e30 }, [{ epoch: 1, loss: 1 }])).toBeUndefined();
  });

  it('with a factor, stops an epoch mean that grows past factor times the best earlier mean', () => {
    const guard = createDivergenceGuard({ factor: 10 });
    const history = [
      { epoch: 1, loss: 2 },
      { epoch: 2, loss: 0.5 },
      { epoch: 3, loss: 0.8 },
    ];
    expect(guard.checkEpoch({ loss: 4.9 }, history)).toBeUndefined();
    expect(guard.checkEpoch({ loss: 5.1 }, history)).toEqual({ rule: 'factor', metric: 'loss', value: 5.1, limit: 5, best: { value: 0.5, epoch: 2 } });
    // No earlier epoch, or none with a positive mean: nothing to compare with.
    expect(guard.checkEpoch({ loss: 1e5 }, [])).toBeUndefined();
    expect(guard.checkEpoch({ loss: 1e5 }, [{ epoch: 1, loss: -2 }, { epoch: 2, loss: 0 }])).toBeUndefined();
    // Batches are held to the threshold only: one noisy batch is no trend.
    expect(guard.checkBatch({ loss: 100 })).toBeUndefined();
  });
});
