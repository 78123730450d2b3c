import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin } from '@core/runtime';
import { searchStep } from './search-step';

export { WIDTH_RATIOS, widthChoices, depthChoices, createResNetSearchSpace, type ResNetSearchSpace, type ResNetSearchSpaceOptions, type SearchConv } from './search-space';
export { channelWiseInterpolate, channelZeroPad, channelPoolingMatrix } from './channel-interpolate';
export {
  expectedSearchFlops,
  flopsCost,
  resnetFlops,
  resnetSearchFlops,
  type FlopsCost,
  type ResNetArchitecture,
  type ResNetFlopsSpace,
  type ResNetSearchFlops,
} from './search-flops';
export { gumbelSample, gumbelSoftmax, sampleTopTwo, searchTemperature, weightedMixture, type TemperatureOptions, type TopTwoSample } from './gumbel';

export { createTasSupernet, searchApplyOptions, type TasSupernet, type TasSupernetOptions } from './supernet';
export { randomArchitecture, searchStep, searchStepOptions, smallestArchitecture, type SearchStepOptions } from './search-step';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

/**
 * The `tas` plugin: Network Pruning via Transformable Architecture Search (Dong and Yang, NeurIPS
 * 2019). Step `tas:search` (its architecture artifact is a plain `core:resnet` for `core:distill`).
 * Register it with `createRegistry().use(plugin)`.
 */
export const plugin = definePlugin({
  meta: {
    name: 'tas',
    version,
    runtime: peerDependencies['@core/runtime'],
    description: 'Transformable architecture search: width and depth of a CIFAR ResNet under a FLOPs budget',
  },
  steps: { search: searchStep },
});
