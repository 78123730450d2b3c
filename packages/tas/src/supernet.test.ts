import * as tf from '@tensorflow/tfjs';
import { createResNet, createRng } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createTasSupernet, resnetFlops } from './index';

describe('createTasSupernet', () => {
  it('samples architectures in search mode, trains α and β through the mixture and the expected FLOPs, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const supernet = createTasSupernet({ depth: 14, width: 8, inputShape: [8, 8, 1], numClasses: 3, seed: 1 });
    const { model } = supernet;
    expect(model.trainableVariables('architecture')).toHaveLength(13 + 3);
    const inputs = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 2);
    const rng = createRng(5);
    const output = model.apply(inputs, { training: true, rng, temperature: 1 });
    expect(output.shape).toEqual([4, 3]);
    const again = model.apply(inputs, { training: false });
    expect(Array.from(again.dataSync()).every(Number.isFinite)).toBe(true);
    const { grads, value } = tf.variableGrads(() => {
      const logits = model.apply(inputs, { training: true, rng, temperature: 1 });
      return tf.add(tf.mean(tf.square(logits)), supernet.expectedFlops()) as tf.Scalar;
    }, model.trainableVariables('architecture'));
    const norms = Object.values(grads).map((grad) => tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]));
    expect(norms.every((norm) => norm > 0)).toBe(true);
    tf.dispose([inputs, output, again, value, ...Object.values(grads)]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("derives a core:resnet whose FLOPs match the runtime's counter and equal the full net at uniform logits' ties", () => {
    const before = tf.memory().numTensors;
    const supernet = createTasSupernet({ depth: 14, inputShape: [12, 12, 1], numClasses: 4, seed: 3, alignment: 'zero-pad' });
    const architecture = supernet.architecture();
    expect(architecture.channels).toHaveLength(14);
    const derived = createResNet({ depth: 14, ...architecture, inputShape: [12, 12, 1], numClasses: 4, seed: 1 });
    expect(supernet.model.countFlops()).toBe(derived.countFlops());
    expect(resnetFlops(architecture, [12, 12, 1], 4)).toBe(derived.countFlops());
    derived.dispose();
    supernet.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
