import * as tf from '@tensorflow/tfjs';
import { defaultVariableGroup, type ApplyOptions, type Model, type ModelInputs, type ModelSpec, type ModelSummary, type ModelVariable, type TappedOutput } from '../contracts';
import { CheckpointError, InvalidArgumentError } from '../errors';
import { countModelFlops, countModelParams } from './flops';

/** Options of {@link fromLayersModel}. */
export interface FromLayersModelOptions {
  /** How to rebuild the model; stored beside its weights in checkpoints. */
  spec: ModelSpec;
  /** Model name; defaults to the LayersModel's name. */
  name?: string;
  /**
   * Variable group of each weight, by its stable name (default `weights` for all): a generator and
   * its decoder in one graph, say, trained by two optimisers.
   */
  groupOf?: (weightName: string) => string;
}

/** The subset of a tfjs `LayerVariable` the adapter uses (the class is not exported by tfjs). */
interface LayerVariableLike {
  readonly originalName: string;
  readonly shape: number[];
  readonly dtype: tf.DataType;
  read(): tf.Variable;
  write(value: tf.Tensor): unknown;
}

interface TapModel {
  model: tf.LayersModel;
  /** Index in the tap model's outputs of each requested tap. */
  outputIndexByTap: number[];
  /** Index in the tap model's outputs of the final output. */
  finalIndex: number;
}

interface NamedWeight {
  /** Stable key `<layer name>/<weight short name>`. */
  key: string;
  variable: LayerVariableLike;
  trainable: boolean;
}

/**
 * Wraps a functional tfjs LayersModel (one output; one input, or several named inputs) as a {@link Model}.
 *
 * Weights are keyed `<layer name>/<weight short name>` (`conv1/kernel`, `bn1/moving_mean`). tfjs
 * suffixes variable names with process-global counters (`conv1/kernel_3`), so those names would
 * differ between processes; layer names chosen by the builder do not. Builders must therefore name
 * every layer explicitly.
 *
 * Taps: {@link Model.applyWithTaps} builds, once per distinct tap list, a multi-output
 * `tf.model` over the same layers (shared weights), so features and logits come from one pass.
 *
 * A model with several inputs takes a map keyed by the input layers' names
 * (`tf.input({ name: 'noise', ... })`) and reports them in {@link Model.inputShapes}.
 *
 * The model's input shapes must be fully defined apart from the batch dimension.
 */
