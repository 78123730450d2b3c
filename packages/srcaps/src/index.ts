import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin, registerPluginLayers } from '@core/runtime';
import { capsuleNetworkDefinition } from './capsule-network';
import { ClassLogProbabilities, Squash } from './capsule-output-layers';
import { DynamicRouting2d, EmRouting2d, SelfRouting2d } from './routing-layers';
import { adversarialStep, affineStep } from './robustness-steps';
import { routingFigureStep } from './routing-figure-step';

export { capsuleOutputSize, unfoldCapsules, type CapsuleWindow } from './capsule-unfold';
export {
  SELF_ROUTING_EPSILON,
  selfRouting2d,
  selfRoutingCoefficients,
  type CapsuleGrid,
  type SelfRoutingOutput,
  type SelfRoutingWeights,
} from './self-routing';
export { dynamicRouting, dynamicRouting2d, squash, type DynamicRoutingWeights } from './dynamic-routing';
export { emRouting2d, type EmRoutingOptions, type EmRoutingWeights } from './em-routing';
export {
  DynamicRouting2d,
  EmRouting2d,
  SelfRouting2d,
  type CapsuleLayerArgs,
  type DynamicRouting2dArgs,
  type EmRouting2dArgs,
  type SelfRouting2dArgs,
} from './routing-layers';
export { ClassLogProbabilities, MIN_CLASS_PROBABILITY, Squash } from './capsule-output-layers';
export {
  capsuleHeads,
  capsuleNetworkDefinition,
  capsuleNetworkLayers,
  capsuleNetworkOptions,
  createCapsuleNetwork,
  type CapsuleHead,
  type CapsuleNetworkOptionsInput,
} from './capsule-network';
export {
  attackSuccess,
  fgsm,
  iterativeAttack,
  targetedFgsm,
  type AttackBounds,
  type AttackSuccess,
  type IterativeAttackOptions,
  type LogitFunction,
} from './attacks';
export { affineResample, drawAffine, randomAffineImages, type AffineParameters, type AffineRanges } from './affine-transform';
export {
  adversarialStep,
  adversarialStepOptions,
  affineStep,
  affineStepOptions,
  type AdversarialStepOptions,
  type AffineStepOptions,
} from './robustness-steps';
export { classRoutingShares, routingFigureOptions, routingFigureStep, type RoutingFigureOptions } from './routing-figure-step';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `srcaps` plugin: Self-Routing Capsule Networks (Hahn, Pyeon and Kim, NeurIPS 2019), the
 * dynamic-routing, EM-routing and average-pooling baselines, and robustness evaluation.
 * Register it with `createRegistry().use(plugin)`.
 *
 * Models: `srcaps:capsnet`. Steps: `srcaps:adversarial` (FGSM/BIM success rates), `srcaps:affine`
 * (accuracy under random affine transformations), `srcaps:routing` (routing picture). Layers: {@link SelfRouting2d}, {@link DynamicRouting2d},
 * {@link EmRouting2d}, {@link Squash}, {@link ClassLogProbabilities} (serialised as
 * `srcaps.<Name>`; see {@link registerLayers}).
 */
export const plugin = definePlugin({
  meta: {
    name: 'srcaps',
    version,
    runtime: peerDependencies['@core/runtime'],
    description: 'Self-routing capsule networks with dynamic- and EM-routing baselines and adversarial/affine robustness evaluation',
  },
  models: { capsnet: capsuleNetworkDefinition },
  steps: { adversarial: adversarialStep, affine: affineStep, routing: routingFigureStep },
  layers: [SelfRouting2d, DynamicRouting2d, EmRouting2d, Squash, ClassLogProbabilities],
});

/**
 * Registers this plugin's tfjs layers for `tf.loadLayersModel`, for code that loads an exported
 * capsule model without building a registry. Idempotent; `createRegistry().use(plugin)` does the same.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerLayers } from '@core/srcaps';
 * registerLayers();
 * const model = await tf.loadLayersModel('file://exports/sr1/model.json');
 * ```
 */
export function registerLayers(): void {
  registerPluginLayers(plugin);
}
