import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { assertSameBatch } from './argument-checks';
import { stopGradient } from '@core/runtime';

/** Options of {@link createHintLoss}. */
export interface HintLossOptions {
  /** Channels (last dimension) of the student feature. */
  studentChannels: number;
  /** Channels (last dimension) of the teacher feature. */
  teacherChannels: number;
  /** Seed of the regressor's initialisation. */
  seed?: number;
  /** Name of the regressor variable (tfjs variable names are global; leave unset for a unique name). */
  name?: string;
}

/** A FitNet hint loss together with the regressor it trains. */
export interface HintLoss {
  /**
   * The regressor kernel `[studentChannels, teacherChannels]`: the weights of a 1×1 convolution
   * without bias (a dense layer for 2-D features).
   */
  readonly regressor: tf.Variable;
  /**
   * `mean((r(student) − teacher)²)` over every element, where `r` applies the regressor to the last
   * axis. The teacher side receives no gradient.
   *
   * @param student - `[batch, studentChannels]` or `[batch, height, width, studentChannels]`.
   * @param teacher - Same rank, batch and spatial size, with `teacherChannels` channels.
   * @returns Scalar loss.
   * @throws InvalidArgumentError when the shapes do not fit the regressor.
   */
  compute(student: tf.Tensor, teacher: tf.Tensor): tf.Scalar;
  /** The regressor, for the optimiser (train it together with the student). */
  variables(): tf.Variable[];
  /** Releases the regressor. */
  dispose(): void;
}

/** Half-width of the uniform initialisation, as `FitNet` in the RKD reference (`metric/loss.py`). */
const initialScale = 0.005;

/**
 * Creates a FitNet hint loss (Romero et al. 2015, Sec. 2.2; the `FitNet` baseline of RKD,
 * Park et al. 2019, Sec. 4): a learnable 1×1 convolution without bias, initialised uniformly in
 * ±0.005, maps the student's intermediate feature to the teacher's width; the loss is the mean squared
 * error against the teacher feature.
 *
 * @param options - Channel counts and seed; see {@link HintLossOptions}.
 * @returns The loss and its regressor; call `dispose()` when done.
 * @throws InvalidArgumentError for non-positive channel counts.
 */
export function createHintLoss(options: HintLossOptions): HintLoss {
  const { studentChannels, teacherChannels } = options;
  for (const [argument, value] of [
    ['studentChannels', studentChannels],
    ['teacherChannels', teacherChannels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(argument, `createHintLoss: ${argument} must be a positive integer, got ${value}.`);
    }
  }
  const regressor = tf.tidy(() =>
    tf.variable(tf.randomUniform([studentChannels, teacherChannels], -initialScale, initialScale, 'float32', options.seed), true, options.name),
  );

  const compute = (student: tf.Tensor, teacher: tf.Tensor): tf.Scalar => {
    const caller = 'hint loss';
    if ((student.rank !== 2 && student.rank !== 4) || teacher.rank !== student.rank) {
      throw new InvalidArgumentError(
        'student',
        `${caller}: features must both be [batch, channels] or both NHWC, got student [${student.shape.join(', ')}] and teacher [${teacher.shape.join(', ')}].`,
      );
    }
    assertSameBatch(student, teacher, caller);
    const studentShape = student.shape;
    const teacherShape = teacher.shape;
    if (studentShape.slice(1, -1).join() !== teacherShape.slice(1, -1).join()) {
      throw new InvalidArgumentError(
        'student',
        `${caller}: a 1×1 regressor keeps the spatial size, but the student map is ${studentShape.slice(1, -1).join('×')} and the teacher map ${teacherShape.slice(1, -1).join('×')}. Tap layers of the same resolution.`,
      );
    }
    if (studentShape[studentShape.length - 1] !== studentChannels || teacherShape[teacherShape.length - 1] !== teacherChannels) {
      throw new InvalidArgumentError(
        'student',
        `${caller}: the regressor maps ${studentChannels} → ${teacherChannels} channels, got ${studentShape[studentShape.length - 1]} → ${teacherShape[teacherShape.length - 1]}.`,
      );
    }
    return tf.tidy(() => {
      const regressed = tf.matMul(tf.reshape(student, [-1, studentChannels]), regressor);
      const target = stopGradient(tf.reshape(teacher, [-1, teacherChannels]));
      return tf.mean(tf.square(tf.sub(regressed, target))) as tf.Scalar;
    });
  };

  return {
    regressor,
    compute,
    variables: () => [regressor],
    dispose: () => regressor.dispose(),
  };
}