export function fromLayersModel(layersModel: tf.LayersModel, options: FromLayersModelOptions): Model {
  if (layersModel.outputs.length !== 1) {
    throw new InvalidArgumentError(
      'layersModel',
      `fromLayersModel needs a model with one output; "${layersModel.name}" has ${layersModel.outputs.length} outputs.`,
    );
  }
  const inputShape = definedShape(layersModel.inputs[0].shape, 'input');
  const inputNames = layersModel.inputLayers.map((layer) => layer.name);
  const inputShapes =
    layersModel.inputs.length > 1
      ? Object.fromEntries(layersModel.inputs.map((input, index) => [inputNames[index], definedShape(input.shape, `input "${inputNames[index]}"`)]))
      : undefined;
  const outputShape = definedShape(layersModel.outputs[0].shape, 'output');
  const name = options.name ?? layersModel.name;
  const spec = options.spec;

  const inputLayerNames = new Set(layersModel.inputLayers.map((layer) => layer.name));
  const tappableLayers = layersModel.layers.filter((layer) => !inputLayerNames.has(layer.name));
  const namedWeights = collectNamedWeights(layersModel);
  const weightsByKey = new Map(namedWeights.map((weight) => [weight.key, weight.variable]));
  const groupOf = options.groupOf ?? (() => defaultVariableGroup);
  const modelVariables = (): ModelVariable[] =>
    namedWeights.map(({ key, variable, trainable }) => ({ name: key, variable: variable.read(), group: groupOf(key), trainable }));
  const toInputs = (inputs: ModelInputs): tf.Tensor | tf.Tensor[] => {
    if (inputs instanceof tf.Tensor) {
      if (inputShapes !== undefined) {
        throw new InvalidArgumentError('inputs', `model "${name}" has inputs ${inputNames.join(', ')}: pass a map { ${inputNames.map((input) => `${input}: tensor`).join(', ')} }.`);
      }
      return inputs;
    }
    const missing = inputNames.filter((input) => !(input in inputs));
    const unexpected = Object.keys(inputs).filter((input) => !inputNames.includes(input));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new InvalidArgumentError(
        'inputs',
        `model "${name}" takes the inputs ${inputNames.join(', ')}; ${missing.length > 0 ? `missing ${missing.join(', ')}` : ''}${missing.length > 0 && unexpected.length > 0 ? ', ' : ''}${unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : ''}.`,
      );
    }
    return inputNames.length === 1 ? inputs[inputNames[0]] : inputNames.map((input) => inputs[input]);
  };
  const tapModels = new Map<string, TapModel>();
  let flops: number | undefined;
  let disposed = false;

  const tapModelFor = (taps: readonly string[]): TapModel => {
    const cacheKey = JSON.stringify(taps);
    const cached = tapModels.get(cacheKey);
    if (cached !== undefined) return cached;

    const unknown = taps.filter((tap) => !tappableLayers.some((layer) => layer.name === tap));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        'taps',
        `unknown layer${unknown.length === 1 ? '' : 's'} ${unknown.map((tap) => `"${tap}"`).join(', ')} in model "${name}". Layers: ${tappableLayers.map((layer) => layer.name).join(', ')}.`,
      );
    }
    // tf.model rejects a symbolic tensor listed twice, so the final output and repeated taps
    // are listed once and mapped back by index.
    const finalOutput = layersModel.outputs[0];
    const outputs: tf.SymbolicTensor[] = [];
    const outputIndexByTap = taps.map((tap) => {
      const symbolic = tapOutput(layersModel.getLayer(tap));
      const existing = outputs.indexOf(symbolic);
      if (existing >= 0) return existing;
      outputs.push(symbolic);
      return outputs.length - 1;
    });
    if (!outputs.includes(finalOutput)) outputs.push(finalOutput);
    const model = tf.model({ inputs: layersModel.inputs, outputs, name: `${layersModel.name}_taps` });
    const entry = { model, outputIndexByTap, finalIndex: outputs.indexOf(finalOutput) };
    tapModels.set(cacheKey, entry);
    return entry;
  };

  const model: Model = {
    name,
    spec,
    inputShape,
    ...(inputShapes === undefined ? {} : { inputShapes }),
    outputShape,

    apply(inputs: ModelInputs, applyOptions: ApplyOptions = {}): tf.Tensor {
      return layersModel.apply(toInputs(inputs), { training: applyOptions.training ?? false }) as tf.Tensor;
    },

    applyWithTaps(inputs: ModelInputs, taps: readonly string[], applyOptions: ApplyOptions = {}): TappedOutput {
      const entry = tapModelFor(taps);
      const results = entry.model.apply(toInputs(inputs), { training: applyOptions.training ?? false }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(results) ? results : [results];
      const features: Record<string, tf.Tensor> = {};
      taps.forEach((tap, index) => {
        features[tap] = list[entry.outputIndexByTap[index]];
      });
      return { output: list[entry.finalIndex], features };
    },

    layerNames: () => tappableLayers.map((layer) => layer.name),

    variables: modelVariables,

    trainableVariables: (group?: string) =>
      modelVariables()
        .filter((entry) => entry.trainable && (group === undefined || entry.group === group))
        .map((entry) => entry.variable),

    nonTrainableVariables: () => modelVariables().filter((entry) => !entry.trainable).map((entry) => entry.variable),

    getWeights(): tf.NamedTensorMap {
      const weights: tf.NamedTensorMap = {};
      for (const { key, variable } of namedWeights) weights[key] = variable.read();
      return weights;
    },

    setWeights(weights: tf.NamedTensorMap): void {
      const missing = [...weightsByKey.keys()].filter((key) => !(key in weights));
      const unexpected = Object.keys(weights).filter((key) => !weightsByKey.has(key));
      const misShaped: string[] = [];
      for (const [key, variable] of weightsByKey) {
        const value = weights[key];
        if (value === undefined) continue;
        if (!tf.util.arraysEqual(value.shape, variable.shape) || value.dtype !== variable.dtype) {
          misShaped.push(`${key} (expected ${variable.dtype} [${variable.shape.join(', ')}], got ${value.dtype} [${value.shape.join(', ')}])`);
        }
      }
      if (missing.length > 0 || unexpected.length > 0 || misShaped.length > 0) {
        const problems = [
          missing.length > 0 ? `missing: ${missing.join(', ')}` : undefined,
          unexpected.length > 0 ? `unexpected: ${unexpected.join(', ')}` : undefined,
          misShaped.length > 0 ? `mis-shaped: ${misShaped.join('; ')}` : undefined,
        ].filter((problem): problem is string => problem !== undefined);
        throw new CheckpointError(
          '(weights)',
          `weights do not match model "${name}" (${spec.use}). ${problems.join('. ')}. Load weights saved from a model built with the same spec.`,
        );
      }
      // Validated first and written after, so a bad map leaves the model untouched.
      for (const [key, variable] of weightsByKey) variable.write(weights[key]);
    },

    countParams: () => layersModel.countParams(),

    countFlops(): number {
      flops ??= countModelFlops(layersModel);
      return flops;
    },

    summary(): ModelSummary {
      const params = countModelParams(layersModel);
      return {
        name,
        spec,
        inputShape: [...inputShape],
        outputShape: [...outputShape],
        params: params.total,
        trainableParams: params.trainable,
        flops: model.countFlops(),
      };
    },

    toLayersModel: () => layersModel,

    dispose(): void {
      if (disposed) return;
      disposed = true;
      // Tap models share every layer with the main model; disposing them would release the
      // shared weights a second time, so they are only dropped.
      tapModels.clear();
      layersModel.dispose();
    },
  };
  return model;
}

