import { readFileSync } from 'node:fs';
import { parseConfigText, prepareConfig } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { plugin } from './index';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);

describe('README example pipelines', () => {
  it('are present', () => {
    expect(examples.map((text) => (parseConfigText(text) as { name: string }).name)).toEqual(['rkd-metric', 'rkd-classification']);
  });

  it.each(examples.map((text) => [(parseConfigText(text) as { name: string }).name, text]))('%s validates against core and rkd', async (_name, text) => {
    const { plugins, ...config } = parseConfigText(text) as { plugins: string[] };
    expect(plugins).toEqual(['@core/rkd']);
    const prepared = await prepareConfig({ config }, { plugins: [plugin] });
    expect(prepared.config.steps.length).toBeGreaterThan(2);
  });
});
