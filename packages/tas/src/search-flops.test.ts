import * as tf from '@tensorflow/tfjs';
import { createResNet } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createResNetSearchSpace, flopsCost, resnetFlops, resnetSearchFlops, widthChoices } from './index';

/** Logits that make one column (per row) the argmax by a wide margin: softmax is one-hot to ~1e-26. */
function oneHot(rows: number, columns: number, pick: (row: number) => number): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: rows }, (_, row) => Array.from({ length: columns }, (_, column) => (column === pick(row) ? 60 : 0))));
}

describe('resnetFlops / resnetSearchFlops', () => {
  it('gives the paper counts for the unpruned CIFAR ResNet-20 and ResNet-56 (40.81 M, 125.75 M)', () => {
    const full = (n: number) => ({ channels: [3, 16, ...[16, 32, 64].flatMap((c) => new Array(2 * n).fill(c))], blocks: [n, n, n] as [number, number, number] });
    expect(resnetFlops(full(3), [32, 32, 3], 10) / 1e6).toBeCloseTo(40.81, 2);
    expect(resnetFlops(full(9), [32, 32, 3], 10) / 1e6).toBeCloseTo(125.75, 2);
  });

  it('expected equals exact FLOPs for one-hot logits where the counting rules coincide', () => {
    const before = tf.memory().numTensors;
    const space = { blocksPerStage: 2, inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 };
    // Full widths and full depth: the counts differ only by the classifier's bias (10 additions).
    const alpha = oneHot(13, 8, () => 7);
    const beta = oneHot(3, 2, () => 1);
    const result = resnetSearchFlops(space, alpha, beta);
    expect(result.channels).toEqual([1, 16, 16, 16, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64]);
    expect(result.blocks).toEqual([2, 2, 2]);
    expect(result.expected).toBeCloseTo(result.derivedFlops - 10 / 1e6, 4);
    // Every width the same fraction within a stage (no channel change inside a stage), depth 1.
    const sameWidth = oneHot(13, 8, () => 3);
    const shallow = oneHot(3, 2, () => 0);
    const pruned = resnetSearchFlops(space, sameWidth, shallow);
    expect(pruned.blocks).toEqual([1, 1, 1]);
    expect(pruned.channels).toEqual([1, 9, 9, 9, 9, 9, 19, 19, 19, 19, 38, 38, 38, 38]);
    expect(pruned.expected).toBeCloseTo(pruned.derivedFlops - 10 / 1e6, 4);
    tf.dispose([alpha, beta, sameWidth, shallow]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes the expected cost as a naive sum over products of expected widths and keep probabilities', () => {
    const before = tf.memory().numTensors;
    const space = { blocksPerStage: 2, inputShape: [8, 8, 3] as [number, number, number], numClasses: 4 };
    const alphaValues = Array.from({ length: 13 }, (_, row) => Array.from({ length: 8 }, (_, column) => Math.sin(row * 8 + column)));
    const betaValues = [[0.3, -0.2], [0, 1], [-1, 0.5]];
    const alpha = tf.tensor2d(alphaValues);
    const beta = tf.tensor2d(betaValues);
    const result = resnetSearchFlops(space, alpha, beta);
    const softmax = (values: number[]) => {
      const exps = values.map(Math.exp);
      const sum = exps.reduce((a, b) => a + b, 0);
      return exps.map((value) => value / sum);
    };
    const full = [16, 16, 16, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64];
    const mean = full.map((channels, row) => softmax(alphaValues[row]).reduce((sum, p, index) => sum + p * widthChoices(channels)[index], 0));
    const sizes = [8, 8, 8, 8, 8, 4, 4, 4, 4, 2, 2, 2, 2];
    let naive = 9 * 64 * 3 * mean[0];
    for (let stage = 0; stage < 3; stage += 1) {
      const q = softmax(betaValues[stage]);
      for (let block = 0; block < 2; block += 1) {
        const a = 1 + 4 * stage + 2 * block;
        const positions = sizes[a] ** 2;
        let cost = 9 * positions * mean[a - 1] * mean[a] + 9 * positions * mean[a] * mean[a + 1];
        if (stage > 0 && block === 0) cost += positions * mean[a - 1] * mean[a + 1];
        naive += cost * (block === 0 ? 1 : q[1]);
      }
    }
    naive += mean[12] * 4;
    expect(result.expected).toBeCloseTo(naive / 1e6, 6);
    tf.dispose([alpha, beta]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("matches the runtime's FLOPs counter for a pruned network with channel changes inside stages", () => {
    const before = tf.memory().numTensors;
    const architecture = { channels: [1, 6, 4, 9, 11, 16, 25, 12, 9, 22, 44, 64, 19, 57], blocks: [2, 1, 2] as [number, number, number] };
    const model = createResNet({ depth: 14, channels: architecture.channels, blocks: architecture.blocks, inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(resnetFlops(architecture, [28, 28, 1], 10)).toBe(model.countFlops());
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the first k columns of a row for a conv with fewer choices, and checks shapes', () => {
    const space = createResNetSearchSpace({ blocksPerStage: 2, inputShape: [8, 8, 1], numClasses: 2 });
    expect(space.convs.every((conv) => conv.choices.length === 8)).toBe(true);
    const alpha = tf.zeros([12, 8]) as tf.Tensor2D;
    const beta = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => resnetSearchFlops({ blocksPerStage: 2, inputShape: [8, 8, 1], numClasses: 2 }, alpha, beta)).toThrow(/one row per conv/);
    tf.dispose([alpha, beta]);
  });
});

describe('flopsCost', () => {
  it('flips sign across the target band and pushes the expected cost the right way', () => {
    const before = tf.memory().numTensors;
    const gradientAt = (current: number) => {
      const fifty = tf.scalar(50);
      const probe = flopsCost(fifty, current, 100, 0.5, 0.05);
      const loss = probe.loss.dataSync()[0];
      tf.dispose([fifty, probe.loss]);
      if (probe.sign === 0) return { loss, grad: 0, sign: probe.sign };
      const expected = tf.scalar(50);
      const grad = tf.grad((x: tf.Tensor) => flopsCost(x as tf.Scalar, current, 100, 0.5, 0.05).loss)(expected);
      const result = { loss, grad: grad.dataSync()[0], sign: probe.sign };
      tf.dispose([expected, grad]);
      return result;
    };
    const above = gradientAt(60);
    expect(above.sign).toBe(1);
    expect(above.loss).toBeCloseTo(Math.log(50), 5);
    expect(above.grad).toBeCloseTo(1 / 50, 6);
    const below = gradientAt(40);
    expect(below.sign).toBe(-1);
    expect(below.loss).toBeCloseTo(-Math.log(50), 5);
    expect(below.grad).toBeCloseTo(-1 / 50, 6);
    const inside = gradientAt(47);
    expect(inside.sign).toBe(0);
    expect(inside.loss).toBe(0);
    expect(gradientAt(50).sign).toBe(0);
    expect(gradientAt(44.9).sign).toBe(-1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
