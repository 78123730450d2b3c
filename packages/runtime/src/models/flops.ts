import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';

/**
 * A layer that reports its own cost, for custom layers whose arithmetic the counter does not know
 * (the counterpart of `calculate_flop_self` in the TAS reference code). {@link countModelFlops}
 * calls it once per application of the layer inside the model.
 */
export interface FlopsCountingLayer {
  /**
   * Multiply-accumulates for ONE example.
   * @param inputShapes Shapes of the layer's inputs, batch dimension included (usually `null`).
   * @param outputShapes Shapes of the layer's outputs, batch dimension included.
   */
  countFlops(inputShapes: Array<Array<number | null>>, outputShapes: Array<Array<number | null>>): number;
}

/** Parameter counts of a LayersModel. */
export interface ParameterCounts {
  /** Every weight element, batch-norm moving statistics included. */
  total: number;
  /** Elements of weights an optimiser updates. */
  trainable: number;
  /** Elements of state that is not trained (batch-norm moving mean and variance). */
  nonTrainable: number;
}

/**
 * Counts the weight elements of a LayersModel.
 *
 * `trainable` is what PyTorch's `sum(p.numel() for p in model.parameters())` reports for the same
 * architecture (the TAS reference `count_parameters`): batch-norm γ and β are parameters there, the
 * moving statistics are buffers. `total` adds the moving statistics, which tfjs stores as weights.
 */
