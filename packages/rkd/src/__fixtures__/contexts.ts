import * as tf from '@tensorflow/tfjs';
import { type ComponentContext, createRng, type LossContext } from '@core/runtime';

/** A component context for tests: cpu, seeded generator, silent logger, no model factory. */
export function createTestComponentContext(seed = 1): ComponentContext {
  return {
    tf,
    rng: createRng(seed),
    logger: { info: () => undefined, warn: () => undefined },
    backend: tf.getBackend(),
    createModel: () => {
      throw new Error('no models in this test');
    },
  };
}

/** A loss context for tests with the given tensors. */
export function createTestLossContext(parts: Partial<LossContext>): LossContext {
  return {
    inputs: parts.inputs ?? tf.zeros([1]),
    outputs: parts.outputs ?? tf.zeros([1]),
    features: parts.features ?? {},
    teacherFeatures: parts.teacherFeatures ?? {},
    tensors: parts.tensors ?? {},
    epoch: parts.epoch ?? 0,
    step: parts.step ?? 0,
    ...(parts.labels === undefined ? {} : { labels: parts.labels }),
    ...(parts.teacherOutputs === undefined ? {} : { teacherOutputs: parts.teacherOutputs }),
  };
}
