import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineLoss, definePlugin } from './define';
import { CoreError, PluginIncompatibleError, UnknownComponentError } from './errors';
import { createRegistry } from './registry';
import { satisfiesRange } from './semver';
import { RUNTIME_VERSION } from './version';

const loss = defineLoss({
  options: z.strictObject({ scale: z.number().default(1) }),
  create: () => ({ name: 'zero', compute: (context) => context.outputs.sum().mul(0) as never }),
});

describe('createRegistry', () => {
  it('holds the core plugin and namespaces plugin keys', () => {
    const registry = createRegistry().use(definePlugin({ meta: { name: 'demo', version: '1.0.0', runtime: `^${RUNTIME_VERSION}` }, losses: { zero: loss } }));
    expect(registry.keys('losses')).toEqual(['core:cross-entropy', 'core:kd', 'core:soft-targets', 'demo:zero']);
    expect(registry.keys('steps')).toEqual(['core:distill', 'core:evaluate', 'core:export', 'core:train']);
    expect(registry.get('losses', 'demo:zero')).toBe(loss);
  });

  it('registries are independent: nothing is global', () => {
    const first = createRegistry().use(definePlugin({ meta: { name: 'demo', version: '1.0.0', runtime: '*' }, losses: { zero: loss } }));
    const second = createRegistry();
    expect(first.has('losses', 'demo:zero')).toBe(true);
    expect(second.has('losses', 'demo:zero')).toBe(false);
  });

  it('suggests the closest key and names the loaded ones', () => {
    const registry = createRegistry();
    const error = (() => {
      try {
        registry.get('losses', 'core:kdd');
      } catch (caught) {
        return caught;
      }
    })();
    expect(UnknownComponentError.isInstance(error)).toBe(true);
    expect(CoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('unknown loss "core:kdd". Did you mean "core:kd"? Loaded losses: core:cross-entropy, core:kd, core:soft-targets.');
    expect(() => registry.get('losses', 'rkd:distance')).toThrow(/Plugin "rkd" is not loaded/);
  });

  it('rejects incompatible, duplicate and malformed plugins, and use() after freeze()', () => {
    const registry = createRegistry();
    expect(() => registry.use(definePlugin({ meta: { name: 'old', version: '1.0.0', runtime: '^2.0.0' } }))).toThrow(`needs @core/runtime ^2.0.0, but this is ${RUNTIME_VERSION}`);
    try {
      registry.use(definePlugin({ meta: { name: 'old', version: '1.0.0', runtime: '^2.0.0' } }));
    } catch (error) {
      expect(PluginIncompatibleError.isInstance(error)).toBe(true);
      expect((error as CoreError).code).toBe('E_PLUGIN_INCOMPATIBLE');
    }
    expect(() => registry.use(definePlugin({ meta: { name: 'core', version: '1.0.0', runtime: '*' } }))).toThrow(/already registered/);
    expect(() => registry.use({} as never)).toThrow(/not a plugin/);
    registry.freeze();
    expect(() => registry.use(definePlugin({ meta: { name: 'late', version: '1.0.0', runtime: '*' } }))).toThrow(/frozen/);
  });
});

describe('dataset aliases', () => {
  const datasets = (aliases: string[]) => ({
    tiny: { aliases, options: z.strictObject({}), create: () => Promise.reject(new Error('not loaded in this test')) },
  });

  it('resolves the short names plugins declare, and leaves full keys alone', () => {
    const registry = createRegistry().use(definePlugin({ meta: { name: 'demo', version: '1.0.0', runtime: '*' }, datasets: datasets(['tiny']) }));
    expect(registry.resolveDatasetKey('mnist')).toBe('core:mnist');
    expect(registry.resolveDatasetKey('fashion-mnist')).toBe('core:fashion-mnist');
    expect(registry.resolveDatasetKey('tiny')).toBe('demo:tiny');
    expect(registry.resolveDatasetKey('demo:tiny')).toBe('demo:tiny');
    expect(registry.resolveDatasetKey('unknown')).toBe('unknown');
    expect(registry.datasetAliases()).toMatchObject({ mnist: 'core:mnist', tiny: 'demo:tiny' });
  });

  it('refuses an alias another plugin took, and leaves the registry unchanged', () => {
    const registry = createRegistry();
    expect(() => registry.use(definePlugin({ meta: { name: 'demo', version: '1.0.0', runtime: '*' }, datasets: datasets(['mnist']) }))).toThrow(
      /dataset alias "mnist" of "demo:tiny" is already the alias of "core:mnist"/,
    );
    expect(registry.has('datasets', 'demo:tiny')).toBe(false);
    expect(registry.plugins().map((plugin) => plugin.meta.name)).toEqual(['core']);
  });
});

describe('satisfiesRange', () => {
  it.each([
    ['0.1.0', '^0.1.0', true],
    ['0.1.5', '^0.1.0', true],
    ['0.2.0', '^0.1.0', false],
    ['1.4.0', '^1.0.0', true],
    ['2.0.0', '^1.0.0', false],
    ['1.2.9', '~1.2.0', true],
    ['1.3.0', '~1.2.0', false],
    ['3.0.0', '>=2.1.0', true],
    ['0.1.0', '^1.0.0 || ^0.1.0', true],
    ['0.1.0', '*', true],
    ['0.1.0', '>=0.1.0 <1.0.0', true],
    ['0.9.3', '>=0.1.0 <1.0.0', true],
    ['1.0.0', '>=0.1.0 <1.0.0', false],
    ['0.0.9', '>=0.1.0 <1.0.0', false],
    ['1.0.0', '<=1.0.0', true],
    ['1.0.0', '>1.0.0', false],
    ['1.0.1', '>1.0.0', true],
    ['1.0.0', '=1.0.0', true],
  ])('%s in %s is %s', (version, range, expected) => {
    expect(satisfiesRange(version, range)).toBe(expected);
  });
});
