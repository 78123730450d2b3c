import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, type FlopsCountingLayer } from '@core/runtime';
import { type CapsuleWindow, checkCapsuleWindow } from './capsule-unfold';
import { dynamicRouting2d } from './dynamic-routing';
import { emRouting2d } from './em-routing';
import { selfRouting2d, selfRoutingCoefficients } from './self-routing';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;
type Shape = Array<number | null>;

/** Options shared by the routing layers. */
export interface CapsuleLayerArgs extends LayerArgs {
  /** Output capsule types B. */
  capsules: number;
  /** Square kernel in grid cells (default 3). */
  kernelSize?: number;
  stride?: number;
  /** Zero padding in grid cells (default 0). */
  padding?: number;
  /** Seed of the pose weights' Kaiming-uniform initialiser. */
  seed?: number;
}

/** `nn.init.kaiming_uniform_` of a `[rows, fanIn, …]` tensor: `U(±√(6 / (shape[1] · ∏ shape[2:])))`. */
function kaimingUniform(shape: readonly number[], seed: number | undefined): ReturnType<typeof tf.initializers.randomUniform> {
  const fanIn = shape.slice(1).reduce((product, size) => product * size, 1);
  const bound = Math.sqrt(6 / fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, ...(seed === undefined ? {} : { seed }) });
}

function positiveInteger(layer: string, key: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(key, `${layer}: ${key} must be a positive integer, got ${value}.`);
  return value;
}

/** A symbolic shape for messages, the unknown batch written `b`. */
function formatShape(shape: Shape): string {
  return shape.map((size) => size ?? 'b').join(', ');
}

function gridShape(layer: string, shape: Shape, what: string): [number, number, number] {
  if (shape.length !== 4 || shape.slice(1).some((size) => size === null)) {
    throw new InvalidArgumentError('inputShape', `${layer}: ${what} must be [batch, height, width, channels] with a fixed grid, got [${formatShape(shape)}].`);
  }
  return [shape[1] as number, shape[2] as number, shape[3] as number];
}

abstract class CapsuleLayer extends tf.layers.Layer implements FlopsCountingLayer {
  readonly capsules: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly seed: number | undefined;

  constructor(args: CapsuleLayerArgs) {
    super(args);
    const name = this.getClassName();
    this.capsules = positiveInteger(name, 'capsules', args.capsules);
    this.kernelSize = positiveInteger(name, 'kernelSize', args.kernelSize ?? 3);
    this.stride = positiveInteger(name, 'stride', args.stride ?? 1);
    this.padding = args.padding ?? 0;
    this.seed = args.seed;
  }

  protected get window(): CapsuleWindow {
    return { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
  }

  protected outputGrid(height: number, width: number): [number, number] {
    return checkCapsuleWindow(`${this.getClassName()} "${this.name}"`, height, width, this.window);
  }

  abstract countFlops(inputShapes: Shape[], outputShapes: Shape[]): number;

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      capsules: this.capsules,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}

/** Options of {@link SelfRouting2d}. */
export interface SelfRouting2dArgs extends CapsuleLayerArgs {
  /** Output pose dimensions D; 0 for a class layer (activations only, kernel covering the grid). */
  poseSize: number;
}

/**
 * The self-routing capsule layer (Hahn et al. 2019) as a tfjs layer, serialised as
 * `srcaps.SelfRouting2d`: inputs `[activations [b, H, W, A], poses [b, H, W, A·C]]`, outputs
 * `[activations [b, H', W', B], poses [b, H', W', B·D]]`, or the activations alone for a class
 * layer (`poseSize: 0`), whose kernel must cover the whole grid with padding 0. Weights `pose`
 * `[k·k·A, B·D, C]` (Kaiming-uniform), `route` `[k·k·A, B, C]` and `route_bias` `[k·k·A, B]` (zero:
 * uniform routing at the start). The math is {@link selfRouting2d}.
 */
export class SelfRouting2d extends CapsuleLayer {
  static readonly className = 'srcaps.SelfRouting2d';
  readonly poseSize: number;
  private poseWeights?: LayerVariable;
  private routeWeights?: LayerVariable;
  private routeBias?: LayerVariable;

