import { describe, expect, it } from 'vitest';
import { clearDatasetCache } from './dataset-cache';
import { loadMnist } from './mnist';

describe('clearDatasetCache', () => {
  it('lets the next load parse the files again with the same result', async () => {
    const before = await loadMnist({ limit: { train: 5, test: 5 } });
    clearDatasetCache();
    const after = await loadMnist({ limit: { train: 5, test: 5 } });
    expect(after.train.images).toEqual(before.train.images);
  });
});
