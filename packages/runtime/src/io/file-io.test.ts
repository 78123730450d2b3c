import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { fromLayersModel } from '../models/layers-model-adapter';
import { createLeNet5 } from '../models/lenet5';
import { createResNet } from '../models/resnet';
import { fileSystemIO } from './file-io';

let tensorsBefore = 0;
let directory = '';
beforeEach(async () => {
  tensorsBefore = tf.memory().numTensors;
  directory = await mkdtemp(path.join(tmpdir(), 'file-io-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

async function expectSameAfterRoundTrip(layersModel: tf.LayersModel, inputShape: number[], target: string): Promise<void> {
  await layersModel.save(fileSystemIO(target));
  expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
  const modelJson = JSON.parse(await readFile(path.join(target, 'model.json'), 'utf8'));
  expect(modelJson.modelTopology.class_name).toBe('Model');
  expect(modelJson.weightsManifest[0].paths).toEqual(['./weights.bin']);

  const loaded = await tf.loadLayersModel(fileSystemIO(target));
  const inputs = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 11);
  const expected = layersModel.predict(inputs) as tf.Tensor;
  const actual = loaded.predict(inputs) as tf.Tensor;
  expect(actual.arraySync()).toEqual(expected.arraySync());
  tf.dispose([inputs, expected, actual]);
  // Layer names survive the round trip, so the reloaded model has the same stable weight keys.
  const keys = (model: tf.LayersModel) => Object.keys(fromLayersModel(model, { spec: { use: 'test:any' } }).getWeights());
  expect(keys(loaded)).toEqual(keys(layersModel));
  loaded.dispose();
}

describe('fileSystemIO', () => {
  it('round-trips LeNet-5 through the standard format', async () => {
    const model = createLeNet5({ inputShape: [16, 16, 1], numClasses: 4, seed: 1 });
    await expectSameAfterRoundTrip(model.toLayersModel()!, [16, 16, 1], path.join(directory, 'lenet5'));
    model.dispose();
  });

  it('round-trips a ResNet-8 with batch-norm statistics and nested layer names', async () => {
    const model = createResNet({ depth: 8, width: 2, inputShape: [8, 8, 3], numClasses: 3, seed: 1 });
    // Non-trivial moving statistics, so inference depends on them.
    const batch = tf.randomNormal([4, 8, 8, 3], 1, 2, 'float32', 2);
    model.apply(batch, { training: true }).dispose();
    batch.dispose();
    await expectSameAfterRoundTrip(model.toLayersModel()!, [8, 8, 3], path.join(directory, 'resnet8'));
    model.dispose();
  });

  it('overwrites an earlier export', async () => {
    const first = createLeNet5({ inputShape: [12, 12, 1], numClasses: 2, seed: 1 });
    const second = createLeNet5({ inputShape: [12, 12, 1], numClasses: 2, seed: 2 });
    await first.toLayersModel()!.save(fileSystemIO(directory));
    await expectSameAfterRoundTrip(second.toLayersModel()!, [12, 12, 1], directory);
    first.dispose();
    second.dispose();
  });

  it('reports missing and corrupt files as CheckpointError', async () => {
    await expect(tf.loadLayersModel(fileSystemIO(path.join(directory, 'absent')))).rejects.toSatisfy(
      (error: unknown) => CheckpointError.isInstance(error) && /model\.json does not exist/.test((error as Error).message),
    );
    await writeFile(path.join(directory, 'model.json'), '{ not json');
    await expect(tf.loadLayersModel(fileSystemIO(directory))).rejects.toSatisfy((error: unknown) => CheckpointError.isInstance(error));

    const model = createLeNet5({ inputShape: [12, 12, 1], numClasses: 2, seed: 1 });
    await model.toLayersModel()!.save(fileSystemIO(directory));
    await rm(path.join(directory, 'weights.bin'));
    await expect(tf.loadLayersModel(fileSystemIO(directory))).rejects.toSatisfy(
      (error: unknown) => CheckpointError.isInstance(error) && /weights\.bin does not exist/.test((error as Error).message),
    );
    model.dispose();
  });
});
