import * as tf from '@tensorflow/tfjs';
import { artifactReference, defineStep, InvalidArgumentError, type Metrics, type Model, type ModelSpec } from '@core/runtime';
import { z } from 'zod';
import { decomposedLayerNames, layerRanksSchema, type LayerRanks } from './compressed-model';
import { evbmf } from './evbmf';
import { truncatedSvd, tucker2Decompose, unfoldKernel } from './tucker';
import { transposeMatrix } from './linear-algebra';

/** Options of `kegnet:compress`. */
export const compressStepOptions = z.strictObject({
  /** The trained model to compress (an earlier step's model, expressible as tfjs layers). */
  model: artifactReference('model'),
  /**
   * Layers to decompose, by name: `evbmf` (ranks chosen by EVBMF on the kernel's mode unfoldings, at
   * least 1), `{ in, out }` (Tucker-2 ranks of a conv) or `{ rank }` (SVD rank of a dense layer).
   */
  layers: z.record(z.string(), z.union([z.literal('evbmf'), layerRanksSchema])).refine((layers) => Object.keys(layers).length > 0, 'name at least one layer to decompose'),
  /** Tucker-2 method: HOSVD, or HOSVD refined by HOOI (the reference's tensorly `partial_tucker`). */
  method: z.enum(['hosvd', 'hooi']).default('hooi'),
});

export type CompressStepOptions = z.input<typeof compressStepOptions>;

interface LayerWeights {
  kernel: tf.Tensor;
  bias?: tf.Tensor;
}

function layerWeights(model: Model, name: string): LayerWeights {
  const weights = model.getWeights();
  const kernel = weights[`${name}/kernel`];
  if (!kernel) {
    const layers = [...new Set(Object.keys(weights).filter((key) => key.endsWith('/kernel')).map((key) => key.slice(0, -'/kernel'.length)))];
    throw new InvalidArgumentError(`layers.${name}`, `model "${model.name}" has no layer "${name}" with a kernel. Layers with kernels: ${layers.join(', ')}.`);
  }
  return { kernel, bias: weights[`${name}/bias`] };
}

/**
 * `kegnet:compress`: the student of KegNet §4 — the model with chosen conv layers replaced by their
 * Tucker-2 decomposition (1×1 → k×k core → 1×1, the original bias on the last) and chosen dense layers
 * by truncated SVD, initialised from the decomposition (`kegnet:compressed`, a real smaller model).
 * Ranks are given, or chosen by EVBMF on the mode unfoldings (`T × S k²` → rank out, `S × T k²` →
 * rank in; a dense kernel's SVD rank from the kernel itself); an EVBMF estimate of 0 becomes 1 with a
 * warning. Reads no data.
 *
 * Metrics: parameters and FLOPs before and after, the compression ratio, and per layer the ranks and
 * the relative reconstruction error of the kernel.
 */
