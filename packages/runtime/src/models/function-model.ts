import * as tf from '@tensorflow/tfjs';
import {
  defaultVariableGroup,
  type ApplyOptions,
  type Model,
  type ModelInputs,
  type ModelSpec,
  type ModelSummary,
  type ModelVariable,
  type TappedOutput,
} from '../contracts';
import { CheckpointError, InvalidArgumentError } from '../errors';

/** One variable of a {@link createFunctionModel} model. */
export interface FunctionModelVariable {
  /** Stable name, unique in the model, e.g. `arch/width/3` or `stage1/block0/conv_a/kernel`. */
  name: string;
  /** Initial value (copied into a new variable the model owns; the caller keeps the tensor). */
  initial: tf.Tensor;
  /** Group of the variable (default `weights`). */
  group?: string;
  /** Updated by an optimiser (default true); false for state such as batch-norm moving statistics. */
  trainable?: boolean;
}

/** What a forward function receives besides the inputs. */
export interface ForwardContext {
  /** The model's variables by stable name. */
  readonly variables: Readonly<Record<string, tf.Variable>>;
  /** The apply options (`training`, `rng`, and the model's own switches). */
  readonly options: ApplyOptions;
  /**
   * Records an intermediate tensor under a layer name for {@link Model.applyWithTaps}; returns it.
   * Outside a tapped call it only returns the tensor.
   */
  tap<T extends tf.Tensor>(name: string, tensor: T): T;
}

/** Options of {@link createFunctionModel}. */
export interface FunctionModelOptions {
  name: string;
  /** How to rebuild the model (a registered model key and its options). */
  spec: ModelSpec;
  /** Input shape without the batch dimension (of the first input, for several inputs). */
  inputShape: readonly number[];
  /** Named input shapes when the model takes several inputs. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  outputShape: readonly number[];
  variables: readonly FunctionModelVariable[];
  /**
   * The forward pass. Runs inside `tf.tidy` (return the output; intermediate tensors are released;
   * tapped tensors are kept). Batch-norm moving statistics are updated by assigning the variables.
   */
  forward(inputs: ModelInputs, context: ForwardContext): tf.Tensor;
  /** Names {@link ForwardContext.tap} may record, in forward order (for `layerNames()` and tap validation). */
  layerNames?: readonly string[];
  /** Multiply-accumulates for one example (default 0: unknown). */
  countFlops?: () => number;
  /** The network as a standard LayersModel sharing these weights, when expressible (default: none). */
  toLayersModel?: () => tf.LayersModel | undefined;
  /** Releases what the model holds besides its variables. */
  dispose?: () => void;
}

/**
 * Builds a {@link Model} from variables plus a forward function, for networks that are no static
 * layers graph: a supernet whose forward samples an architecture, a capsule head with routing
 * iterations, a generator whose output is standardised per sample. The variables are named and
 * grouped (optimisers train groups separately), checkpointed like any model's, and `apply`'s
 * options reach the forward function unchanged.
 *
 * @throws InvalidArgumentError for duplicate variable names.
 */
