import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin } from './define';
import { PluginIncompatibleError } from './errors';
import { registerPluginLayers } from './plugin-layers';
import { createRegistry } from './registry';

function layerClass(className: string) {
  return class extends tf.layers.Layer {
    static readonly className = className;
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]) {
      return inputShape;
    }
  };
}

const registered = (className: string) =>
  (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [unknown, unknown]> }).classNameMap[className]?.[0];

describe('registerPluginLayers', () => {
  it('registers under the plugin-qualified class name, idempotently across registries', () => {
    const Scale = layerClass('layertest.Scale');
    const plugin = definePlugin({ meta: { name: 'layertest', version: '1.0.0', runtime: '*' }, layers: [Scale] });
    createRegistry().use(plugin);
    expect(registered('layertest.Scale')).toBe(Scale);
    expect(() => createRegistry().use(plugin)).not.toThrow();
    expect(() => registerPluginLayers(plugin)).not.toThrow();
    expect(registered('layertest.Scale')).toBe(Scale);
  });

  it('fails loudly when another plugin registered a class of the same name, leaving the registry unchanged', () => {
    const first = definePlugin({ meta: { name: 'layerone', version: '1.0.0', runtime: '*' }, layers: [layerClass('layerone.Capsule')] });
    registerPluginLayers(first);
    // A second plugin cannot take "layerone.Capsule": its own classes carry its own prefix.
    const impostor = definePlugin({ meta: { name: 'layerone', version: '2.0.0', runtime: '*' }, layers: [layerClass('layerone.Capsule')] });
    expect(() => registerPluginLayers(impostor)).not.toThrow(); // the same plugin (another copy of its package) may re-register
    const Outside = layerClass('layertwo.Capsule');
    tf.serialization.registerClass(Outside as never);
    const second = definePlugin({ meta: { name: 'layertwo', version: '1.0.0', runtime: '*' }, losses: {}, layers: [layerClass('layertwo.Capsule')] });
    const registry = createRegistry();
    expect(() => registry.use(second)).toThrow(/layer class "layertwo\.Capsule" of plugin "layertwo" is already registered with tfjs by code outside the toolkit/);
    expect(registry.plugins().map((plugin) => plugin.meta.name)).toEqual(['core']);
    expect(registered('layertwo.Capsule')).toBe(Outside);
  });

  it('requires the plugin prefix and a serialisable class', () => {
    const bare = definePlugin({ meta: { name: 'layerthree', version: '1.0.0', runtime: '*' }, layers: [layerClass('Capsule')] });
    let error: unknown;
    try {
      registerPluginLayers(bare);
    } catch (caught) {
      error = caught;
    }
    expect(PluginIncompatibleError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/must have a static className "layerthree\.<Name>"/);
    const notALayer = definePlugin({ meta: { name: 'layerfour', version: '1.0.0', runtime: '*' }, layers: [{ className: 'layerfour.Thing' } as never] });
    expect(() => registerPluginLayers(notALayer)).toThrow(/must implement getConfig\(\) and static fromConfig\(\)/);
  });
});