export const compressStep = defineStep({
  description: 'Compress a model: Tucker-2 on conv layers, truncated SVD on dense layers (ranks given or by EVBMF).',
  options: compressStepOptions,
  needsData: false,
  produces: 'model',
  async run(options, context) {
    const source = context.artifacts.get(options.model, 'model').model;
    const metrics: Metrics = {};
    const ranks: Record<string, LayerRanks> = {};
    const assigned: tf.NamedTensorMap = {};
    const created: tf.Tensor[] = [];
    try {
      for (const [name, requested] of Object.entries(options.layers)) {
        const { kernel, bias } = layerWeights(source, name);
        if (kernel.rank === 4) {
          const [kh, kw, inChannels, outChannels] = kernel.shape;
          let layerRanks: { in: number; out: number };
          const values = kernel.dataSync();
          if (requested === 'evbmf') {
            const shaped = { shape: kernel.shape, values };
            const rawOut = evbmf(unfoldKernel(shaped, 'out')).rank;
            const rawIn = evbmf(unfoldKernel(shaped, 'in')).rank;
            metrics[`${name}_evbmf_in`] = rawIn;
            metrics[`${name}_evbmf_out`] = rawOut;
            if (rawIn === 0 || rawOut === 0) context.logger.warn(`${context.id}: EVBMF estimated rank ${rawIn === 0 ? 'in' : 'out'} 0 for "${name}"; keeping rank 1 (a layer cannot have rank 0).`);
            layerRanks = { in: Math.max(1, rawIn), out: Math.max(1, rawOut) };
          } else if ('in' in requested) {
            layerRanks = requested;
          } else {
            throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a convolution: give Tucker-2 ranks { in, out } or evbmf, not { rank }.`);
          }
          const result = tucker2Decompose({ shape: kernel.shape, values }, layerRanks, { method: options.method });
          const [firstName, coreName, lastName] = decomposedLayerNames(name, 'conv');
          const first = tf.tensor4d(Float32Array.from(result.inFactor.values), [1, 1, inChannels, layerRanks.in]);
          const core = tf.tensor4d(Float32Array.from(result.core), [kh, kw, layerRanks.in, layerRanks.out]);
          const last = tf.tensor4d(Float32Array.from(transposeMatrix(result.outFactor).values), [1, 1, layerRanks.out, outChannels]);
          created.push(first, core, last);
          Object.assign(assigned, { [`${firstName}/kernel`]: first, [`${coreName}/kernel`]: core, [`${lastName}/kernel`]: last });
          if (bias) assigned[`${lastName}/bias`] = bias;
          ranks[name] = layerRanks;
          metrics[`${name}_rank_in`] = layerRanks.in;
          metrics[`${name}_rank_out`] = layerRanks.out;
          metrics[`${name}_error`] = result.relativeError;
        } else if (kernel.rank === 2) {
          const [inUnits, outUnits] = kernel.shape;
          let rank: number;
          if (requested === 'evbmf') {
            const raw = evbmf({ rows: inUnits, columns: outUnits, values: Float64Array.from(kernel.dataSync()) }).rank;
            metrics[`${name}_evbmf_rank`] = raw;
            if (raw === 0) context.logger.warn(`${context.id}: EVBMF estimated rank 0 for "${name}"; keeping rank 1 (a layer cannot have rank 0).`);
            rank = Math.max(1, raw);
          } else if ('rank' in requested) {
            rank = requested.rank;
          } else {
            throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" is a dense layer: give an SVD rank { rank } or evbmf, not { in, out }.`);
          }
          const factors = truncatedSvd(kernel as tf.Tensor2D, rank);
          created.push(factors.first, factors.last);
          const [firstName, lastName] = decomposedLayerNames(name, 'dense');
          Object.assign(assigned, { [`${firstName}/kernel`]: factors.first, [`${lastName}/kernel`]: factors.last });
          if (bias) assigned[`${lastName}/bias`] = bias;
          const s = factors.singularValues;
          const total = s.reduce((sum, value) => sum + value * value, 0);
          const kept = s.subarray(0, rank).reduce((sum, value) => sum + value * value, 0);
          ranks[name] = { rank };
          metrics[`${name}_rank`] = rank;
          metrics[`${name}_error`] = total === 0 ? 0 : Math.sqrt(Math.max(0, total - kept) / total);
        } else {
          throw new InvalidArgumentError(`layers.${name}`, `layer "${name}" has a kernel of rank ${kernel.rank}; only conv [kh, kw, in, out] and dense [in, out] kernels are decomposed.`);
        }
      }
      const spec: ModelSpec = { use: 'kegnet:compressed', base: source.spec, layers: ranks, inputShape: [...source.inputShape], numClasses: source.outputShape[0], name: context.id };
      const student = context.createModel(spec, { inputShape: source.inputShape, numClasses: source.outputShape[0], name: context.id });
      try {
        // Every weight the decomposition does not replace is copied from the source model.
        const weights: tf.NamedTensorMap = {};
        const sourceWeights = source.getWeights();
        for (const { name } of student.variables()) {
          const value = assigned[name] ?? sourceWeights[name];
          if (!value) throw new InvalidArgumentError('model', `compressed model weight "${name}" has no source in "${options.model}".`);
          weights[name] = value;
        }
        student.setWeights(weights);
      } catch (error) {
        student.dispose();
        throw error;
      }
      const sourceParams = source.countParams();
      const sourceFlops = source.countFlops();
      Object.assign(metrics, {
        source_params: sourceParams,
        source_flops: sourceFlops,
        params: student.countParams(),
        flops: student.countFlops(),
        compression_ratio: sourceParams / student.countParams(),
        flops_ratio: sourceFlops / Math.max(1, student.countFlops()),
      });
      context.logger.info(
        `${context.id}: ${sourceParams.toLocaleString('en-US')} → ${student.countParams().toLocaleString('en-US')} parameters (${metrics.compression_ratio.toFixed(2)}×), ` +
          Object.entries(ranks)
            .map(([name, value]) => `${name} ${'rank' in value ? `rank ${value.rank}` : `ranks (in ${value.in}, out ${value.out})`}`)
            .join(', '),
      );
      return { artifacts: { [context.id]: { kind: 'model', model: student } }, metrics };
    } finally {
      tf.dispose(created);
    }
  },
});
