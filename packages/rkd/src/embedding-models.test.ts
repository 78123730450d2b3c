import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createRng, fileSystemIO, InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createTestComponentContext } from './__fixtures__/contexts';
import { expectNoLeak } from './__fixtures__/reference';
import { cnnEmbeddingDefinition, createCnnEmbedding } from './cnn-embedding';
import { registerLayers } from './index';
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

const run = promisify(execFile);

describe('L2Normalization', () => {
  it('survives a save and load round trip once registered', async () => {
    registerLayers();
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
    const topology = JSON.stringify(saved!.modelTopology);
    expect(topology).toContain('"class_name":"rkd.L2Normalization"');
    loaded.dispose();
    model.dispose();
  });

  it('loads in a fresh process with plain tf.loadLayersModel after registerLayers(), never building a registry', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rkd-export-'));
    const model = createMlpEmbedding({ inputShape: [3], hidden: [4], dimension: 2, l2normalize: true, seed: 5 });
    try {
      await model.toLayersModel()!.save(fileSystemIO(directory));
      const inputs = [[1, 2, 3], [-1, 0, 2]];
      const expected = tf.tidy(() => model.apply(tf.tensor2d(inputs)).arraySync() as number[][]);
      const script = fileURLToPath(new URL('./__fixtures__/load-exported-model.mjs', import.meta.url));
      const { stdout } = await run(process.execPath, [script, directory, JSON.stringify(inputs)], { cwd: path.dirname(script) });
      const result = JSON.parse(stdout) as { before: string; classNames: string[]; output: number[][] };
      // Without the registration tfjs does not know the class; with it the model loads and predicts the same.
      expect(result.before).toMatch(/^refused: .*rkd\.L2Normalization/);
      expect(result.classNames).toContain('rkd.L2Normalization');
      result.output.flat().forEach((value, index) => expect(value).toBeCloseTo(expected.flat()[index], 5));
    } finally {
      model.dispose();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
