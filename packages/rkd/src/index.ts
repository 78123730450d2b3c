import { definePlugin, registerPluginLayers } from '@core/runtime';
import { attentionLossDefinition } from './attention-loss-definition';
import { cnnEmbeddingDefinition } from './cnn-embedding';
import { hintLossDefinition } from './hint-loss-definition';
import { angleLossDefinition, distanceLossDefinition } from './relational-loss-definitions';
import { L2Normalization } from './l2-normalization-layer';
import { metricDistillStep, metricTrainStep } from './metric-steps';
import { mlpEmbeddingDefinition } from './mlp-embedding';
import { tripletLossDefinition } from './triplet-loss-definition';
import { peerDependencies, version as packageVersion } from '../package.json';

export { rkdDistanceLoss, normalizedPairwiseDistance } from './rkd-distance-loss';
export { rkdAngleLoss, tripletAngleCosines } from './rkd-angle-loss';
export { pairwiseDistance, type PairwiseDistanceOptions } from './pairwise-distance';
export { attentionTransferLoss, attentionMap } from './attention-transfer-loss';
export { createHintLoss, type HintLoss, type HintLossOptions } from './hint-loss';
export { tripletLoss, type TripletLossOptions } from './triplet-loss';
export type { RandomSource } from '@core/datasets';
export {
  sampleTriplets,
  type SampleTripletsOptions,
  type TripletIndices,
  type TripletSampling,
} from './triplet-sampling';
export { recallAtK } from './recall-at-k';
export {
  angleLossDefinition,
  angleLossOptions,
  distanceLossDefinition,
  distanceLossOptions,
  type AngleLossOptions,
  type DistanceLossOptions,
} from './relational-loss-definitions';
export { attentionLossDefinition, attentionLossOptions, type AttentionLossOptions } from './attention-loss-definition';
export { hintLossDefinition, hintLossOptions, type HintLossComponentOptions } from './hint-loss-definition';
export { tripletLossDefinition, tripletLossOptions, type TripletLossComponentOptions } from './triplet-loss-definition';
export {
  cnnEmbeddingDefinition,
  cnnEmbeddingOptions,
  createCnnEmbedding,
  type CnnEmbeddingOptionsInput,
  type CreateCnnEmbeddingOptions,
} from './cnn-embedding';
export {
  createMlpEmbedding,
  mlpEmbeddingDefinition,
  mlpEmbeddingOptions,
  type CreateMlpEmbeddingOptions,
  type MlpEmbeddingOptionsInput,
} from './mlp-embedding';
export { L2Normalization } from './l2-normalization-layer';
export { sampleClassBalancedBatches, type ClassBalancedBatchesOptions } from './class-balanced-batches';
export { embedDataset, evaluateRetrieval, type EmbedDatasetOptions } from './retrieval-evaluation';
export { createMetricTrainer, type MetricTrainerOptions } from './metric-trainer';
export {
  metricDistillStep,
  metricDistillStepOptions,
  metricTrainStep,
  metricTrainStepOptions,
  type MetricDistillStepOptions,
  type MetricTrainStepOptions,
} from './metric-steps';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `rkd` plugin: Relational Knowledge Distillation (Park et al., CVPR 2019) and the
 * individual-KD baselines it compares against. Register it with `createRegistry().use(plugin)`.
 *
 * Losses: `rkd:distance`, `rkd:angle`, `rkd:attention`, `rkd:hint`, `rkd:triplet`. Models:
 * `rkd:cnn-embedding`, `rkd:mlp-embedding`. Steps: `rkd:metric-train`, `rkd:metric-distill`. Layers:
 * {@link L2Normalization} (serialised as `rkd.L2Normalization`; see {@link registerLayers}).
 */
export const plugin = definePlugin({
  meta: {
    name: 'rkd',
    version,
    // The peer range on @core/runtime, so the check on `use()` and the package manager agree.
    runtime: peerDependencies['@core/runtime'],
    description: 'Relational Knowledge Distillation (RKD-D, RKD-A) with FitNet, attention-transfer and triplet-loss baselines',
  },
  losses: {
    distance: distanceLossDefinition,
    angle: angleLossDefinition,
    attention: attentionLossDefinition,
    hint: hintLossDefinition,
    triplet: tripletLossDefinition,
  },
  models: {
    'cnn-embedding': cnnEmbeddingDefinition,
    'mlp-embedding': mlpEmbeddingDefinition,
  },
  steps: {
    'metric-train': metricTrainStep,
    'metric-distill': metricDistillStep,
  },
  layers: [L2Normalization],
});

/**
 * Registers this plugin's tfjs layers ({@link L2Normalization}) for `tf.loadLayersModel`, for code
 * that loads an exported model without building a registry. Idempotent; `createRegistry().use(plugin)`
 * does the same.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerLayers } from '@core/rkd';
 * registerLayers();
 * const model = await tf.loadLayersModel('file://exports/student/model.json');
 * ```
 */
export function registerLayers(): void {
  registerPluginLayers(plugin);
}
