import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plugin, version } from './index';

describe('plugin', () => {
  it('declares its identity and components', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
      peerDependencies: Record<string, string>;
    };
    expect(version).toBe(packageJson.version);
    expect(plugin.meta).toMatchObject({ name: 'rkd', version, runtime: packageJson.peerDependencies['@core/runtime'] });
    expect(Object.keys(plugin.losses).sort()).toEqual(['angle', 'attention', 'distance', 'hint', 'triplet']);
    expect(Object.keys(plugin.models).sort()).toEqual(['cnn-embedding', 'mlp-embedding']);
    expect(Object.keys(plugin.steps).sort()).toEqual(['metric-distill', 'metric-train']);
  });
});