  constructor(args: SelfRouting2dArgs) {
    super(args);
    if (!Number.isInteger(args.poseSize) || args.poseSize < 0) {
      throw new InvalidArgumentError('poseSize', `srcaps.SelfRouting2d: poseSize must be a non-negative integer (0 for a class layer), got ${args.poseSize}.`);
    }
    this.poseSize = args.poseSize;
  }

  private shapes(inputShape: Shape[]): { types: number; inSize: number; outHeight: number; outWidth: number } {
    const layer = `srcaps.SelfRouting2d "${this.name}"`;
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new InvalidArgumentError('inputs', `${layer} takes two inputs, [activations, poses].`);
    }
    const [height, width, types] = gridShape(layer, inputShape[0], 'activations');
    const [poseHeight, poseWidth, poseChannels] = gridShape(layer, inputShape[1], 'poses');
    if (poseHeight !== height || poseWidth !== width || poseChannels % types !== 0) {
      throw new InvalidArgumentError(
        'inputs',
        `${layer}: poses [${formatShape(inputShape[1])}] do not fit activations [${formatShape(inputShape[0])}]: they need the same grid and A·C channels for A = ${types}.`,
      );
    }
    if (this.poseSize === 0 && (this.kernelSize !== height || this.kernelSize !== width || this.padding !== 0)) {
      throw new InvalidArgumentError(
        'kernelSize',
        `${layer}: a class layer (poseSize 0) needs a kernel covering the whole ${height}×${width} grid with padding 0; got kernelSize ${this.kernelSize}, padding ${this.padding}. Set kernelSize: ${height}${height === width ? '' : ' (and a square grid)'}.`,
      );
    }
    const [outHeight, outWidth] = this.outputGrid(height, width);
    return { types, inSize: poseChannels / types, outHeight, outWidth };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { types, inSize } = this.shapes(inputShape as Shape[]);
    const rows = this.kernelSize * this.kernelSize * types;
    if (this.poseSize > 0) {
      const shape = [rows, this.capsules * this.poseSize, inSize];
      this.poseWeights = this.addWeight('pose', shape, 'float32', kaimingUniform(shape, this.seed));
    }
    this.routeWeights = this.addWeight('route', [rows, this.capsules, inSize], 'float32', tf.initializers.zeros());
    this.routeBias = this.addWeight('route_bias', [rows, this.capsules], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = inputShape as Shape[];
    const { outHeight, outWidth } = this.shapes(shapes);
    const batch = shapes[0][0];
    const activations: Shape = [batch, outHeight, outWidth, this.capsules];
    return this.poseSize === 0 ? activations : [activations, [batch, outHeight, outWidth, this.capsules * this.poseSize]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const [activations, poses] = inputs as tf.Tensor4D[];
      const output = selfRouting2d(
        { activations, poses },
        {
          ...(this.poseWeights === undefined ? {} : { pose: this.poseWeights.read() as tf.Tensor3D }),
          route: this.routeWeights!.read() as tf.Tensor3D,
          routeBias: this.routeBias!.read() as tf.Tensor2D,
        },
        this.window,
      );
      return output.poses === undefined ? output.activations : [output.activations, output.poses];
    });
  }

  /**
   * The routing coefficients of this layer for given inputs (see {@link selfRoutingCoefficients}):
   * `coefficients` `[k·k·A, b·H'·W', B]` and the unfolded input `activations` `[k·k·A, b·H'·W', 1]`.
   */
  routingCoefficients(activations: tf.Tensor4D, poses: tf.Tensor4D): { coefficients: tf.Tensor3D; activations: tf.Tensor3D } {
    return tf.tidy(() => {
      const routed = selfRoutingCoefficients(
        { activations, poses },
        { route: this.routeWeights!.read() as tf.Tensor3D, routeBias: this.routeBias!.read() as tf.Tensor2D },
        this.window,
      );
      return { coefficients: routed.coefficients, activations: routed.activations };
    });
  }

