import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { variableGradsReleasingTape } from './gradient-tape';

/**
 * A first-order optimiser whose state is named and checkpointable and whose learning rate may
 * change between steps (set {@link Optimizer.learningRate} from a schedule before each step).
 *
 * Variables are identified by `variable.name`: slot tensors are stored under it and
 * {@link Optimizer.getState} keys them by it, so the names must be unique among the variables an
 * optimiser sees and stable across processes for a checkpoint to restore. The runtime's models
 * name their variables stably; give hand-made variables explicit names
 * (`tf.variable(value, true, 'dense/kernel')`).
 */
export interface Optimizer {
  /** `sgd`, `adam` or `adamw`. */
  readonly name: string;
  /** Step size used by the next update; a finite number ≥ 0. */
  learningRate: number;
  /**
   * Applies one update: `gradients[index]` is the gradient of the loss with respect to
   * `variables[index]` (same shape). Counts as one iteration. The gradients stay owned by the
   * caller.
   *
   * @throws InvalidArgumentError on mismatched lengths or shapes, duplicate variable names, or a
   *   learning rate that is not a finite number ≥ 0.
   */
  applyGradients(variables: tf.Variable[], gradients: tf.Tensor[]): void;
  /**
   * Runs `f`, computes the gradients of its scalar result with respect to `variables`
   * (`tf.variableGrads`), applies them and returns the loss. Variables that do not affect the
   * loss are left untouched, as PyTorch skips parameters without a gradient. Intermediate tensors
   * of `f` are disposed unless `f` keeps them (`tf.keep`).
   *
   * @returns The value of `f`, owned by the caller (dispose it after reading).
   */
  minimize(f: () => tf.Scalar, variables: tf.Variable[]): tf.Scalar;
  /**
   * The optimiser state as new tensors owned by the caller: each slot under
   * `<slot>/<variable name>` (e.g. `m/dense/kernel`) and the step count under `iterations`
   * (int32 scalar).
   */
  getState(): tf.NamedTensorMap;
  /**
   * Replaces the state with {@link Optimizer.getState} output (copied; the caller keeps its
   * tensors). Slot shapes are checked against the variables at the next update.
   *
   * @throws InvalidArgumentError when `iterations` is missing or a key names an unknown slot.
   */
  setState(state: tf.NamedTensorMap): void;
  /** Disposes the slot tensors. */
  dispose(): void;
}

/** What an update rule returns for one variable: its new value and its new slots. */
export interface VariableUpdate {
  value: tf.Tensor;
  slots: Record<string, tf.Tensor>;
}

/** Inputs of an update rule for one variable; slots are undefined before the first update. */
export interface UpdateInputs {
  variable: tf.Variable;
  gradient: tf.Tensor;
  slots: Record<string, tf.Tensor | undefined>;
  /** 1-based number of this update. */
  iteration: number;
  learningRate: number;
}

/** Definition of an optimiser built by {@link createSlottedOptimizer}. */
export interface SlottedOptimizerDefinition {
  name: string;
  learningRate: number;
  /** Names of the per-variable slots, e.g. `['m', 'v']`. */
  slotNames: readonly string[];
  /** Pure tensor math of one variable's update; runs inside `tf.tidy`. */
  update(inputs: UpdateInputs): VariableUpdate;
}

const iterationsKey = 'iterations';

function checkLearningRate(learningRate: number): number {
  if (!Number.isFinite(learningRate) || learningRate < 0) {
    throw new InvalidArgumentError('learningRate', `learningRate must be a finite number ≥ 0, got ${learningRate}`);
  }
  return learningRate;
}

function sameShape(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((size, index) => size === right[index]);
}

/**
 * Builds an {@link Optimizer} from a per-variable update rule, handling validation, slot storage
 * by `<slot>/<variable name>`, the iteration count and state round trips. Used by
 * {@link createSgd} and {@link createAdam}; exported for plugins that need another rule.
 */
