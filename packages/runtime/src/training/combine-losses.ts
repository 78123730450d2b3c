import * as tf from '@tensorflow/tfjs';
import type { Loss, LossContext, LossNeeds } from '../contracts';
import { InvalidArgumentError } from '../errors';

/** One weighted term of {@link combineLosses}. */
export interface WeightedLoss {
  loss: Loss;
  /** Factor of this term in the sum (any finite number; 0 keeps the term for logging only). */
  weight: number;
}

/** Result of {@link CombinedLoss.compute}. */
export interface CombinedLossValue {
  /** `Σ weight · part`, the scalar to minimise. */
  total: tf.Scalar;
  /**
   * Each term's unweighted value by loss name (a repeated name gets a `_2`, `_3`, … suffix).
   * These scalars are kept (`tf.keep`), so they survive the optimiser's gradient scope; the caller
   * reads and disposes them.
   */
  parts: Record<string, tf.Scalar>;
}

/** A weighted sum of losses, as configured in a step's `loss:` list. */
export interface CombinedLoss {
  readonly terms: readonly WeightedLoss[];
  /** Computes every term on one batch; call inside the gradient scope. */
  compute(context: LossContext): CombinedLossValue;
  /** Union of the layers the terms tap, without duplicates, in first-seen order. */
  readonly taps: { readonly student: readonly string[]; readonly teacher: readonly string[] };
  /** What the terms read, together: any term's need is the sum's (`teacher` includes `teacherGradient`). */
  readonly needs: Required<LossNeeds>;
  /** Trainable variables owned by the terms (e.g. a FitNet regressor), to train with the model. */
  variables(): tf.Variable[];
  /** Disposes every term that has a `dispose`. */
  dispose(): void;
}

function union(lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []))];
}

function combineNeeds(list: ReadonlyArray<LossNeeds | undefined>): Required<LossNeeds> {
  const present = list.filter((needs): needs is LossNeeds => needs !== undefined);
  const teacherGradient = present.some((needs) => needs.teacherGradient === true);
  return {
    teacher: teacherGradient || present.some((needs) => needs.teacher === true),
    teacherGradient,
    labels: present.some((needs) => needs.labels === true),
    targets: present.some((needs) => needs.targets === true),
    tensors: union(present.map((needs) => needs.tensors)),
  };
}

function partNames(terms: readonly WeightedLoss[]): string[] {
  const seen = new Map<string, number>();
  return terms.map(({ loss }) => {
    const occurrence = (seen.get(loss.name) ?? 0) + 1;
    seen.set(loss.name, occurrence);
    return occurrence === 1 ? loss.name : `${loss.name}_${occurrence}`;
  });
}

/**
 * Combines losses into their weighted sum `Σ weight_i · loss_i(context)`, the way losses compose
 * in config, and returns each term as well so trainers can log them separately.
 *
 * @throws InvalidArgumentError when `terms` is empty or a weight is not finite.
 */
export function combineLosses(terms: readonly WeightedLoss[]): CombinedLoss {
  if (terms.length === 0) {
    throw new InvalidArgumentError('terms', 'combineLosses needs at least one loss');
  }
  for (const term of terms) {
    if ('needsTeacher' in term.loss) {
      throw new InvalidArgumentError(
        'terms',
        `loss "${term.loss.name}" declares needsTeacher, which this runtime replaced with needs: { teacher: true }; update the loss (or the plugin that provides it) to declare needs.`,
      );
    }
    if (!Number.isFinite(term.weight)) {
      throw new InvalidArgumentError('terms', `the weight of loss "${term.loss.name}" must be a finite number, got ${term.weight}`);
    }
  }
  const names = partNames(terms);
  const ownTerms = [...terms];
  return {
    terms: ownTerms,
    taps: {
      student: union(ownTerms.map((term) => term.loss.taps?.student)),
      teacher: union(ownTerms.map((term) => term.loss.taps?.teacher)),
    },
    needs: combineNeeds(ownTerms.map((term) => term.loss.needs)),
    compute(context) {
      const parts: Record<string, tf.Scalar> = {};
      try {
        ownTerms.forEach((term, index) => {
          const value = term.loss.compute(context);
          if (value.rank !== 0) {
            value.dispose();
            throw new InvalidArgumentError('terms', `loss "${term.loss.name}" returned a tensor of shape [${value.shape.join(', ')}] instead of a scalar`);
          }
          parts[names[index]] = tf.keep(value);
        });
      } catch (error) {
        tf.dispose(Object.values(parts));
        throw error;
      }
      const total = tf.tidy(() => tf.addN(ownTerms.map((term, index) => tf.mul(parts[names[index]], term.weight))) as tf.Scalar);
      return { total, parts };
    },
    variables: () => ownTerms.flatMap((term) => term.loss.variables?.() ?? []),
    dispose() {
      for (const term of ownTerms) term.loss.dispose?.();
    },
  };
}