  /**
   * Multiply-accumulates for one example: per output position and each of the `k·k·A` input
   * capsules, the routing logits (`B·C`) and, with poses, the pose transform (`B·D·C`) and the
   * weighted sum of the predictions (`B·D`).
   */
  countFlops(inputShapes: Shape[]): number {
    const { types, inSize, outHeight, outWidth } = this.shapes(inputShapes);
    const rows = this.kernelSize * this.kernelSize * types;
    const perCapsule = this.capsules * inSize + this.capsules + this.capsules * this.poseSize * (inSize + 1);
    return outHeight * outWidth * rows * perCapsule;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poseSize: this.poseSize };
  }
}

/** Options of {@link DynamicRouting2d}. */
export interface DynamicRouting2dArgs extends CapsuleLayerArgs {
  /** Input capsule types A (the poses carry A·C channels). */
  inputCapsules: number;
  /** Output pose dimensions D. */
  poseSize: number;
  /** Routing iterations (default 3). */
  iterations?: number;
}

/**
 * Convolutional capsules with dynamic routing (Sabour et al. 2017; the DR baseline of the
 * SR-CapsNet paper), serialised as `srcaps.DynamicRouting2d`: poses `[b, H, W, A·C]` (squashed) →
 * poses `[b, H', W', B·D]`, whose lengths are the activations. Weight `pose` `[k·k·A, B·D, C]`
 * (Kaiming-uniform). The math is {@link dynamicRouting2d}.
 */
export class DynamicRouting2d extends CapsuleLayer {
  static readonly className = 'srcaps.DynamicRouting2d';
  readonly inputCapsules: number;
  readonly poseSize: number;
  readonly iterations: number;
  private poseWeights?: LayerVariable;

  constructor(args: DynamicRouting2dArgs) {
    super(args);
    this.inputCapsules = positiveInteger('srcaps.DynamicRouting2d', 'inputCapsules', args.inputCapsules);
    this.poseSize = positiveInteger('srcaps.DynamicRouting2d', 'poseSize', args.poseSize);
    this.iterations = positiveInteger('srcaps.DynamicRouting2d', 'iterations', args.iterations ?? 3);
  }

  private shapes(inputShape: Shape): { inSize: number; outHeight: number; outWidth: number } {
    const layer = `srcaps.DynamicRouting2d "${this.name}"`;
    const [height, width, channels] = gridShape(layer, inputShape, 'poses');
    if (channels % this.inputCapsules !== 0) {
      throw new InvalidArgumentError('inputCapsules', `${layer}: poses [${formatShape(inputShape)}] do not split into inputCapsules = ${this.inputCapsules} capsule types.`);
    }
    const [outHeight, outWidth] = this.outputGrid(height, width);
    return { inSize: channels / this.inputCapsules, outHeight, outWidth };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { inSize } = this.shapes(inputShape as Shape);
    const shape = [this.kernelSize * this.kernelSize * this.inputCapsules, this.capsules * this.poseSize, inSize];
    this.poseWeights = this.addWeight('pose', shape, 'float32', kaimingUniform(shape, this.seed));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    const { outHeight, outWidth } = this.shapes(shape);
    return [shape[0], outHeight, outWidth, this.capsules * this.poseSize];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const poses = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return dynamicRouting2d(poses, { pose: this.poseWeights!.read() as tf.Tensor3D }, { ...this.window, types: this.inputCapsules, capsules: this.capsules, iterations: this.iterations });
    });
  }

  /**
   * Multiply-accumulates for one example: per output position and input capsule, the votes
   * (`B·D·C`) and, per iteration, the weighted sum (`B·D`) and, but for the last, the agreement (`B·D`).
   */
  countFlops(inputShapes: Shape[]): number {
    const { inSize, outHeight, outWidth } = this.shapes(inputShapes[0]);
    const rows = this.kernelSize * this.kernelSize * this.inputCapsules;
    const outputs = this.capsules * this.poseSize;
    return outHeight * outWidth * rows * (outputs * inSize + outputs * (2 * this.iterations - 1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputCapsules: this.inputCapsules, poseSize: this.poseSize, iterations: this.iterations };
  }
}

