import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { countModelFlops, createRegistry, createRng, fileSystemIO, InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, randomArray } from './__fixtures__/reference';
import { createCapsuleNetwork } from './capsule-network';
import { plugin, registerLayers, SelfRouting2d } from './index';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

const small = { inputShape: [12, 12, 1] as const, numClasses: 4, filters: [4, 4, 4] as [number, number, number], capsules: 2, seed: 3 };

describe('createCapsuleNetwork', () => {
  const heads = [
    { head: 'self-routing', depth: 1 },
    { head: 'self-routing', depth: 2 },
    { head: 'dynamic-routing', depth: 1 },
    { head: 'dynamic-routing', depth: 2 },
    { head: 'em-routing', depth: 1, capsuleSize: 4 },
    { head: 'em-routing', depth: 2, capsuleSize: 4 },
    { head: 'avg-pool', depth: 1 },
  ] as const;
  for (const variant of heads) {
    it(`${variant.head}-${variant.depth}: log-probabilities [b, classes] whose exponentials sum to 1, gradients for every weight`, () => {
      const model = createCapsuleNetwork({ ...small, ...variant });
      const inputs = tf.tensor4d(randomArray(3 * 12 * 12, 4), [3, 12, 12, 1]);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 3], 'int32'), 4));
      const output = model.apply(inputs, { training: false });
      expect(output.shape).toEqual([3, 4]);
      if (variant.head !== 'avg-pool') {
        const sums = tf.tidy(() => tf.sum(tf.exp(output), 1));
        expectClose(sums.dataSync(), [1, 1, 1], 1e-4);
        sums.dispose();
      }
      const variables = model.trainableVariables();
      const { grads, value } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(inputs, { training: true })) as tf.Scalar, variables);
      expect(Object.keys(grads).length).toBe(variables.length);
      for (const gradient of Object.values(grads)) expect(Array.from(gradient.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([inputs, labels, output, value, ...Object.values(grads)]);
      model.dispose();
    });
  }

  it('gives every class 1/classes at initialisation (zero routing weights), whatever the input', () => {
    const model = createCapsuleNetwork({ ...small, head: 'self-routing', depth: 2 });
    const inputs = tf.tensor4d(randomArray(2 * 12 * 12, 8, -3, 3), [2, 12, 12, 1]);
    const probabilities = tf.tidy(() => tf.exp(model.apply(inputs, { training: false })));
    expectClose(probabilities.dataSync(), new Array(8).fill(0.25), 1e-5);
    tf.dispose([inputs, probabilities]);
    model.dispose();
  });

  it('counts parameters and FLOPs by the runtime rule, the capsule layers by their own countFlops', () => {
    const model = createCapsuleNetwork({ inputShape: [28, 28, 1], numClasses: 10, head: 'self-routing', seed: 1 });
    const layersModel = model.toLayersModel()!;
    // Backbone 288 + 18,432 + 36,864, BN 4·(32 + 64 + 64), primary 9,216 + 73,728 with BN 4·(16 + 128),
    // class layer W_route [784, 10, 8] + b_route [784, 10].
    expect(model.countParams()).toBe(288 + 18432 + 36864 + 4 * 160 + 9216 + 73728 + 4 * 144 + 784 * 10 * 8 + 784 * 10);
    const classLayer = layersModel.getLayer('class_capsules') as SelfRouting2d;
    expect(classLayer.countFlops([[null, 7, 7, 16], [null, 7, 7, 128]])).toBe(784 * (10 * 8 + 10));
    const convolutions = 28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 7 * 7 * 9 * 64 * 64 + 7 * 7 * 9 * 64 * (16 + 128);
    expect(model.countFlops()).toBe(countModelFlops(layersModel));
    expect(model.countFlops()).toBe(convolutions + 784 * 90);
    model.dispose();
  });

  it('rejects EM routing with non-square poses and inputs the backbone cannot reduce to a square grid', () => {
    expect(() => createCapsuleNetwork({ ...small, head: 'em-routing', capsuleSize: 8 })).toThrow(/capsuleSize 8 is not m²/);
    let caught: unknown;
    try {
      createCapsuleNetwork({ ...small, inputShape: [12, 20, 1] });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect(() => createCapsuleNetwork({ ...small, inputShape: [2, 2, 1], depth: 2 })).toThrow(/at least 2×2/);
  });

  it('is registered as srcaps:capsnet and built from the data shapes', () => {
    const registry = createRegistry().use(plugin);
    const definition = registry.get('models', 'srcaps:capsnet');
    expect(definition.options.safeParse({ head: 'self-routing', depht: 1 }).success).toBe(false);
    const model = definition.create(definition.options.parse({ capsules: 2, filters: [4, 4, 4] }), {
      inputShape: [12, 12, 1],
      numClasses: 3,
      name: 'sr',
      spec: { use: 'srcaps:capsnet' },
      rng: createRng(1),
    } as never);
    expect(model.outputShape).toEqual([3]);
    expect(model.spec).toMatchObject({ use: 'srcaps:capsnet', head: 'self-routing', capsuleSize: 8, inputShape: [12, 12, 1], numClasses: 3 });
    model.dispose();
  });
});

