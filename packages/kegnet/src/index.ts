import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin } from '@core/runtime';

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
} from './tucker';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `kegnet` plugin: Knowledge Extraction with No Observable Data (Yoo, Cho, Kim and Kang,
 * NeurIPS 2019). Register it with `createRegistry().use(plugin)`.
 */
export const plugin = definePlugin({
  meta: {
    name: 'kegnet',
    version,
    runtime: peerDependencies['@core/runtime'],
    description: 'Data-free knowledge distillation: generators trained against a frozen teacher, Tucker-2/SVD-compressed students fine-tuned on generated data',
  },
});
