import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin } from '@core/runtime';
import { compressStep } from './compress-step';
import { compressedModelDefinition } from './compressed-model';
import { generatorDefinition } from './generator';
import { classifierLossDefinition, decoderLossDefinition, diversityLossDefinition } from './generator-losses';
import { datasetStep, generatorsStep } from './generator-steps';
import { kegnetLenet5Definition } from './lenet5';
import { resizedDataDefinition } from './resized-data';

export { diversityLoss } from './diversity-loss';
export {
  leadingColumns,
  matrixFromTensor,
  matrixToTensor,
  multiplyMatrices,
  svd,
  svdTensor,
  symmetricEigen,
  transposeMatrix,
  type EigenDecomposition,
  type Matrix,
  type SingularValueDecomposition,
} from './linear-algebra';
export { evbmf, evbmfRank, minimizeBounded, type EvbmfResult } from './evbmf';
export {
  reconstructTucker2,
  truncatedSvd,
  tucker2,
  tucker2Decompose,
  type Tucker2Factors,
  type Tucker2Options,
  type Tucker2Ranks,
  type Tucker2Result,
  type TruncatedSvdFactors,
  unfoldKernel,
} from './tucker';
export { classifierLoss, classifierLossDefinition, decoderLoss, decoderLossDefinition, diversityLossDefinition } from './generator-losses';
export { createGenerator, generatorDefinition, generatorOptions, type GeneratorOptions } from './generator';
export { createKegnetLenet5, kegnetLenet5Definition, kegnetLenet5Options } from './lenet5';
export { compressedModelDefinition, compressedModelOptions, decomposedLayerNames, layerRanksSchema, rebuildDecomposed, type LayerRanks } from './compressed-model';
export { compressStep, compressStepOptions, type CompressStepOptions } from './compress-step';
export {
  datasetStep,
  datasetStepOptions,
  generatorArtifactNames,
  generatorsStep,
  generatorsStepOptions,
  sampleGeneratorInputs,
  type DatasetStepOptions,
  type GeneratorsStepOptions,
} from './generator-steps';
export { resizeDataset, resizedDataDefinition, resizedDataOptions } from './resized-data';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `kegnet` plugin: Knowledge Extraction with No Observable Data (Yoo, Cho, Kim and Kang,
 * NeurIPS 2019). Register it with `createRegistry().use(plugin)`.
 *
 * Models: `kegnet:lenet5` (the reference's 32×32 LeNet-5), `kegnet:generator` (generator + decoder),
 * `kegnet:compressed` (Tucker-2/SVD-decomposed model). Losses: `kegnet:classifier`, `kegnet:decoder`,
 * `kegnet:diversity`. Steps: `kegnet:generators`, `kegnet:dataset`, `kegnet:compress`; fine-tune with
 * `core:distill` on the dataset artifact and `core:soft-targets`. Dataset: `kegnet:resized` (alias `mnist32`).
 */
export const plugin = definePlugin({
  meta: {
    name: 'kegnet',
    version,
    runtime: peerDependencies['@core/runtime'],
    description: 'Data-free knowledge distillation: generators trained against a frozen teacher, Tucker-2/SVD-compressed students fine-tuned on generated data',
  },
  models: { lenet5: kegnetLenet5Definition, generator: generatorDefinition, compressed: compressedModelDefinition },
  losses: { classifier: classifierLossDefinition, decoder: decoderLossDefinition, diversity: diversityLossDefinition },
  steps: { generators: generatorsStep, dataset: datasetStep, compress: compressStep },
  datasets: { resized: resizedDataDefinition },
});
