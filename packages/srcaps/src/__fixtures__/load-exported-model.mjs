// Run by capsule-network.test.ts in a fresh Node process: loads an exported capsule model with
// plain tfjs after `registerLayers()`, never building a registry, and prints its outputs for the
// inputs given as JSON ([batch, height, width, channels]).
import * as tf from '@tensorflow/tfjs';
import { fileSystemIO } from '@core/runtime';
import { registerLayers } from '../../dist/index.js';

const [directory, inputsJson] = process.argv.slice(2);
const before = await tf.loadLayersModel(fileSystemIO(directory)).then(
  () => 'loaded',
  (error) => `refused: ${error.message.split('\n')[0]}`,
);
registerLayers();
const model = await tf.loadLayersModel(fileSystemIO(directory));
const output = model.predict(tf.tensor4d(JSON.parse(inputsJson)));
process.stdout.write(JSON.stringify({ before, classNames: model.layers.map((layer) => layer.getClassName()), output: await output.array() }));
