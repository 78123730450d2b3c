import * as tf from '@tensorflow/tfjs';
import type { Plugin, SerializableLayerClass } from './contracts';
import { PluginIncompatibleError } from './errors';

/** Marks a layer class with the plugin that registered it (on the class itself: no module state). */
const ownerMarker = Symbol.for('core.layer.plugin');

type RegisteredClass = SerializableLayerClass & { [ownerMarker]?: string };

function registeredUnder(className: string): RegisteredClass | undefined {
  const map = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [RegisteredClass, unknown] | undefined> }).classNameMap;
  return map[className]?.[0];
}

/**
 * Registers a plugin's custom layers with tfjs's serialisation map, so `tf.loadLayersModel` can
 * read models that contain them. tfjs writes only a layer's `className` into model.json, so the
 * class name itself carries the plugin: it must be `<plugin>.<Name>` (`rkd.L2Normalization`).
 *
 * Idempotent: registering the same plugin's layers again (another registry, or another copy of the
 * plugin package) is a no-op. Collision-checked: a class of the same name registered by another
 * plugin, or by code outside the toolkit, is an error, so two plugins never overwrite each other's
 * layers silently.
 *
 * Plugins export `registerLayers = () => registerPluginLayers(plugin)` for users of plain
 * `tf.loadLayersModel` who never build a registry.
 *
 * @throws PluginIncompatibleError for a class name without the plugin prefix or one another plugin registered.
 */
export function registerPluginLayers(plugin: Pick<Plugin, 'meta' | 'layers'>): void {
  const name = plugin.meta.name;
  for (const layer of plugin.layers ?? []) {
    const className = (layer as Partial<SerializableLayerClass>).className;
    if (typeof className !== 'string' || !className.startsWith(`${name}.`) || className.length === name.length + 1) {
      throw new PluginIncompatibleError(
        name,
        `layer class ${String(className ?? (layer as { name?: string }).name)} of plugin "${name}" must have a static className "${name}.<Name>" (e.g. "${name}.${(layer as { name?: string }).name || 'MyLayer'}"): tfjs writes only the class name into model.json, so it must say which plugin the layer belongs to.`,
      );
    }
    if (typeof (layer as Partial<SerializableLayerClass>).fromConfig !== 'function' || typeof layer.prototype?.getConfig !== 'function') {
      throw new PluginIncompatibleError(name, `layer class ${className} of plugin "${name}" must implement getConfig() and static fromConfig() (extend tf.layers.Layer) to be serialisable.`);
    }
    const existing = registeredUnder(className);
    if (existing === layer) continue;
    if (existing !== undefined) {
      const owner = existing[ownerMarker];
      if (owner !== name) {
        throw new PluginIncompatibleError(
          name,
          `layer class "${className}" of plugin "${name}" is already registered with tfjs by ${owner === undefined ? 'code outside the toolkit' : `plugin "${owner}"`}; two different classes cannot share a serialised name. Rename one of them.`,
        );
      }
    }
    Object.defineProperty(layer, ownerMarker, { value: name, configurable: true });
    tf.serialization.registerClass(layer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>, name);
  }
}