export function createSlottedOptimizer(definition: SlottedOptimizerDefinition): Optimizer {
  const slotNames = new Set(definition.slotNames);
  const slots = new Map<string, tf.Tensor>();
  let iterations = 0;
  let learningRate = checkLearningRate(definition.learningRate);
  const slotKey = (slot: string, variable: tf.Variable): string => `${slot}/${variable.name}`;

  const checkVariables = (variables: readonly tf.Variable[]): void => {
    const names = new Set<string>();
    for (const variable of variables) {
      if (names.has(variable.name)) {
        throw new InvalidArgumentError('variables', `two variables are named "${variable.name}"; optimiser state is keyed by variable name, so names must be unique`);
      }
      names.add(variable.name);
    }
  };

  const optimizer: Optimizer = {
    name: definition.name,
    get learningRate() {
      return learningRate;
    },
    set learningRate(value: number) {
      learningRate = checkLearningRate(value);
    },
    applyGradients(variables, gradients) {
      if (variables.length !== gradients.length) {
        throw new InvalidArgumentError('gradients', `got ${gradients.length} gradients for ${variables.length} variables`);
      }
      checkVariables(variables);
      variables.forEach((variable, index) => {
        const gradient = gradients[index];
        if (gradient == null || !sameShape(gradient.shape, variable.shape)) {
          throw new InvalidArgumentError(
            'gradients',
            `the gradient of "${variable.name}" must have the variable's shape [${variable.shape.join(', ')}], got ${gradient == null ? 'none' : `[${gradient.shape.join(', ')}]`}`,
          );
        }
        for (const slot of slotNames) {
          const held = slots.get(slotKey(slot, variable));
          if (held !== undefined && !sameShape(held.shape, variable.shape)) {
            throw new InvalidArgumentError(
              'variables',
              `optimiser slot "${slotKey(slot, variable)}" has shape [${held.shape.join(', ')}] but the variable has [${variable.shape.join(', ')}]; the restored state belongs to another model`,
            );
          }
        }
      });
      iterations += 1;
      variables.forEach((variable, index) => {
        const current: Record<string, tf.Tensor | undefined> = {};
        for (const slot of slotNames) current[slot] = slots.get(slotKey(slot, variable));
        const updated = tf.tidy(() => {
          const result = definition.update({ variable, gradient: gradients[index], slots: current, iteration: iterations, learningRate });
          variable.assign(result.value);
          return result.slots;
        });
        for (const [slot, tensor] of Object.entries(updated)) {
          const key = slotKey(slot, variable);
          slots.get(key)?.dispose();
          slots.set(key, tensor);
        }
      });
    },
    minimize(f, variables) {
      if (variables.length === 0) {
        throw new InvalidArgumentError('variables', 'minimize needs at least one variable to update');
      }
      checkVariables(variables);
      const { value, grads } = variableGradsReleasingTape(f, variables);
      try {
        const updated = variables.filter((variable) => grads[variable.name] != null);
        optimizer.applyGradients(
          updated,
          updated.map((variable) => grads[variable.name]),
        );
      } catch (error) {
        value.dispose();
        throw error;
      } finally {
        tf.dispose(Object.values(grads).filter((gradient) => gradient != null));
      }
      return value;
    },
    getState() {
      const state: tf.NamedTensorMap = { [iterationsKey]: tf.scalar(iterations, 'int32') };
      for (const [key, tensor] of slots) state[key] = tensor.clone();
      return state;
    },
    setState(state) {
      const count = state[iterationsKey];
      if (count === undefined || count.size !== 1) {
        throw new InvalidArgumentError('state', `optimiser state must hold a scalar "${iterationsKey}"; got keys ${Object.keys(state).join(', ') || '(none)'}`);
      }
      const restored = new Map<string, tf.Tensor>();
      for (const [key, tensor] of Object.entries(state)) {
        if (key === iterationsKey) continue;
        const separator = key.indexOf('/');
        const slot = separator < 0 ? key : key.slice(0, separator);
        if (separator <= 0 || separator === key.length - 1 || !slotNames.has(slot)) {
          throw new InvalidArgumentError(
            'state',
            `unexpected optimiser state key "${key}"; ${definition.name} stores "${iterationsKey}" and <slot>/<variable name> with slots ${[...slotNames].join(', ') || '(none)'}`,
          );
        }
        restored.set(key, tensor);
      }
      const nextIterations = Math.round(count.dataSync()[0]);
      for (const tensor of slots.values()) tensor.dispose();
      slots.clear();
      for (const [key, tensor] of restored) slots.set(key, tf.keep(tf.cast(tensor, 'float32')));
      iterations = nextIterations;
    },
    dispose() {
      for (const tensor of slots.values()) tensor.dispose();
      slots.clear();
    },
  };
  return optimizer;
}
