// Run by embedding-models.test.ts in a fresh Node process: loads an exported model that contains
// this plugin's layer with plain tfjs after `registerLayers()`, never building a registry, and prints
// its predictions for the inputs given as JSON.
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
const output = model.predict(tf.tensor2d(JSON.parse(inputsJson)));
process.stdout.write(JSON.stringify({ before, classNames: model.layers.map((layer) => layer.getClassName()), output: await output.array() }));
