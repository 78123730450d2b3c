import type { ModelDefinition } from '../contracts';
import { buildLeNet5, lenet5Options } from './lenet5';
import { buildMlp, mlpOptions } from './mlp';
import { fillModelOptions } from './model-options';
import { buildResNet, resnetOptions } from './resnet';

/**
 * The built-in models as registry definitions: `mlp`, `lenet5` and `resnet` (registered by the core
 * plugin as `core:mlp`, `core:lenet5`, `core:resnet`).
 *
 * Options left out of a config come from the context: `inputShape` and `numClasses` from the data,
 * `name` from the step, and `seed` from the component's generator (`context.rng.seed()`), so the run
 * seed fixes the initial weights. The model's `spec` is the context's spec completed with these
 * resolved values, so it rebuilds the same model on its own.
 */
export const coreModelDefinitions = {
  mlp: {
    description: 'Multilayer perceptron over the flattened input.',
    options: mlpOptions,
    create: (options, context) => buildMlp(fillModelOptions(options, context), context.spec),
  } satisfies ModelDefinition<typeof mlpOptions>,
  lenet5: {
    description: 'LeNet-5 with a width multiplier (LeCun et al., 1998).',
    options: lenet5Options,
    create: (options, context) => buildLeNet5(fillModelOptions(options, context), context.spec),
  } satisfies ModelDefinition<typeof lenet5Options>,
  resnet: {
    description: 'CIFAR-style ResNet with basic blocks, depth 6n + 2 (He et al., 2016), as in the TAS reference.',
    options: resnetOptions,
    create: (options, context) => buildResNet(fillModelOptions(options, context), context.spec),
  } satisfies ModelDefinition<typeof resnetOptions>,
};
