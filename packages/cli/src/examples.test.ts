import { readdirSync } from 'node:fs';
import path from 'node:path';
import { prepareConfig } from '@core/runtime';
import { describe, expect, it } from 'vitest';

const examples = path.resolve(import.meta.dirname, '../../../examples');

describe('example configs', () => {
  const files = readdirSync(examples).filter((file) => file.endsWith('.yaml'));

  it('exist', () => {
    expect(files).toEqual(expect.arrayContaining(['quickstart.yaml', 'rkd-classification.yaml', 'rkd-metric.yaml']));
  });

  it.each(files)('%s validates against the plugins it lists', async (file) => {
    const prepared = await prepareConfig(path.join(examples, file));
    expect(prepared.steps.length).toBeGreaterThan(0);
  });
});