export function createFunctionModel(options: FunctionModelOptions): Model {
  const seen = new Set<string>();
  for (const entry of options.variables) {
    if (seen.has(entry.name)) {
      throw new InvalidArgumentError('variables', `model "${options.name}" has two variables named "${entry.name}"; give each a unique stable name.`);
    }
    seen.add(entry.name);
  }
  const entries: ModelVariable[] = options.variables.map((entry) => {
    const trainable = entry.trainable ?? true;
    // tfjs names the variable uniquely per process; the stable name is what checkpoints use.
    const variable = tf.variable(entry.initial, trainable);
    return { name: entry.name, variable, group: entry.group ?? defaultVariableGroup, trainable };
  });
  const byName: Record<string, tf.Variable> = Object.fromEntries(entries.map((entry) => [entry.name, entry.variable]));
  const layerNames = [...(options.layerNames ?? [])];
  let disposed = false;

  const run = (inputs: ModelInputs, applyOptions: ApplyOptions, taps?: readonly string[]): TappedOutput => {
    if (taps !== undefined) {
      const unknown = taps.filter((tap) => !layerNames.includes(tap));
      if (unknown.length > 0) {
        throw new InvalidArgumentError('taps', `unknown layer${unknown.length === 1 ? '' : 's'} ${unknown.map((tap) => `"${tap}"`).join(', ')} in model "${options.name}". Layers: ${layerNames.join(', ') || '(none)'}.`);
      }
    }
    const features: Record<string, tf.Tensor> = {};
    const output = tf.tidy(() =>
      options.forward(inputs, {
        variables: byName,
        options: applyOptions,
        tap(name, tensor) {
          if (taps?.includes(name) && features[name] === undefined) features[name] = tf.keep(tensor);
          return tensor;
        },
      }),
    );
    const missing = (taps ?? []).filter((tap) => features[tap] === undefined);
    if (missing.length > 0) {
      tf.dispose([output, ...Object.values(features)]);
      throw new InvalidArgumentError('taps', `model "${options.name}" did not compute ${missing.join(', ')} in this forward pass (with these options).`);
    }
    return { output, features };
  };

  const model: Model = {
    name: options.name,
    spec: options.spec,
    inputShape: [...options.inputShape],
    ...(options.inputShapes === undefined ? {} : { inputShapes: options.inputShapes }),
    outputShape: [...options.outputShape],
    apply: (inputs, applyOptions = {}) => run(inputs, applyOptions).output,
    applyWithTaps: (inputs, taps, applyOptions = {}) => run(inputs, applyOptions, taps),
    layerNames: () => [...layerNames],
    variables: () => entries,
    trainableVariables: (group) => entries.filter((entry) => entry.trainable && (group === undefined || entry.group === group)).map((entry) => entry.variable),
    nonTrainableVariables: () => entries.filter((entry) => !entry.trainable).map((entry) => entry.variable),
    getWeights: () => ({ ...byName }),
    setWeights(weights) {
      const missing = entries.filter((entry) => !(entry.name in weights)).map((entry) => entry.name);
      const unexpected = Object.keys(weights).filter((key) => !(key in byName));
      const misShaped = entries
        .filter((entry) => weights[entry.name] !== undefined && !tf.util.arraysEqual(weights[entry.name].shape, entry.variable.shape))
        .map((entry) => `${entry.name} (expected [${entry.variable.shape.join(', ')}], got [${weights[entry.name].shape.join(', ')}])`);
      if (missing.length > 0 || unexpected.length > 0 || misShaped.length > 0) {
        const problems = [
          missing.length > 0 ? `missing: ${missing.join(', ')}` : undefined,
          unexpected.length > 0 ? `unexpected: ${unexpected.join(', ')}` : undefined,
          misShaped.length > 0 ? `mis-shaped: ${misShaped.join('; ')}` : undefined,
        ].filter((problem): problem is string => problem !== undefined);
        throw new CheckpointError('(weights)', `weights do not match model "${options.name}" (${options.spec.use}). ${problems.join('. ')}. Load weights saved from a model built with the same spec.`);
      }
      tf.tidy(() => {
        for (const entry of entries) entry.variable.assign(tf.cast(weights[entry.name], entry.variable.dtype));
      });
    },
    countParams: () => entries.reduce((sum, entry) => sum + entry.variable.size, 0),
    countFlops: () => options.countFlops?.() ?? 0,
    summary(): ModelSummary {
      return {
        name: options.name,
        spec: options.spec,
        inputShape: [...options.inputShape],
        outputShape: [...options.outputShape],
        params: model.countParams(),
        trainableParams: entries.filter((entry) => entry.trainable).reduce((sum, entry) => sum + entry.variable.size, 0),
        flops: model.countFlops(),
      };
    },
    toLayersModel: () => options.toLayersModel?.(),
    dispose() {
      if (disposed) return;
      disposed = true;
      options.dispose?.();
      for (const entry of entries) entry.variable.dispose();
    },
  };
  return model;
}