const run = promisify(execFile);

describe('exported capsule models', () => {
  it('survive a save/load round trip with every layer option', async () => {
    registerLayers();
    const model = createCapsuleNetwork({ ...small, head: 'dynamic-routing', depth: 2 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.toLayersModel()!.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const topology = JSON.stringify(saved!.modelTopology);
    expect(topology).toContain('"class_name":"srcaps.DynamicRouting2d"');
    expect(topology).toContain('"iterations":3');
    expect(topology).toContain('"input_capsules":2');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const inputs = tf.tensor4d(randomArray(2 * 12 * 12, 9), [2, 12, 12, 1]);
    const expected = model.apply(inputs);
    const actual = loaded.predict(inputs) as tf.Tensor;
    expectClose(actual.dataSync(), expected.dataSync(), 1e-5);
    tf.dispose([inputs, expected, actual]);
    loaded.dispose();
    model.dispose();
  });

  it('load in a fresh process with plain tf.loadLayersModel after registerLayers(), never building a registry', async () => {
    for (const variant of [{ head: 'self-routing', depth: 2 }, { head: 'em-routing', depth: 1, capsuleSize: 4 }] as const) {
      const directory = await mkdtemp(path.join(os.tmpdir(), 'srcaps-export-'));
      const model = createCapsuleNetwork({ ...small, ...variant, seed: 11 });
      try {
        // Trained routing weights are not zero: move them so the test sees them travel.
        for (const variable of model.trainableVariables()) tf.tidy(() => variable.assign(tf.add(variable, tf.mul(0.1, tf.randomNormal(variable.shape, 0, 1, 'float32', 5)))));
        await model.toLayersModel()!.save(fileSystemIO(directory));
        const inputs = [randomArray(12 * 12, 12).map((value) => [value])].map((image) => Array.from({ length: 12 }, (_, y) => image.slice(y * 12, (y + 1) * 12)));
        const expected = tf.tidy(() => model.apply(tf.tensor4d(inputs)).arraySync() as number[][]);
        const script = fileURLToPath(new URL('./__fixtures__/load-exported-model.mjs', import.meta.url));
        const { stdout } = await run(process.execPath, [script, directory, JSON.stringify(inputs)], { cwd: path.dirname(script) });
        const result = JSON.parse(stdout) as { before: string; classNames: string[]; output: number[][] };
        expect(result.before).toMatch(/^refused: Unknown layer: srcaps\./);
        expect(result.classNames).toContain(variant.head === 'self-routing' ? 'srcaps.SelfRouting2d' : 'srcaps.EmRouting2d');
        expect(result.classNames).toContain('srcaps.ClassLogProbabilities');
        expectClose(result.output.flat(), expected.flat(), 1e-5);
      } finally {
        model.dispose();
        await rm(directory, { recursive: true, force: true });
      }
    }
  });
});