export function countModelParams(layersModel: tf.LayersModel): ParameterCounts {
  const elements = (weights: Array<{ shape: number[] }>): number =>
    weights.reduce((sum, weight) => sum + product(weight.shape), 0);
  const trainable = elements(layersModel.trainableWeights as unknown as Array<{ shape: number[] }>);
  const nonTrainable = elements(layersModel.nonTrainableWeights as unknown as Array<{ shape: number[] }>);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/**
 * Multiply-accumulates of the conv and dense layers of a LayersModel for ONE example, following the
 * convention of the TAS reference code (`flop_benchmark.py` of D-X-Y/AutoDL-Projects), so that counts
 * match the numbers in the TAS paper (CIFAR ResNet-20: 40.81 M, ResNet-56: 125.75 M).
 *
 * What counts, per application of a layer:
 * - `Conv1D`/`Conv2D`/`Conv3D`: `out_positions · k_h · k_w · in_c/groups · out_c` (the product of the
 *   kernel shape times the number of output positions), plus `out_c · out_positions` bias additions
 *   when the layer has a bias.
 * - `DepthwiseConv2D`: the same formula with its `[k_h, k_w, in_c, multiplier]` kernel, i.e. a
 *   grouped conv with `groups = in_c` (`out_positions · k_h · k_w · in_c · multiplier`), plus bias.
 * - `SeparableConv1D/2D`: the depthwise part plus the pointwise `1×1` part, both on the output grid,
 *   plus bias.
 * - `Conv2DTranspose`/`Conv3DTranspose`: `in_positions · prod(kernel)` plus bias on the output grid.
 * - `Dense`: `in · out` per input row (a dense layer on `[batch, t, in]` counts `t` rows), plus `out`
 *   per row for the bias.
 * - Nested models: their own layers, once per application.
 * - Layers implementing {@link FlopsCountingLayer}: whatever they report.
 *
 * What does not count (as in the reference, which hooks pooling but leaves it out of the sum):
 * pooling, batch normalisation, activations, element-wise additions (residual joins), reshapes,
 * dropout, and recurrent layers.
 *
 * The model's input shape must be fully defined apart from the batch dimension.
 * @returns MACs for one example (divide by 1e6 for the "M" figures of the paper).
 */
export function countModelFlops(layersModel: tf.LayersModel): number {
  return countContainerFlops(layersModel as unknown as ContainerLike);
}

interface NodeLike {
  outboundLayer: LayerLike;
  inputShapes: ShapeOrShapes;
  outputShapes: ShapeOrShapes;
}

type Shape = Array<number | null>;
type ShapeOrShapes = Shape | Shape[];

interface WeightLike {
  originalName: string;
  shape: number[];
}

interface LayerLike {
  name: string;
  weights: WeightLike[];
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  countFlops?: FlopsCountingLayer['countFlops'];
}

interface ContainerLike extends LayerLike {
  nodesByDepth: Record<string, NodeLike[]>;
}

function isContainer(layer: LayerLike): layer is ContainerLike {
  return typeof (layer as Partial<ContainerLike>).nodesByDepth === 'object';
}

function countContainerFlops(container: ContainerLike): number {
  let total = 0;
  for (const nodes of Object.values(container.nodesByDepth)) {
    for (const node of nodes) {
      total += countNodeFlops(node);
    }
  }
  return total;
}

function countNodeFlops(node: NodeLike): number {
  const layer = node.outboundLayer;
  if (typeof layer.countFlops === 'function') {
    return layer.countFlops(toShapeList(node.inputShapes), toShapeList(node.outputShapes));
  }
  if (isContainer(layer)) return countContainerFlops(layer);

  const className = layer.getClassName();
  switch (className) {
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'DepthwiseConv2D': {
      const kernelName = className === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel';
      const positions = spatialPositions(layer, singleShape(layer, node.outputShapes));
      return positions * product(weightShape(layer, kernelName)) + biasAdditions(layer, positions);
    }
    case 'SeparableConv1D':
    case 'SeparableConv2D': {
      const positions = spatialPositions(layer, singleShape(layer, node.outputShapes));
      const depthwise = positions * product(weightShape(layer, 'depthwise_kernel'));
      const pointwise = positions * product(weightShape(layer, 'pointwise_kernel'));
      return depthwise + pointwise + biasAdditions(layer, positions);
    }
    case 'Conv2DTranspose':
    case 'Conv3DTranspose': {
      const inputPositions = spatialPositions(layer, singleShape(layer, node.inputShapes));
      const outputPositions = spatialPositions(layer, singleShape(layer, node.outputShapes));
      return inputPositions * product(weightShape(layer, 'kernel')) + biasAdditions(layer, outputPositions);
    }
    case 'Dense': {
      const inputShape = singleShape(layer, node.inputShapes);
      // Every dimension between the batch and the features is an independent row.
      const rows = product(definedDimensions(layer, inputShape.slice(1, -1)));
      return rows * product(weightShape(layer, 'kernel')) + biasAdditions(layer, rows);
    }
    default:
      return 0;
  }
}

function toShapeList(shapes: ShapeOrShapes): Shape[] {
  return shapes.length > 0 && Array.isArray(shapes[0]) ? (shapes as Shape[]) : [shapes as Shape];
}

function singleShape(layer: LayerLike, shapes: ShapeOrShapes): Shape {
  const list = toShapeList(shapes);
  if (list.length !== 1) {
    throw new InvalidArgumentError('layersModel', `layer "${layer.name}" has ${list.length} inputs or outputs; FLOPs are counted for single-tensor layers only.`);
  }
  return list[0];
}

/** Output (or input) grid positions of a conv layer: the shape without batch and channel axes. */
function spatialPositions(layer: LayerLike, shape: Shape): number {
  const channelsFirst = layer.getConfig().dataFormat === 'channelsFirst';
  const spatial = channelsFirst ? shape.slice(2) : shape.slice(1, -1);
  return product(definedDimensions(layer, spatial));
}

function definedDimensions(layer: LayerLike, dimensions: Array<number | null>): number[] {
  return dimensions.map((dimension) => {
    if (dimension === null || dimension === undefined) {
      throw new InvalidArgumentError(
        'layersModel',
        `layer "${layer.name}" has an undefined spatial dimension; FLOPs need a model built for a fixed input shape (e.g. tf.input({ shape: [32, 32, 3] })).`,
      );
    }
    return dimension;
  });
}

function findWeight(layer: LayerLike, shortName: string): WeightLike | undefined {
  return layer.weights.find((weight) => weight.originalName === shortName || weight.originalName.endsWith(`/${shortName}`));
}

function weightShape(layer: LayerLike, shortName: string): number[] {
  const weight = findWeight(layer, shortName);
  if (weight === undefined) {
    throw new InvalidArgumentError('layersModel', `layer "${layer.name}" has no weight "${shortName}"; is the model built?`);
  }
  return weight.shape;
}

/** One addition per output element and bias channel, as the reference counts it. */
function biasAdditions(layer: LayerLike, positions: number): number {
  const bias = findWeight(layer, 'bias');
  return bias === undefined ? 0 : positions * product(bias.shape);
}

function product(values: readonly number[]): number {
  return values.reduce((accumulator, value) => accumulator * value, 1);
}
