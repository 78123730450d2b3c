import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin } from '@core/runtime';
import { environmentDefinitions, evaluateStep, trainStep } from './plugin-parts';

export * from './targets';
export * from './environments';
export * from './replay';
export * from './agents';
export { createRmsProp, type RmsPropOptions } from './rmsprop';
export { digitsByClass, loadMazeDigits, prepareMazeDigits, preparedMazeDigits } from './mnist-digits';
export { environmentDefinitions, evaluateStep, evaluateStepOptions, trainStep, trainStepOptions, type TrainingHistory } from './plugin-parts';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `ebu` plugin: Episodic Backward Update (Lee, Choi and Chung, NeurIPS 2019) for tabular and
 * deep Q-learning. Register it with `createRegistry().use(plugin)`.
 *
 * Environments: `ebu:chain`, `ebu:grid-maze`, `ebu:mnist-maze`, `ebu:cartpole`. Steps: `ebu:train`
 * (agents `q-learning`, `tabular-ebu`, `dqn`, `ebu`), `ebu:evaluate`.
 */
export const plugin = definePlugin({
  meta: {
    name: 'ebu',
    version,
    runtime: peerDependencies['@core/runtime'],
    description: 'Episodic Backward Update for tabular and deep Q-learning, with chain, grid-maze, MNIST-maze and CartPole environments',
  },
  environments: environmentDefinitions,
  steps: { train: trainStep, evaluate: evaluateStep },
});