/** Options of {@link EmRouting2d}. */
export interface EmRouting2dArgs extends CapsuleLayerArgs {
  /** EM iterations (default 3). */
  iterations?: number;
  /** Final inverse temperature λ (default 0.01). */
  finalLambda?: number;
}

/**
 * Matrix capsules with EM routing (Hinton et al. 2018; the EM baseline of the SR-CapsNet paper),
 * serialised as `srcaps.EmRouting2d`: inputs `[activations [b, H, W, A], poses [b, H, W, A·m²]]`,
 * outputs `[activations [b, H', W', B], poses [b, H', W', B·m²]]`. Weights `pose`
 * `[k·k·A, B, m, m]` (Kaiming-uniform), `beta_u` and `beta_a` `[B]` (zero). The math is {@link emRouting2d}.
 */
export class EmRouting2d extends CapsuleLayer {
  static readonly className = 'srcaps.EmRouting2d';
  readonly iterations: number;
  readonly finalLambda: number;
  private poseWeights?: LayerVariable;
  private betaU?: LayerVariable;
  private betaA?: LayerVariable;

  constructor(args: EmRouting2dArgs) {
    super(args);
    this.iterations = positiveInteger('srcaps.EmRouting2d', 'iterations', args.iterations ?? 3);
    this.finalLambda = args.finalLambda ?? 0.01;
  }

  private shapes(inputShape: Shape[]): { types: number; matrix: number; outHeight: number; outWidth: number } {
    const layer = `srcaps.EmRouting2d "${this.name}"`;
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) throw new InvalidArgumentError('inputs', `${layer} takes two inputs, [activations, poses].`);
    const [height, width, types] = gridShape(layer, inputShape[0], 'activations');
    const [poseHeight, poseWidth, poseChannels] = gridShape(layer, inputShape[1], 'poses');
    const matrix = Math.round(Math.sqrt(poseChannels / types));
    if (poseHeight !== height || poseWidth !== width || matrix * matrix * types !== poseChannels) {
      throw new InvalidArgumentError(
        'inputs',
        `${layer}: poses [${formatShape(inputShape[1])}] do not fit activations [${formatShape(inputShape[0])}]: they need the same grid and A·m² channels (square pose matrices) for A = ${types}.`,
      );
    }
    const [outHeight, outWidth] = this.outputGrid(height, width);
    return { types, matrix, outHeight, outWidth };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { types, matrix } = this.shapes(inputShape as Shape[]);
    const shape = [this.kernelSize * this.kernelSize * types, this.capsules, matrix, matrix];
    this.poseWeights = this.addWeight('pose', shape, 'float32', kaimingUniform(shape, this.seed));
    this.betaU = this.addWeight('beta_u', [this.capsules], 'float32', tf.initializers.zeros());
    this.betaA = this.addWeight('beta_a', [this.capsules], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const shapes = inputShape as Shape[];
    const { matrix, outHeight, outWidth } = this.shapes(shapes);
    const batch = shapes[0][0];
    return [
      [batch, outHeight, outWidth, this.capsules],
      [batch, outHeight, outWidth, this.capsules * matrix * matrix],
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [activations, poses] = inputs as tf.Tensor4D[];
      const output = emRouting2d(
        { activations, poses },
        { pose: this.poseWeights!.read() as tf.Tensor4D, betaU: this.betaU!.read() as tf.Tensor1D, betaA: this.betaA!.read() as tf.Tensor1D },
        { ...this.window, iterations: this.iterations, finalLambda: this.finalLambda },
      );
      return [output.activations, output.poses];
    });
  }

  /**
   * Multiply-accumulates for one example: per output position and input capsule, the votes
   * (`B·m³`) and, per iteration, the M-step's mean and variance (`2·B·m²`) and, but for the last,
   * the E-step's densities (`B·m²`).
   */
  countFlops(inputShapes: Shape[]): number {
    const { types, matrix, outHeight, outWidth } = this.shapes(inputShapes);
    const rows = this.kernelSize * this.kernelSize * types;
    const size = matrix * matrix;
    return outHeight * outWidth * rows * this.capsules * (matrix * size + 2 * size * this.iterations + size * (this.iterations - 1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), iterations: this.iterations, finalLambda: this.finalLambda };
  }
}
