import * as tf from '@tensorflow/tfjs';
import { componentSpec, defineModel, fromLayersModel, InvalidArgumentError, type Model, type ModelSpec } from '@core/runtime';
import { z } from 'zod';

/** How one layer of a compressed model is decomposed: Tucker-2 ranks of a conv, or the SVD rank of a dense layer. */
export const layerRanksSchema = z.union([
  z.strictObject({ in: z.number().int().positive(), out: z.number().int().positive() }),
  z.strictObject({ rank: z.number().int().positive() }),
]);

/** Decomposition ranks of a layer: `{ in, out }` (Tucker-2 of a conv), `{ rank }` (truncated SVD of a dense layer). */
export type LayerRanks = z.output<typeof layerRanksSchema>;

/** Options of `kegnet:compressed`. */
export const compressedModelOptions = z.strictObject({
  /** The spec of the uncompressed model (e.g. `{ use: kegnet:lenet5, ... }`), as the compress step records it. */
  base: componentSpec,
  /** Ranks of each decomposed layer, by layer name. */
  layers: z.record(z.string(), layerRanksSchema),
  inputShape: z.array(z.number().int().positive()).optional(),
  numClasses: z.number().int().min(2).optional(),
  name: z.string().optional(),
});

/** Layer names a decomposed layer becomes: `<name>_tucker_first`, `<name>_tucker_core`, `<name>` (conv); `<name>_svd_first`, `<name>` (dense). */
export function decomposedLayerNames(name: string, kind: 'conv' | 'dense'): string[] {
  return kind === 'conv' ? [`${name}_tucker_first`, `${name}_tucker_core`, name] : [`${name}_svd_first`, name];
}

type LayerConfig = tf.serialization.ConfigDict;

/** A fresh layer of the same class and configuration (a new layer object with new variables). */
function cloneLayer(layer: tf.layers.Layer, overrides: LayerConfig = {}): tf.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new InvalidArgumentError('model', `layer class ${layer.getClassName()} is not registered for serialisation; register it (a plugin's registerLayers()) before compressing.`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...layer.getConfig(), ...overrides }) as unknown as tf.layers.Layer;
}

/** The layers that replace one decomposed layer, in order (the last keeps the name, the bias and the activation). */
function decomposedLayers(layer: tf.layers.Layer, ranks: LayerRanks): tf.layers.Layer[] {
  const className = layer.getClassName();
  const config = layer.getConfig();
  const name = layer.name;
  if (className === 'Conv2D') {
    if (!('in' in ranks)) throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a Conv2D: give Tucker-2 ranks { in, out }, not { rank }.`);
    const kernelSize = config.kernelSize as number[];
    const dilation = config.dilationRate as number | number[];
    if ((Array.isArray(dilation) ? dilation : [dilation]).some((value) => value !== 1)) {
      throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a dilated convolution, which this compression does not decompose.`);
    }
    const inNames = decomposedLayerNames(name, 'conv');
    return [
      tf.layers.conv2d({ filters: ranks.in, kernelSize: 1, useBias: false, name: inNames[0] }),
      tf.layers.conv2d({ filters: ranks.out, kernelSize, strides: config.strides as number[], padding: config.padding as 'valid' | 'same', useBias: false, name: inNames[1] }),
      cloneLayer(layer, { kernelSize: [1, 1], strides: [1, 1], padding: 'valid' }),
    ];
  }
  if (className === 'Dense') {
    if (!('rank' in ranks)) throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a Dense layer: give an SVD rank { rank }, not { in, out }.`);
    const [firstName] = decomposedLayerNames(name, 'dense');
    return [tf.layers.dense({ units: ranks.rank, useBias: false, name: firstName }), cloneLayer(layer)];
  }
  throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a ${className}; only Conv2D (Tucker-2) and Dense (truncated SVD) layers are decomposed.`);
}

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
}

/**
 * Rebuilds a functional LayersModel with some layers replaced by their decomposed forms: walks the
 * graph in topological order (branches and merges included, as in a ResNet) and applies a fresh copy
 * of every layer. Weights are new (initialised); the compress step assigns the decomposed ones.
 */
export function rebuildDecomposed(source: tf.LayersModel, layers: Readonly<Record<string, LayerRanks>>, name: string): tf.LayersModel {
  const known = new Set(source.layers.map((layer) => layer.name));
  const unknown = Object.keys(layers).filter((layerName) => !known.has(layerName));
  if (unknown.length > 0) {
    throw new InvalidArgumentError('layers', `no layer ${unknown.map((layerName) => `"${layerName}"`).join(', ')} in model "${source.name}". Its layers: ${source.layers.map((layer) => layer.name).join(', ')}.`);
  }
  const outputs = new Map<string, tf.SymbolicTensor>();
  for (const layer of source.layers) {
    const node = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes[0];
    if (layer.getClassName() === 'InputLayer') {
      const shape = (layer.getConfig().batchInputShape as Array<number | null>).slice(1) as number[];
      outputs.set(layer.name, tf.input({ shape, name: layer.name }));
      continue;
    }
    if ((layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes.length !== 1) {
      throw new InvalidArgumentError('model', `layer "${layer.name}" is used more than once in "${source.name}"; shared layers are not supported by the compression.`);
    }
    const inputs = node.inboundLayers.map((inbound) => outputs.get(inbound.name)!);
    const replacement = layers[layer.name] ? decomposedLayers(layer, layers[layer.name]) : [cloneLayer(layer)];
    let tensor: tf.SymbolicTensor | tf.SymbolicTensor[] = inputs.length === 1 ? inputs[0] : inputs;
    for (const part of replacement) tensor = part.apply(tensor) as tf.SymbolicTensor;
    outputs.set(layer.name, tensor as tf.SymbolicTensor);
  }
  return tf.model({
    inputs: source.inputLayers.map((layer) => outputs.get(layer.name)!),
    outputs: outputs.get(source.outputLayers[0].name)!,
    name,
  });
}

/**
 * `kegnet:compressed`: a model rebuilt from its base spec with the named layers decomposed — a conv
 * by Tucker-2 into 1×1 (in → rIn) → k×k (rIn → rOut, the original stride and padding) → 1×1
 * (rOut → out, the original bias and activation), a dense layer by truncated SVD into dense (in → rank,
 * no bias) → dense (rank → out, the original bias and activation). A real smaller model: its
 * parameters and FLOPs are those of the new layers. `kegnet:compress` builds it from a trained model
 * and assigns the decomposed weights; the spec rebuilds the same structure on resume.
 */
export const compressedModelDefinition = defineModel({
  description: 'A model with Tucker-2-decomposed conv layers and SVD-decomposed dense layers (built by kegnet:compress).',
  options: compressedModelOptions,
  create(options, context): Model {
    const base = context.createModel(options.base as ModelSpec, { inputShape: options.inputShape ?? context.inputShape, numClasses: options.numClasses ?? context.numClasses, name: 'base' });
    try {
      const layersModel = base.toLayersModel();
      if (!layersModel) throw new InvalidArgumentError('base', `kegnet:compressed needs a base model expressible as tfjs layers; ${String(options.base.use)} is not.`);
      const name = options.name ?? context.name;
      const rebuilt = rebuildDecomposed(layersModel, options.layers, name);
      return fromLayersModel(rebuilt, { name, spec: { ...context.spec, inputShape: [...base.inputShape], numClasses: base.outputShape[0], name } });
    } finally {
      base.dispose();
    }
  },
});
