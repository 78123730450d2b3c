import type { Plugin } from '../contracts';
import { definePlugin } from '../define';
import { coreModelDefinitions } from '../models/core-models';
import { coreLossDefinitions } from '../training/core-losses';
import { RUNTIME_VERSION } from '../version';
import { coreDatasetDefinitions } from './datasets';
import { coreStepDefinitions } from './steps';

/**
 * The built-in plugin (`core:`): models `mlp`, `lenet5`, `resnet`; losses `cross-entropy`, `kd`;
 * steps `train`, `distill`, `evaluate`, `export`; datasets `mnist`, `fashion-mnist`, `idx`,
 * `cifar10`, `synthetic`. Every registry made by `createRegistry()` holds it.
 */
export const corePlugin: Plugin = definePlugin({
  meta: { name: 'core', version: RUNTIME_VERSION, runtime: `^${RUNTIME_VERSION}`, description: 'Built-in models, losses, steps and datasets' },
  models: coreModelDefinitions,
  losses: coreLossDefinitions,
  steps: coreStepDefinitions,
  datasets: coreDatasetDefinitions,
});