function definedShape(shape: Array<number | null>, what: string): number[] {
  const withoutBatch = shape.slice(1);
  if (withoutBatch.some((dimension) => dimension === null)) {
    throw new InvalidArgumentError('layersModel', `the model's ${what} shape [${shape.join(', ')}] must be defined apart from the batch dimension.`);
  }
  return withoutBatch as number[];
}

function tapOutput(layer: tf.layers.Layer): tf.SymbolicTensor {
  const output = layer.output;
  if (Array.isArray(output)) {
    throw new InvalidArgumentError('taps', `layer "${layer.name}" has ${output.length} outputs; only single-output layers can be tapped.`);
  }
  return output;
}

/**
 * Weights in the model's order, keyed `<layer name>/<short name>`. The short name is the variable's
 * scoped name without the layer-name prefix, so a layer named `stage1/block0/conv1` gives
 * `stage1/block0/conv1/kernel`, and a nested model `body` holding a layer `conv1` gives
 * `body/conv1/kernel`.
 */
function collectNamedWeights(layersModel: tf.LayersModel): NamedWeight[] {
  const named: NamedWeight[] = [];
  const seen = new Set<string>();
  const trainableWeights = new Set(layersModel.trainableWeights as unknown as LayerVariableLike[]);
  for (const layer of layersModel.layers) {
    for (const variable of layer.weights as unknown as LayerVariableLike[]) {
      const prefix = `${layer.name}/`;
      // Weights of a nested model are scoped by the inner layer's name, which is kept.
      const shortName = variable.originalName.startsWith(prefix) ? variable.originalName.slice(prefix.length) : variable.originalName;
      const key = `${layer.name}/${shortName}`;
      if (seen.has(key)) {
        throw new InvalidArgumentError('layersModel', `two weights of model "${layersModel.name}" share the name "${key}"; give every layer a unique name.`);
      }
      seen.add(key);
      named.push({ key, variable, trainable: trainableWeights.has(variable) });
    }
  }
  return named;
}
