import { describe, expect, it } from 'vitest';
import { datasetCatalog } from './dataset-catalog';

describe('datasetCatalog', () => {
  it('lists the offline data sets with loaders that honour limit', async () => {
    expect(Object.keys(datasetCatalog)).toEqual(['mnist', 'fashion-mnist']);
    const entry = datasetCatalog.mnist;
    expect(entry.description).toContain('8,500');
    const { train, test } = await entry.load({ limit: { train: 20, test: 10 } });
    expect([train.count, test.count]).toEqual([20, 10]);
    expect(train.shape).toEqual(entry.shape);
    expect(datasetCatalog['fashion-mnist'].counts).toEqual({ train: 60000, test: 10000 });
  });
});
