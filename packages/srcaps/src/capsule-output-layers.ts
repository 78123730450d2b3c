import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { squash } from './dynamic-routing';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Lower bound of a class probability before its logarithm (log 0 would be −∞). */
export const MIN_CLASS_PROBABILITY = 1e-12;

/**
 * Squashes each capsule of a pose grid `[b, H, W, A·C]` (groups of `capsuleSize` channels), as the
 * dynamic-routing baseline does to its primary capsules. Serialised as `srcaps.Squash`.
 */
export class Squash extends tf.layers.Layer {
  static readonly className = 'srcaps.Squash';
  readonly capsuleSize: number;

  constructor(args: LayerArgs & { capsuleSize: number }) {
    super(args);
    if (!Number.isInteger(args.capsuleSize) || args.capsuleSize < 1) {
      throw new InvalidArgumentError('capsuleSize', `srcaps.Squash: capsuleSize must be a positive integer, got ${args.capsuleSize}.`);
    }
    this.capsuleSize = args.capsuleSize;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    const channels = shape[shape.length - 1];
    if (channels === null || channels % this.capsuleSize !== 0) {
      throw new InvalidArgumentError('inputShape', `srcaps.Squash "${this.name}": ${channels} channels do not split into capsules of ${this.capsuleSize}.`);
    }
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const poses = Array.isArray(inputs) ? inputs[0] : inputs;
      const grouped = tf.reshape(poses, [...poses.shape.slice(0, -1), poses.shape[poses.shape.length - 1] / this.capsuleSize, this.capsuleSize]);
      return tf.reshape(squash(grouped), poses.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), capsuleSize: this.capsuleSize };
  }
}

/**
 * Turns the class capsules of a `[b, 1, 1, B·D]` grid into log class probabilities `[b, B]`, the
 * model's output that NLL (softmax cross-entropy of a normalised distribution's log) trains:
 * with `capsuleSize` D > 1 each class's activation is its pose length (dynamic routing); with
 * `normalize` the activations are divided by their sum (dynamic and EM routing); self-routing's
 * class activations already sum to 1 and are only clamped at {@link MIN_CLASS_PROBABILITY} before
 * the logarithm. Serialised as `srcaps.ClassLogProbabilities`.
 */
export class ClassLogProbabilities extends tf.layers.Layer {
  static readonly className = 'srcaps.ClassLogProbabilities';
  readonly capsuleSize: number;
  readonly normalize: boolean;

  constructor(args: LayerArgs & { capsuleSize?: number; normalize?: boolean }) {
    super(args);
    this.capsuleSize = args.capsuleSize ?? 1;
    this.normalize = args.normalize ?? false;
    if (!Number.isInteger(this.capsuleSize) || this.capsuleSize < 1) {
      throw new InvalidArgumentError('capsuleSize', `srcaps.ClassLogProbabilities: capsuleSize must be a positive integer, got ${this.capsuleSize}.`);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    if (shape.length !== 4 || shape[1] !== 1 || shape[2] !== 1 || shape[3] === null || shape[3] % this.capsuleSize !== 0) {
      throw new InvalidArgumentError(
        'inputShape',
        `srcaps.ClassLogProbabilities "${this.name}": expected class capsules [batch, 1, 1, classes·${this.capsuleSize}] (a class layer whose kernel covers the grid), got [${shape.join(', ')}].`,
      );
    }
    return [shape[0], shape[3] / this.capsuleSize];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const capsules = Array.isArray(inputs) ? inputs[0] : inputs;
      const [batch, , , channels] = capsules.shape;
      const classes = channels / this.capsuleSize;
      let probabilities: tf.Tensor = tf.reshape(capsules, [batch, classes, this.capsuleSize]);
      probabilities = this.capsuleSize === 1 ? tf.reshape(probabilities, [batch, classes]) : tf.sqrt(tf.add(tf.sum(tf.square(probabilities), 2), MIN_CLASS_PROBABILITY));
      if (this.normalize) probabilities = tf.div(probabilities, tf.add(tf.sum(probabilities, 1, true), MIN_CLASS_PROBABILITY));
      return tf.log(tf.maximum(probabilities, MIN_CLASS_PROBABILITY));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), capsuleSize: this.capsuleSize, normalize: this.normalize };
  }
}
