import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, InvalidArgumentError } from '../errors';
import { fromLayersModel } from './layers-model-adapter';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

/** conv1 → bn1 → relu → pool → logits, every layer named, seeded initialisers. */
function createTinyModel(seed = 1) {
  const input = tf.input({ shape: [4, 4, 2], name: 'input' });
  let x = tf.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'relu1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), name: 'logits' }).apply(x) as tf.SymbolicTensor;
  return fromLayersModel(tf.model({ inputs: input, outputs: x, name: 'tiny' }), { spec: { use: 'test:tiny', seed } });
}

describe('fromLayersModel', () => {
  it('describes the model', () => {
    const model = createTinyModel();
    expect(model.name).toBe('tiny');
    expect(model.spec).toEqual({ use: 'test:tiny', seed: 1 });
    expect(model.inputShape).toEqual([4, 4, 2]);
    expect(model.outputShape).toEqual([2]);
    expect(model.layerNames()).toEqual(['conv1', 'bn1', 'relu1', 'features', 'logits']);
    // conv 3·3·2·3 + 3, BN 4·3, dense 3·2 + 2
    expect(model.countParams()).toBe(57 + 12 + 8);
    expect(model.summary()).toEqual({
      name: 'tiny',
      spec: { use: 'test:tiny', seed: 1 },
      inputShape: [4, 4, 2],
      outputShape: [2],
      params: 77,
      trainableParams: 71,
      flops: 4 * 4 * 3 * 18 + 4 * 4 * 3 + 6 + 2,
    });
    expect(model.toLayersModel()?.name).toBe('tiny');
    model.dispose();
  });

  it('updates batch-norm moving statistics in training mode only', () => {
    const model = createTinyModel();
    const movingMean = () => model.getWeights()['bn1/moving_mean'].arraySync() as number[];
    const inputs = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 3);

    model.apply(inputs, { training: false }).dispose();
    model.apply(inputs).dispose();
    expect(movingMean()).toEqual([0, 0, 0]);

    model.apply(inputs, { training: true }).dispose();
    expect(movingMean().some((value) => value !== 0)).toBe(true);

    inputs.dispose();
    model.dispose();
  });

  it('returns tapped layer outputs and the final output from one pass', () => {
    const model = createTinyModel();
    const inputs = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 4);
    const plain = model.apply(inputs);
    const tapped = model.applyWithTaps(inputs, ['relu1', 'features', 'logits']);
    expect(tapped.features.relu1.shape).toEqual([2, 4, 4, 3]);
    expect(tapped.features.features.shape).toEqual([2, 3]);
    expect(tapped.output.arraySync()).toEqual(plain.arraySync());
    expect(tapped.features.logits.arraySync()).toEqual(plain.arraySync());

    const again = model.applyWithTaps(inputs, ['relu1', 'features', 'logits'], { training: true });
    expect(again.features.relu1.shape).toEqual([2, 4, 4, 3]);

    tf.dispose([inputs, plain, tapped.output, again.output, ...Object.values(tapped.features), ...Object.values(again.features)]);
    model.dispose();
  });

  it('names the model layers when a tap is unknown', () => {
    const model = createTinyModel();
    const inputs = tf.zeros([1, 4, 4, 2]);
    let caught: unknown;
    try {
      model.applyWithTaps(inputs, ['relu2']);
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toContain('"relu2"');
    expect((caught as Error).message).toContain('conv1, bn1, relu1, features, logits');
    inputs.dispose();
    model.dispose();
  });

  it('keys weights by layer name, the same for every instance in a process', () => {
    const first = createTinyModel();
    const second = createTinyModel();
    const keys = ['conv1/kernel', 'conv1/bias', 'bn1/gamma', 'bn1/beta', 'bn1/moving_mean', 'bn1/moving_variance', 'logits/kernel', 'logits/bias'];
    expect(Object.keys(first.getWeights())).toEqual(keys);
    expect(Object.keys(second.getWeights())).toEqual(keys);
    // The variables behind them carry tfjs's process-global suffixes; the keys do not.
    expect(second.trainableVariables().map((variable) => variable.name)).not.toEqual(first.trainableVariables().map((variable) => variable.name));
    first.dispose();
    second.dispose();
  });

  it('exposes the live variables', () => {
    const model = createTinyModel();
    const trainable = model.trainableVariables();
    expect(trainable).toHaveLength(6);
    expect(trainable.every((variable) => variable instanceof tf.Variable && variable.trainable)).toBe(true);
    expect(model.nonTrainableVariables()).toHaveLength(2);
    expect(model.getWeights()['conv1/kernel']).toBe(trainable[0]);

    const inputs = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 5);
    const before = model.getWeights()['logits/kernel'].arraySync();
    const optimizer = tf.train.sgd(0.1);
    optimizer.minimize(() => tf.mean(tf.square(model.apply(inputs, { training: true }))) as tf.Scalar, false, trainable);
    expect(model.getWeights()['logits/kernel'].arraySync()).not.toEqual(before);
    optimizer.dispose();
    inputs.dispose();
    model.dispose();
  });

  it('copies weights between instances with setWeights', () => {
    const source = createTinyModel(1);
    const target = createTinyModel(9);
    const inputs = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 6);
    const expected = source.apply(inputs);
    const differing = target.apply(inputs);
    expect(differing.arraySync()).not.toEqual(expected.arraySync());

    const copies = tf.tidy(() => Object.fromEntries(Object.entries(source.getWeights()).map(([key, tensor]) => [key, tensor.clone()])));
    target.setWeights(copies);
    // The model keeps its own reference: the caller may dispose what it passed in.
    tf.dispose(copies);
    const actual = target.apply(inputs);
    expect(actual.arraySync()).toEqual(expected.arraySync());

    tf.dispose([inputs, expected, differing, actual]);
    source.dispose();
    target.dispose();
  });

  it('rejects missing, unexpected and mis-shaped weights without changing the model', () => {
    const model = createTinyModel();
    const weights = { ...model.getWeights() };
    delete weights['bn1/gamma'];
    const extra = tf.zeros([1]);
    const wrong = tf.zeros([2, 3]);
    weights['bn2/gamma'] = extra;
    weights['logits/kernel'] = wrong;
    const before = model.getWeights()['logits/kernel'].arraySync();

    let caught: unknown;
    try {
      model.setWeights(weights);
    } catch (error) {
      caught = error;
    }
    expect(CheckpointError.isInstance(caught)).toBe(true);
    expect((caught as CheckpointError).path).toBe('(weights)');
    const message = (caught as Error).message;
    expect(message).toContain('missing: bn1/gamma');
    expect(message).toContain('unexpected: bn2/gamma');
    expect(message).toContain('mis-shaped: logits/kernel (expected float32 [3, 2], got float32 [2, 3])');
    expect(model.getWeights()['logits/kernel'].arraySync()).toEqual(before);

    tf.dispose([extra, wrong]);
    model.dispose();
  });

  it('takes a map of named inputs for a model with several inputs, and says which are missing', () => {
    const left = tf.input({ shape: [2], name: 'left' });
    const right = tf.input({ shape: [3], name: 'right' });
    const joined = tf.layers.concatenate({ name: 'joined' }).apply([left, right]) as tf.SymbolicTensor;
    const layersModel = tf.model({ inputs: [left, right], outputs: joined });
    const model = fromLayersModel(layersModel, { spec: { use: 'test:join' } });
    expect(model.inputShapes).toEqual({ left: [2], right: [3] });
    expect(model.inputShape).toEqual([2]);
    const output = tf.tidy(() => model.apply({ right: tf.tensor2d([[3, 4, 5]]), left: tf.tensor2d([[1, 2]]) }).arraySync());
    expect(output).toEqual([[1, 2, 3, 4, 5]]);
    expect(() => tf.tidy(() => model.apply({ left: tf.zeros([1, 2]) }))).toThrow(/takes the inputs left, right; missing right/);
    expect(() => tf.tidy(() => model.apply(tf.zeros([1, 2])))).toThrow(/pass a map/);
    model.dispose();
  });

  it('refuses models with several outputs', () => {
    const input = tf.input({ shape: [2], name: 'input' });
    const first = tf.layers.dense({ units: 1, name: 'first' }).apply(input) as tf.SymbolicTensor;
    const second = tf.layers.dense({ units: 1, name: 'second' }).apply(input) as tf.SymbolicTensor;
    const layersModel = tf.model({ inputs: input, outputs: [first, second] });
    expect(() => fromLayersModel(layersModel, { spec: { use: 'test:two' } })).toThrow(/one output/);
    layersModel.dispose();
  });

  it('lists variables with stable names, groups and trainability', () => {
    const input = tf.input({ shape: [4], name: 'input' });
    const hidden = tf.layers.dense({ units: 3, name: 'encoder' }).apply(input) as tf.SymbolicTensor;
    const normalised = tf.layers.batchNormalization({ name: 'bn' }).apply(hidden) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 2, name: 'decoder' }).apply(normalised) as tf.SymbolicTensor;
    const model = fromLayersModel(tf.model({ inputs: input, outputs: output }), {
      spec: { use: 'test:groups' },
      groupOf: (name) => (name.startsWith('decoder/') ? 'decoder' : 'weights'),
    });
    const listed = model.variables().map(({ name, group, trainable }) => [name, group, trainable]);
    expect(listed).toEqual([
      ['encoder/kernel', 'weights', true],
      ['encoder/bias', 'weights', true],
      ['bn/gamma', 'weights', true],
      ['bn/beta', 'weights', true],
      ['bn/moving_mean', 'weights', false],
      ['bn/moving_variance', 'weights', false],
      ['decoder/kernel', 'decoder', true],
      ['decoder/bias', 'decoder', true],
    ]);
    expect(model.trainableVariables('decoder').map((variable) => variable.shape)).toEqual([[3, 2], [2]]);
    expect(model.trainableVariables()).toHaveLength(6);
    expect(model.nonTrainableVariables()).toHaveLength(2);
    model.dispose();
  });
});
