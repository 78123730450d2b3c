import * as tf from '@tensorflow/tfjs';
import { createRng, InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createTestComponentContext } from './__fixtures__/contexts';
import { expectNoLeak } from './__fixtures__/reference';
import { cnnEmbeddingDefinition, createCnnEmbedding } from './cnn-embedding';
import { L2Normalization } from './l2-normalization-layer';
import { createMlpEmbedding, mlpEmbeddingDefinition } from './mlp-embedding';

describe('createCnnEmbedding', () => {
  it('builds conv-conv-pool-fc → d with stable names and optional L2 normalisation', async () => {
    await expectNoLeak(() => {
      const model = createCnnEmbedding({ inputShape: [8, 8, 1], filters: [2, 3], hiddenUnits: 5, dimension: 4, l2normalize: true, seed: 3 });
      expect(model.layerNames()).toEqual(['conv1', 'conv2', 'pool', 'flatten', 'features', 'embedding', 'l2_normalize']);
      expect(model.outputShape).toEqual([4]);
      expect(Object.keys(model.getWeights())).toEqual([
        'conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'features/kernel', 'features/bias', 'embedding/kernel', 'embedding/bias',
      ]);
      // 8×8 → 6×6×2 → 4×4×3 → 2×2×3 = 12 → 5 → 4.
      expect(model.countParams()).toBe(2 * 9 + 2 + 3 * 18 + 3 + 12 * 5 + 5 + 5 * 4 + 4);
      tf.tidy(() => {
        const inputs = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 1);
        const { output, features } = model.applyWithTaps(inputs, ['embedding', 'features']);
        expect(features.features.shape).toEqual([3, 5]);
        const norms = tf.norm(output, 'euclidean', 1).dataSync();
        const raw = tf.norm(features.embedding, 'euclidean', 1).dataSync();
        norms.forEach((norm, index) => expect(norm).toBeCloseTo(raw[index] > 0 ? 1 : 0, 5));
      });
      expect(() => tf.tidy(() => model.applyWithTaps(tf.zeros([1, 8, 8, 1]), ['nope']).output)).toThrow(/conv1, conv2, pool/);
      model.dispose();
    });
  });

  it('gives the same weights for the same seed and rejects non-image inputs', async () => {
    await expectNoLeak(() => {
      const first = createCnnEmbedding({ inputShape: [6, 6, 1], filters: [1, 1], hiddenUnits: 2, dimension: 2, seed: 9 });
      const second = createCnnEmbedding({ inputShape: [6, 6, 1], filters: [1, 1], hiddenUnits: 2, dimension: 2, seed: 9 });
      const secondWeights = second.getWeights();
      for (const [key, tensor] of Object.entries(first.getWeights())) {
        expect(Array.from(tensor.dataSync())).toEqual(Array.from(secondWeights[key].dataSync()));
      }
      first.dispose();
      second.dispose();
    });
    let caught: unknown;
    try {
      createCnnEmbedding({ inputShape: [784], dimension: 2 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
  });

  it('is built by its definition with the context shape, name and seed, and its spec rebuilds it', async () => {
    await expectNoLeak(() => {
      const options = cnnEmbeddingDefinition.options.parse({ dimension: 3, filters: [1, 2], hiddenUnits: 4 });
      const context = { ...createTestComponentContext(5), inputShape: [7, 7, 1], numClasses: 10, name: 'teacher', spec: { use: 'rkd:cnn-embedding', ...options } };
      const model = cnnEmbeddingDefinition.create(options, context);
      expect(model.name).toBe('teacher');
      expect(model.spec).toMatchObject({ use: 'rkd:cnn-embedding', dimension: 3, inputShape: [7, 7, 1], name: 'teacher' });
      const { use: _use, ...specOptions } = model.spec;
      const rebuilt = cnnEmbeddingDefinition.create(cnnEmbeddingDefinition.options.parse(specOptions), { ...context, rng: createRng(99) });
      const weights = rebuilt.getWeights();
      for (const [key, tensor] of Object.entries(model.getWeights())) expect(Array.from(tensor.dataSync())).toEqual(Array.from(weights[key].dataSync()));
      model.dispose();
      rebuilt.dispose();
    });
  });
});

describe('createMlpEmbedding', () => {
  it('builds flatten-hidden-d with stable names and is not normalised unless asked', async () => {
    await expectNoLeak(() => {
      const model = createMlpEmbedding({ inputShape: [4, 4, 1], hidden: [6, 5], dimension: 3, seed: 1 });
      expect(model.layerNames()).toEqual(['flatten', 'hidden1', 'features', 'embedding']);
      expect(model.outputShape).toEqual([3]);
      const parsed = mlpEmbeddingDefinition.options.parse({});
      expect(parsed).toMatchObject({ hidden: [128], dimension: 16, l2normalize: false });
      model.dispose();
    });
  });
});

describe('L2Normalization', () => {
  it('survives a save and load round trip once registered', async () => {
    tf.serialization.registerClass(L2Normalization, 'core.rkd');
    const model = createMlpEmbedding({ inputShape: [3], hidden: [4], dimension: 2, l2normalize: true, seed: 2 });
    const layersModel = model.toLayersModel()!;
    let saved: tf.io.ModelArtifacts | undefined;
    await layersModel.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const inputs = tf.tensor2d([[1, 2, 3], [-1, 0, 2]]);
      const expected = model.apply(inputs).dataSync();
      const actual = (loaded.predict(inputs) as tf.Tensor).dataSync();
      Array.from(expected).forEach((value, index) => expect(actual[index]).toBeCloseTo(value, 6));
    });
    expect(tf.memory().numTensors).toBe(before);
    loaded.dispose();
    model.dispose();
  });
});
